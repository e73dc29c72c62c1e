// CUDA L-BFGS ring ops against the CPU ops: the same offers (some turned away, the ring
// overflowing) on both devices, the ring's tensors compared bit for bit (keeping a pair is a copy
// and two scalar writes); dots within 1e-5·Σ|terms| (float partial sums in another order,
// kernels/cuda/partial_sums.cuh), axpy within rtol 1e-6 (one rounding, maybe fused); ages the ring
// does not hold write 0 over a NaN poison (dot) or leave v's bits alone (axpy); the fused
// update-and-dot equals the GPU's two ops bit for bit (the same roundings). Then L-BFGS itself
// on the GPU against the CPU run on a 100003-dimensional quadratic.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/lbfgs_ring.h"
#include "engine/ops/vector_ops.h"
#include "layers/lbfgs.h"
#include "tests/support/compare.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

constexpr std::int64_t kN = 100003;
constexpr int kCapacity = 3;
const std::vector<float> kOfferedYs = {0.5f, -1.0f, 2.0f, 0.0f, 3.0f, 1e-11f, 4.0f, 5.0f};

struct RingOnDevice {
  explicit RingOnDevice(Device device)
      : ring(kCapacity, kN, device),
        newest_ys(Tensor::filled({1}, 1.0f, device)),
        newest_yy(Tensor::filled({1}, 1.0f, device)) {}
  ops::LbfgsRingTensors ring;
  Tensor newest_ys, newest_yy;

  void offer(const Tensor& s, const Tensor& y, float ys, float yy) {
    const Device d = ring.s.device();
    ops::lbfgs_keep_pair_if_curved(s.to(d), y.to(d), Tensor::filled({1}, ys, d), Tensor::filled({1}, yy, d), ring,
                                   newest_ys, newest_yy);
  }
};

TEST(CudaLbfgsRing, MatchesCpuThroughKeepsRejectionsAndOverflow) {
  NST_REQUIRE_CUDA();
  RingOnDevice cpu(Device::cpu), gpu(Device::cuda);
  const Tensor num = Tensor::filled({1}, 0.75f, Device::cpu), sub = Tensor::filled({1}, -0.25f, Device::cpu);
  const Tensor gnum = num.to(Device::cuda), gsub = sub.to(Device::cuda);
  for (int k = 0; k < static_cast<int>(kOfferedYs.size()); ++k) {
    SCOPED_TRACE("after offer " + std::to_string(k));
    const Tensor s = random_tensor({kN}, 100 + k), y = random_tensor({kN}, 200 + k);
    cpu.offer(s, y, kOfferedYs[k], 10.0f + float(k));
    gpu.offer(s, y, kOfferedYs[k], 10.0f + float(k));
    EXPECT_TRUE(all_equal(gpu.ring.state.to_host(), cpu.ring.state.to_host())) << "state";
    EXPECT_TRUE(all_equal(gpu.ring.ys.to_host(), cpu.ring.ys.to_host())) << "ys";
    EXPECT_TRUE(all_equal(gpu.newest_ys.to_host(), cpu.newest_ys.to_host())) << "newest ys";
    EXPECT_TRUE(all_equal(gpu.newest_yy.to_host(), cpu.newest_yy.to_host())) << "newest yy";
    const int kept = cpu.ring.pairs_kept();
    for (int slot = 0; slot < kept; ++slot) {  // slots in use are 0 … kept − 1 until the ring wraps
      const auto row = [slot](const Tensor& rows) {
        const std::vector<float> all = rows.to_host();
        return std::vector<float>(all.begin() + slot * kN, all.begin() + (slot + 1) * kN);
      };
      EXPECT_TRUE(all_equal(row(gpu.ring.s), row(cpu.ring.s))) << "s, slot " << slot;
      EXPECT_TRUE(all_equal(row(gpu.ring.y), row(cpu.ring.y))) << "y, slot " << slot;
    }

    const Tensor v = random_tensor({kN}, 300 + k), gv = v.to(Device::cuda);
    for (int age = 0; age < kCapacity; ++age) {
      for (const auto rows : {ops::RingRows::s, ops::RingRows::y}) {
        Tensor expected({1}, Device::cpu), got = Tensor::filled({1}, NAN, Device::cuda);
        ops::lbfgs_ring_dot(cpu.ring, rows, age, v, expected);
        ops::lbfgs_ring_dot(gpu.ring, rows, age, gv, got);
        const double abs_total = ops::asum(v).item();  // ≥ Σ|row_i·v_i|, as |row_i| ≤ 1
        EXPECT_TRUE(all_close(got.to_host(), to_double(expected.to_host()), {1e-5 * abs_total, 0.0}))
            << "dot at age " << age;
        if (age >= kept) {
          EXPECT_EQ(got.item(), 0.0f) << "age " << age << " holds no pair";
        }

        Tensor cv = v.clone(), gpu_v = Tensor::filled({kN}, NAN, Device::cuda);
        gpu_v.copy_from(v);
        ops::lbfgs_ring_axpy(cpu.ring, {rows, age, -1.0f, num, &sub}, cv);
        ops::lbfgs_ring_axpy(gpu.ring, {rows, age, -1.0f, gnum, &gsub}, gpu_v);
        if (age >= kept) {
          EXPECT_TRUE(all_equal(gpu_v.to_host(), v.to_host())) << "axpy at empty age " << age;
        } else {
          EXPECT_TRUE(all_close(gpu_v.to_host(), to_double(cv.to_host()), {1e-7, 1e-6})) << "axpy at age " << age;
        }

        // The fused update-and-dot (dot with the other rows at the next age): against the CPU's
        // fused op within the bounds above, and against the GPU's two ops bit for bit.
        const auto other = rows == ops::RingRows::s ? ops::RingRows::y : ops::RingRows::s;
        const int dot_age = (age + 1) % kCapacity;
        Tensor fused_cpu = v.clone(), fused_gpu = Tensor::filled({kN}, NAN, Device::cuda);
        fused_gpu.copy_from(v);
        Tensor out_cpu({1}, Device::cpu), out_gpu = Tensor::filled({1}, NAN, Device::cuda);
        Tensor separate_out = Tensor::filled({1}, NAN, Device::cuda);
        ops::lbfgs_ring_axpy_dot(cpu.ring, {rows, age, -1.0f, num, &sub}, other, dot_age, fused_cpu, out_cpu);
        ops::lbfgs_ring_axpy_dot(gpu.ring, {rows, age, -1.0f, gnum, &gsub}, other, dot_age, fused_gpu, out_gpu);
        ops::lbfgs_ring_dot(gpu.ring, other, dot_age, gpu_v, separate_out);
        EXPECT_TRUE(all_equal(fused_gpu.to_host(), gpu_v.to_host())) << "fused update at age " << age;
        EXPECT_EQ(out_gpu.item(), separate_out.item()) << "fused dot at age " << dot_age;
        EXPECT_TRUE(all_close(fused_gpu.to_host(), to_double(fused_cpu.to_host()), {1e-7, 1e-6}));
        const double fused_abs_total = ops::asum(fused_cpu).item();
        EXPECT_TRUE(all_close(out_gpu.to_host(), to_double(out_cpu.to_host()), {1e-5 * fused_abs_total, 0.0}))
            << "fused dot at age " << dot_age;
      }
    }
  }
}

TEST(CudaLbfgs, FollowsTheCpuRunOnAQuadratic) {
  // f(x) = ½ Σ d_i x_i² − b·x, d_i in [1, 100], gradient computed on the host from each iterate.
  // The GPU's dots sum in another order (relative differences ~1e-7 per dot); over 12 steps of a
  // contracting iteration they stay below 1e-5·‖x‖.
  NST_REQUIRE_CUDA();
  const auto b = random_values(kN, 7);
  std::vector<float> diagonal(kN);
  for (std::int64_t i = 0; i < kN; ++i) diagonal[i] = 1.0f + 99.0f * float(i % 1000) / 999.0f;
  const auto gradient_at = [&](const Tensor& x) {
    std::vector<float> xh = x.to_host(), g(kN);
    for (std::int64_t i = 0; i < kN; ++i) g[i] = diagonal[i] * xh[i] - b[i];
    return Tensor::from_host({kN}, g, x.device());
  };
  Lbfgs on_cpu({/*history_size=*/5, 1.0f}), on_gpu({/*history_size=*/5, 1.0f});
  Tensor x_cpu = Tensor::zeros({kN}, Device::cpu), x_gpu = Tensor::zeros({kN}, Device::cuda);
  for (int step = 1; step <= 12; ++step) {
    on_cpu.step(x_cpu, gradient_at(x_cpu));
    on_gpu.step(x_gpu, gradient_at(x_gpu));
    const double norm = std::sqrt(double(ops::dot(x_cpu, x_cpu).item()));
    EXPECT_TRUE(all_close(x_gpu.to_host(), to_double(x_cpu.to_host()), {1e-5 * norm / std::sqrt(double(kN)), 1e-5}))
        << "step " << step;
    EXPECT_EQ(on_gpu.stored_pairs(), on_cpu.stored_pairs()) << "step " << step;
  }
}

}  // namespace
}  // namespace nst::testing

// The CUDA ops of the strong-Wolfe line search and of keep best against the CPU ops:
//   strong_wolfe_begin/advance: the same φ(t) fed to both devices' state machines (one thread,
//     double arithmetic: the GPU may fuse a multiply-add, so t may differ in its last float bit):
//     the same statuses in the same order, every trial's t within 4 float ulps (rtol 5e-7);
//   strong_wolfe_point: x0 + t·d, one rounding (maybe fused): |cuda − cpu| ≤ 2⁻²³·(|x0| + |t·d|);
//   keep_if_lower: a copy and a comparison: bit for bit, over a NaN poison;
//   L-BFGS (history 5) with the line search on the 10-D Rosenbrock function, x on the GPU: the same
//     evaluations per iteration as on the CPU and iterates within 1e-4 over 12 iterations (the
//     dots sum in another order, kernels/cuda/partial_sums.cuh; the function amplifies that a little).
#include <cmath>
#include <functional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/best_iterate.h"
#include "engine/ops/strong_wolfe.h"
#include "layers/lbfgs.h"
#include "tests/support/compare.h"
#include "tests/support/gpu.h"
#include "tests/support/host_objective.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

using Phi = std::function<std::pair<double, double>(double)>;

struct Trace {
  std::vector<int> statuses;
  std::vector<float> trials;
};

Trace drive(const Phi& phi, float t0, Device device) {
  auto scalar = [device](double v) { return Tensor::filled({1}, static_cast<float>(v), device); };
  Tensor state = Tensor::filled({kStrongWolfeStateSize}, NAN, device), status = scalar(NAN);
  const auto [phi0, derivative0] = phi(0);
  ops::strong_wolfe_begin(scalar(phi0), scalar(derivative0), scalar(1), scalar(t0), scalar(1), state, status);
  Trace trace;
  for (int k = 0; k < 40; ++k) {
    const StrongWolfeStatus s = ops::read_strong_wolfe_status(status);
    const float t = state.to_host()[kSwT];
    trace.statuses.push_back(s), trace.trials.push_back(t);
    if (s != kSwEvaluate) break;
    const auto [value, derivative] = phi(t);
    ops::strong_wolfe_advance(scalar(value), scalar(derivative), state, status);
  }
  return trace;
}

TEST(CudaStrongWolfe, StateMachineMatchesCpu) {
  NST_REQUIRE_CUDA();
  const std::vector<std::pair<Phi, float>> cases = {
      {[](double t) { return std::make_pair((t - 3) * (t - 3), 2 * (t - 3)); }, 0.01f},
      {[](double t) { return std::make_pair((t - 3) * (t - 3), 2 * (t - 3)); }, 10.0f},
      {[](double t) { return std::make_pair(std::pow(t - 2, 4) - 2 * t, 4 * std::pow(t - 2, 3) - 2); }, 50.0f},
      {[](double t) { return std::make_pair(-t * std::exp(-t), (t - 1) * std::exp(-t)); }, 50.0f},
      {[](double t) { return std::make_pair(2 * t, 2.0); }, 1.0f},
  };
  for (std::size_t c = 0; c < cases.size(); ++c) {
    SCOPED_TRACE("case " + std::to_string(c));
    const Trace cpu = drive(cases[c].first, cases[c].second, Device::cpu);
    const Trace gpu = drive(cases[c].first, cases[c].second, Device::cuda);
    EXPECT_EQ(gpu.statuses, cpu.statuses);
    EXPECT_TRUE(all_close(gpu.trials, cpu.trials, {0.0, 5e-7}));
  }
}

TEST(CudaStrongWolfe, TrialPointMatchesCpu) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = 100003;
  const Tensor x0 = random_tensor({n}, 1), d = random_tensor({n}, 2);
  std::vector<float> state(kStrongWolfeStateSize, 0.0f);
  state[kSwT] = 0.37f;
  const Tensor cpu_state = Tensor::from_host({kStrongWolfeStateSize}, state, Device::cpu);
  Tensor expected(x0.shape(), Device::cpu), got = Tensor::filled({n}, NAN, Device::cuda);
  ops::strong_wolfe_point(x0, cpu_state, d, expected);
  ops::strong_wolfe_point(x0.to(Device::cuda), cpu_state.to(Device::cuda), d.to(Device::cuda), got);
  // |x0| + |t·d| ≤ 1.37: one rounding of that size, 2⁻²³·1.37 < 2e-7.
  EXPECT_TRUE(all_close(got.to_host(), expected.to_host(), {2e-7, 0.0}));
}

TEST(CudaKeepIfLower, MatchesCpuBitForBit) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = 70001;
  const std::vector<float> losses = {5, 3, NAN, 3, 1, INFINITY, 2};
  Tensor cpu_best = Tensor::zeros({n}, Device::cpu), cpu_state = Tensor::from_host({3}, {INFINITY, 0, 0}, Device::cpu);
  Tensor gpu_best = Tensor::filled({n}, NAN, Device::cuda), gpu_state = cpu_state.to(Device::cuda);
  gpu_best.copy_from(cpu_best);
  for (std::size_t k = 0; k < losses.size(); ++k) {
    const Tensor x = random_tensor({n}, 10 + k), loss = Tensor::filled({1}, losses[k], Device::cpu);
    ops::keep_if_lower(loss, x, cpu_best, cpu_state);
    ops::keep_if_lower(loss.to(Device::cuda), x.to(Device::cuda), gpu_best, gpu_state);
    EXPECT_TRUE(all_equal(gpu_best.to_host(), cpu_best.to_host())) << "after evaluation " << k + 1;
    EXPECT_TRUE(all_equal(gpu_state.to_host(), cpu_state.to_host())) << "after evaluation " << k + 1;
  }
}

TEST(CudaLbfgsStrongWolfe, FollowsTheCpuRunOnRosenbrock) {
  NST_REQUIRE_CUDA();
  std::vector<float> start(10);
  for (int i = 0; i < 10; ++i) start[i] = i % 2 == 0 ? -1.2f : 1.0f;
  struct Run {
    explicit Run(Device device, const std::vector<float>& start)
        : objective(rosenbrock, device), x(Tensor::from_host({10}, start, device)), gradient({10}, device) {}
    HostObjective objective;
    Tensor x, gradient;
    Lbfgs lbfgs{{/*history_size=*/5, /*learning_rate=*/1.0f, LbfgsLineSearch::strong_wolfe}};  // 5: fast emulated
  };
  Run cpu(Device::cpu, start), gpu(Device::cuda, start);
  for (int k = 0; k < 12; ++k) {
    cpu.lbfgs.iterate(cpu.objective, cpu.x, cpu.gradient);
    gpu.lbfgs.iterate(gpu.objective, gpu.x, gpu.gradient);
    ASSERT_EQ(gpu.lbfgs.last_evaluations(), cpu.lbfgs.last_evaluations()) << "iteration " << k + 1;
    EXPECT_TRUE(all_close(gpu.x.to_host(), cpu.x.to_host(), {1e-4, 1e-4})) << "iteration " << k + 1;
  }
}

}  // namespace
}  // namespace nst::testing

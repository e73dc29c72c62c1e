// Winograd F(2×2, 3×3) convolution (kernels/cpu/conv2d_winograd.cpp) against a naive double-precision
// reference, forward and backward-data, through the public op (which routes 3×3 / stride 1 / pad 1 with
// at least 8 channels on both sides to it) and through the Winograd entry points themselves (so that
// shapes the op keeps on im2col, C = 1 or 3, run through Winograd too).
// Tolerance: |y − ref| ≤ kRelativeError·S + 1e-6·|ref|, S = the largest Σ|terms| (|b| + Σ|w·x| forward,
//   Σ|w·dy| backward) over the outputs of the case. A direct float sum of K = 9·C terms errs by
//   ≲ √K·6e-8·S in practice. Winograd rounds a little more: the input transform adds up to 4 inputs,
//   the filter transform up to 9 weights with coefficients ¼, the output transform 9 sums of products.
//   Measured |y − ref|/S, worst over these cases: 3.8e-7 (1 channel, 2×2, where S is a few terms);
//   8e-8 at 64 → 64 channels, 64×48; on 512 → 2 channels Winograd 3.9e-8 forward and 1.3e-7 backward,
//   where im2col (which the op picks there) gives 2.9e-8 and 1.0e-7. kRelativeError = 1e-5 is 25× the
//   worst measured and a twentieth of what one term misplaced or lost moves an output by (~S/K, K ≤ 4608).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/conv2d.h"
#include "kernels/conv2d.h"
#include "kernels/cpu/conv2d_winograd.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

constexpr double kRelativeError = 1e-5;

struct Case {
  std::int64_t n, c_in, c_out, h, w;
};

Conv2dParams params_of(const Case& c) {
  Conv2dParams p;  // 3×3, stride 1, pad 1
  p.n = c.n, p.c_in = c.c_in, p.c_out = c.c_out, p.h = c.h, p.w = c.w;
  return p;
}

std::string describe(const Case& c) {
  return std::to_string(c.n) + "x" + std::to_string(c.c_in) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) +
         "_to_" + std::to_string(c.c_out);
}

// The reference's values and the largest Σ|terms| over its outputs.
struct Reference {
  std::vector<double> values;
  double abs_sum = 0.0;
};

// y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n,c,i+u−1,j+v−1] (0 outside x), then max(·, 0) when relu.
Reference reference_forward(const Conv2dParams& p, const std::vector<float>& x, const std::vector<float>& w,
                            const std::vector<float>& b, bool relu) {
  Reference ref;
  ref.values.resize(static_cast<std::size_t>(p.n * p.c_out * p.h * p.w));
  for (std::int64_t n = 0; n < p.n; ++n)
    for (std::int64_t o = 0; o < p.c_out; ++o)
      for (std::int64_t i = 0; i < p.h; ++i)
        for (std::int64_t j = 0; j < p.w; ++j) {
          double sum = b[o], magnitude = std::fabs(double(b[o]));
          for (std::int64_t c = 0; c < p.c_in; ++c)
            for (std::int64_t u = 0; u < 3; ++u)
              for (std::int64_t v = 0; v < 3; ++v) {
                const std::int64_t row = i + u - 1, col = j + v - 1;
                if (row < 0 || row >= p.h || col < 0 || col >= p.w) continue;
                const double term = double(w[((o * p.c_in + c) * 3 + u) * 3 + v]) *
                                    double(x[((n * p.c_in + c) * p.h + row) * p.w + col]);
                sum += term;
                magnitude += std::fabs(term);
              }
          const auto k = static_cast<std::size_t>(((n * p.c_out + o) * p.h + i) * p.w + j);
          ref.values[k] = relu ? std::max(sum, 0.0) : sum;
          ref.abs_sum = std::max(ref.abs_sum, magnitude);
        }
  return ref;
}

// dx[n,c,h,w] = Σ_{o,u,v} w[o,c,u,v]·dy[n,o,h−u+1,w−v+1] (the adjoint of the forward), then 0 where
// gate <= 0 when a gate is given.
Reference reference_backward_data(const Conv2dParams& p, const std::vector<float>& dy, const std::vector<float>& w,
                                  const std::vector<float>* gate) {
  Reference ref;
  ref.values.assign(static_cast<std::size_t>(p.n * p.c_in * p.h * p.w), 0.0);
  std::vector<double> magnitude(ref.values.size(), 0.0);
  for (std::int64_t n = 0; n < p.n; ++n)
    for (std::int64_t o = 0; o < p.c_out; ++o)
      for (std::int64_t i = 0; i < p.h; ++i)
        for (std::int64_t j = 0; j < p.w; ++j)
          for (std::int64_t c = 0; c < p.c_in; ++c)
            for (std::int64_t u = 0; u < 3; ++u)
              for (std::int64_t v = 0; v < 3; ++v) {
                const std::int64_t row = i + u - 1, col = j + v - 1;
                if (row < 0 || row >= p.h || col < 0 || col >= p.w) continue;
                const auto k = static_cast<std::size_t>(((n * p.c_in + c) * p.h + row) * p.w + col);
                const double term =
                    double(w[((o * p.c_in + c) * 3 + u) * 3 + v]) * double(dy[((n * p.c_out + o) * p.h + i) * p.w + j]);
                ref.values[k] += term;
                magnitude[k] += std::fabs(term);
              }
  if (gate != nullptr)
    for (std::size_t k = 0; k < ref.values.size(); ++k) ref.values[k] = (*gate)[k] <= 0.0f ? 0.0 : ref.values[k];
  ref.abs_sum = *std::max_element(magnitude.begin(), magnitude.end());
  return ref;
}

::testing::AssertionResult matches(const std::vector<float>& actual, const Reference& ref) {
  return all_close(actual, ref.values, {kRelativeError * ref.abs_sum, 1e-6});
}

// C_in 1, 3, 13, 64 × C_out 1, 5, 64 on the small images; the larger images with fewer channel pairs
// (the double reference is slow). 2×512 channels on 41×39 spans two bands of tile rows.
std::vector<Case> cases() {
  std::vector<Case> all;
  for (const auto& [h, w] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 1}, {1, 7}, {2, 2}, {5, 9}})
    for (std::int64_t c_in : {1, 3, 13, 64})
      for (std::int64_t c_out : {1, 5, 64}) all.push_back({2, c_in, c_out, h, w});
  for (const auto& [c_in, c_out] : std::vector<std::pair<std::int64_t, std::int64_t>>{{3, 5}, {13, 64}, {64, 5}})
    all.push_back({2, c_in, c_out, 33, 17});
  all.push_back({2, 64, 64, 64, 48});
  all.push_back({2, 512, 2, 41, 39});
  return all;
}

class Conv2dWinogradTest : public ::testing::TestWithParam<Case> {};

TEST_P(Conv2dWinogradTest, ForwardMatchesReference) {
  const Conv2dParams p = params_of(GetParam());
  const auto x = random_values(p.n * p.c_in * p.h * p.w, 61), w = random_values(p.c_out * p.c_in * 9, 62);
  const auto b = random_values(p.c_out, 63);
  const Tensor tx = Tensor::from_host({p.n, p.c_in, p.h, p.w}, x, Device::cpu);
  const Tensor tw = Tensor::from_host({p.c_out, p.c_in, 3, 3}, w, Device::cpu);
  const Tensor tb = Tensor::from_host({p.c_out}, b, Device::cpu);
  for (const bool relu : {false, true}) {
    const Reference ref = reference_forward(p, x, w, b, relu);
    EXPECT_TRUE(matches(ops::conv2d(tx, tw, tb, relu).to_host(), ref)) << "op, relu " << relu;
    std::vector<float> y(ref.values.size(), NAN);
    conv2d_forward_winograd_cpu(p, x.data(), w.data(), b.data(), relu, y.data());
    EXPECT_TRUE(matches(y, ref)) << "winograd, relu " << relu;
  }
}

TEST_P(Conv2dWinogradTest, BackwardDataMatchesReference) {
  const Conv2dParams p = params_of(GetParam());
  const Shape x_shape{p.n, p.c_in, p.h, p.w};
  const auto dy = random_values(p.n * p.c_out * p.h * p.w, 71), w = random_values(p.c_out * p.c_in * 9, 72);
  // A ReLU output as the gate: about half of it zero, the rest positive.
  std::vector<float> gate = random_values(p.n * p.c_in * p.h * p.w, 73);
  std::transform(gate.begin(), gate.end(), gate.begin(), [](float v) { return std::max(v, 0.0f); });
  const Tensor tdy = Tensor::from_host({p.n, p.c_out, p.h, p.w}, dy, Device::cpu);
  const Tensor tw = Tensor::from_host({p.c_out, p.c_in, 3, 3}, w, Device::cpu);
  const Tensor tgate = Tensor::from_host(x_shape, gate, Device::cpu);
  for (const bool gated : {false, true}) {
    const Reference ref = reference_backward_data(p, dy, w, gated ? &gate : nullptr);
    EXPECT_TRUE(matches(ops::conv2d_backward_data(tdy, tw, x_shape, gated ? &tgate : nullptr).to_host(), ref))
        << "op, gated " << gated;
    std::vector<float> dx(ref.values.size(), NAN);
    conv2d_backward_data_winograd_cpu(p, dy.data(), w.data(), gated ? gate.data() : nullptr, dx.data());
    EXPECT_TRUE(matches(dx, ref)) << "winograd, gated " << gated;
  }
}

std::string case_name(const ::testing::TestParamInfo<Case>& test) { return describe(test.param); }

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dWinogradTest, ::testing::ValuesIn(cases()), case_name);

// The op sends the VGG19 layers past conv1_1 to Winograd (the same bits as the Winograd entry point,
// twice over: the reused scratch changes nothing) and conv1_1's 3 image channels to im2col (whose
// rounding differs from Winograd's somewhere in the image).
TEST(Conv2dWinograd, OpRoutesWideLayersToWinogradAndImageChannelsToIm2col) {
  for (const std::int64_t c_in : {64, 3}) {
    Conv2dParams p;
    p.c_in = c_in, p.c_out = 64, p.h = 24, p.w = 19;
    const auto x = random_values(p.c_in * p.h * p.w, 81), w = random_values(p.c_out * p.c_in * 9, 82);
    const auto b = random_values(p.c_out, 83);
    const Tensor y = ops::conv2d(Tensor::from_host({1, p.c_in, p.h, p.w}, x, Device::cpu),
                                 Tensor::from_host({p.c_out, p.c_in, 3, 3}, w, Device::cpu),
                                 Tensor::from_host({p.c_out}, b, Device::cpu), false);
    std::vector<float> winograd(static_cast<std::size_t>(y.numel()));
    for (int call = 0; call < 2; ++call) {
      conv2d_forward_winograd_cpu(p, x.data(), w.data(), b.data(), false, winograd.data());
      EXPECT_EQ(bool(all_equal(y.to_host(), winograd)), c_in == 64) << "C_in " << c_in << ", call " << call;
    }
  }
}

}  // namespace
}  // namespace nst::testing

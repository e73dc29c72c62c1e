// CPU convolution against a naive double-precision reference (the 7-loop definition), and its
// backward-data against central finite differences of that reference.
// Tolerances:
//   forward: |y − ref| ≤ 1e-5·|ref| + 1e-5·S, S = max over outputs of |b| + Σ|w·x| (the sum of |terms|).
//     A float dot product of K = C_in·KH·KW terms errs by at most ≈ K·6e-8·S (≤ 7e-6·S for the K ≤ 117
//     of the small shapes; about √K·6e-8·S in practice, 1.5e-6·S for the banded K = 576), while one
//     term misplaced or missing moves an output by ~S/K ≥ 1.7e-3·S: far outside the bound.
//   backward-data vs finite differences: relative 1e-4 of max(|a|, |n|, 1). The reference is linear
//     in x, so the difference quotient is exact to ~1e-10; the float backward sums C_out·KH·KW ≤ 117
//     products of magnitude < 1 (error ~1e-6, worst case 8e-4·… only with every rounding aligned).
//   backward-data vs the double adjoint on banded shapes: as the forward, with S = max Σ|w·dy|.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/gpu.h"
#include "engine/ops/conv2d.h"
#include "kernels/conv2d.h"
#include "kernels/cpu/conv2d_winograd.h"
#include "tests/support/compare.h"
#include "tests/support/conv_case.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

// y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n,c,i·s+u−p,j·s+v−p], in double; `abs_sum` gets the
// largest |b| + Σ|w·x| over all outputs.
template <class X>
std::vector<double> reference_forward(const Conv2dParams& p, const std::vector<X>& x, const std::vector<float>& w,
                                      const std::vector<float>& b, bool relu, double* abs_sum = nullptr) {
  const std::int64_t oh = p.out_h(), ow = p.out_w();
  std::vector<double> y(static_cast<std::size_t>(p.n * p.c_out * oh * ow));
  double largest = 0.0;
  for (std::int64_t n = 0; n < p.n; ++n)
    for (std::int64_t o = 0; o < p.c_out; ++o)
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          double sum = b[o], magnitude = std::fabs(double(b[o]));
          for (std::int64_t c = 0; c < p.c_in; ++c)
            for (std::int64_t u = 0; u < p.kh; ++u)
              for (std::int64_t v = 0; v < p.kw; ++v) {
                const std::int64_t row = i * p.stride + u - p.pad, col = j * p.stride + v - p.pad;
                if (row < 0 || row >= p.h || col < 0 || col >= p.w) continue;
                const double term = double(w[((o * p.c_in + c) * p.kh + u) * p.kw + v]) *
                                    double(x[((n * p.c_in + c) * p.h + row) * p.w + col]);
                sum += term;
                magnitude += std::fabs(term);
              }
          y[((n * p.c_out + o) * oh + i) * ow + j] = relu ? std::max(sum, 0.0) : sum;
          largest = std::max(largest, magnitude);
        }
  if (abs_sum != nullptr) *abs_sum = largest;
  return y;
}

// The cases: C_in 1, 3, 13; C_out 1, 5, 13; odd H and W, a 1×1 image, batch 2, stride 2, pad 0,
// 1×1, 5×5 and non-square kernels.
const std::vector<ConvCase>& small_cases() {
  static const std::vector<ConvCase> cases = {
      {1, 1, 1, 1, 1, 3, 3, 1, 1},  {1, 3, 1, 1, 5, 3, 3, 1, 1},   {1, 3, 7, 5, 5, 3, 3, 1, 1},
      {2, 3, 5, 9, 13, 3, 3, 1, 1}, {1, 13, 9, 11, 5, 3, 3, 1, 1}, {1, 1, 7, 7, 13, 3, 3, 2, 1},
      {2, 5, 8, 7, 5, 3, 3, 2, 0},  {1, 3, 6, 9, 13, 3, 3, 1, 0},  {1, 13, 5, 7, 5, 1, 1, 1, 0},
      {1, 5, 4, 6, 1, 1, 1, 2, 0},  {1, 3, 9, 8, 5, 5, 5, 1, 2},   {2, 3, 5, 4, 5, 2, 3, 1, 1},
  };
  return cases;
}

// Shapes large enough that the CPU kernel lowers them in several bands of output rows (K·OH·OW
// above its 2^20-float band), stride 1 and stride 2. Neither may go to Winograd (3×3, stride 1,
// pad 1, ≥ 8 channels on both sides), which has no bands: the stride-1 case is conv1_1 itself,
// 3 → 64 channels, at 241×200 (K·OH·OW = 27·48200 = 1.3·2^20: two bands, of 121 and 120 rows);
// the stride-2 case has K·OH·OW = 576·65·65 = 2.3·2^20 (three bands).
const std::vector<ConvCase>& banded_cases() {
  static const std::vector<ConvCase> cases = {{1, 3, 241, 200, 64, 3, 3, 1, 1}, {1, 64, 129, 129, 4, 3, 3, 2, 1}};
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<ConvCase>& test) { return describe(test.param); }

void expect_forward_matches_reference(const ConvCase& c, bool relu) {
  const Conv2dParams p = c.params();
  const auto x = random_values(numel_of(x_shape(p)), 11), w = random_values(numel_of(w_shape(p)), 12);
  const auto b = random_values(p.c_out, 13);
  double abs_sum = 0.0;
  const std::vector<double> expected = reference_forward(p, x, w, b, relu, &abs_sum);
  const Tensor y =
      ops::conv2d(Tensor::from_host(x_shape(p), x, Device::cpu), Tensor::from_host(w_shape(p), w, Device::cpu),
                  Tensor::from_host({p.c_out}, b, Device::cpu), relu, {c.stride, c.pad});
  ASSERT_EQ(y.shape(), y_shape(p));
  EXPECT_TRUE(all_close(y.to_host(), expected, {1e-5 * abs_sum, 1e-5})) << describe(c) << (relu ? " relu" : "");
}

class Conv2dSmallTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dSmallTest, ForwardMatchesReference) {
  expect_forward_matches_reference(GetParam(), false);
  expect_forward_matches_reference(GetParam(), true);
}

// L(x) = Σ conv(x)·r: its gradient is the backward-data of r.
TEST_P(Conv2dSmallTest, BackwardDataMatchesFiniteDifferences) {
  const Conv2dParams p = GetParam().params();
  const ops::ConvGeometry g{p.stride, p.pad};
  const auto x = random_values(numel_of(x_shape(p)), 21), w = random_values(numel_of(w_shape(p)), 22);
  const auto b = random_values(p.c_out, 23), r = random_values(numel_of(y_shape(p)), 24);
  const Tensor dx = ops::conv2d_backward_data(Tensor::from_host(y_shape(p), r, Device::cpu),
                                              Tensor::from_host(w_shape(p), w, Device::cpu), x_shape(p), nullptr, g);
  const ScalarFunction loss = [&](const std::vector<double>& xd) {
    return weighted_sum(reference_forward(p, xd, w, b, false), r);
  };
  EXPECT_TRUE(gradient_matches(loss, to_double(x), dx.to_host(), 1e-4)) << describe(GetParam());
}

// The layer's input is a = max(z, 0); with a as the gate the backward gives dL/dz of Σ conv(a)·r.
TEST_P(Conv2dSmallTest, GatedBackwardDataMatchesFiniteDifferencesThroughRelu) {
  const Conv2dParams p = GetParam().params();
  const ops::ConvGeometry g{p.stride, p.pad};
  const auto z = random_values(numel_of(x_shape(p)), 31), w = random_values(numel_of(w_shape(p)), 32);
  const auto b = random_values(p.c_out, 33), r = random_values(numel_of(y_shape(p)), 34);
  std::vector<float> a(z.size());
  std::transform(z.begin(), z.end(), a.begin(), [](float v) { return std::max(v, 0.0f); });
  const Tensor gate = Tensor::from_host(x_shape(p), a, Device::cpu);
  const Tensor dz = ops::conv2d_backward_data(Tensor::from_host(y_shape(p), r, Device::cpu),
                                              Tensor::from_host(w_shape(p), w, Device::cpu), x_shape(p), &gate, g);
  const ScalarFunction loss = [&](const std::vector<double>& zd) {
    std::vector<double> ad(zd.size());
    std::transform(zd.begin(), zd.end(), ad.begin(), [](double v) { return std::max(v, 0.0); });
    return weighted_sum(reference_forward(p, ad, w, b, false), r);
  };
  const auto near_kink = [&](std::size_t k) { return std::fabs(z[k]) < 1e-4f; };
  // The 1×1 single-channel image may be a kink or a negative input; every other case has both signs.
  if (z.size() == 1 && near_kink(0)) GTEST_SKIP() << "the only input sits on ReLU's kink";
  EXPECT_TRUE(gradient_matches(loss, to_double(z), dz.to_host(), 1e-4, {}, near_kink)) << describe(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dSmallTest, ::testing::ValuesIn(small_cases()), case_name);

class Conv2dBandedTest : public ::testing::TestWithParam<ConvCase> {};

// The cases test what they are named for: im2col + SGEMM in more than one band.
TEST_P(Conv2dBandedTest, RunsTheBandedIm2colPath) {
  const Conv2dParams p = GetParam().params();
  EXPECT_FALSE(winograd_applies(p)) << describe(GetParam());
  EXPECT_GT(p.c_in * p.kh * p.kw * p.out_h() * p.out_w(), std::int64_t{1} << 20) << describe(GetParam());
}

TEST_P(Conv2dBandedTest, ForwardMatchesReference) { expect_forward_matches_reference(GetParam(), true); }

// dx[n,c,h,w] = Σ_{o,u,v} w[o,c,u,v]·dy[n,o,i,j] over the (i, j) with i·s+u−p = h, j·s+v−p = w.
TEST_P(Conv2dBandedTest, BackwardDataMatchesDoubleAdjoint) {
  const Conv2dParams p = GetParam().params();
  const auto dy = random_values(numel_of(y_shape(p)), 41), w = random_values(numel_of(w_shape(p)), 42);
  std::vector<double> expected(static_cast<std::size_t>(numel_of(x_shape(p))), 0.0), magnitude(expected.size(), 0.0);
  for (std::int64_t n = 0; n < p.n; ++n)
    for (std::int64_t o = 0; o < p.c_out; ++o)
      for (std::int64_t i = 0; i < p.out_h(); ++i)
        for (std::int64_t j = 0; j < p.out_w(); ++j)
          for (std::int64_t c = 0; c < p.c_in; ++c)
            for (std::int64_t u = 0; u < p.kh; ++u)
              for (std::int64_t v = 0; v < p.kw; ++v) {
                const std::int64_t row = i * p.stride + u - p.pad, col = j * p.stride + v - p.pad;
                if (row < 0 || row >= p.h || col < 0 || col >= p.w) continue;
                const std::size_t k = static_cast<std::size_t>(((n * p.c_in + c) * p.h + row) * p.w + col);
                const double term = double(w[((o * p.c_in + c) * p.kh + u) * p.kw + v]) *
                                    double(dy[((n * p.c_out + o) * p.out_h() + i) * p.out_w() + j]);
                expected[k] += term;
                magnitude[k] += std::fabs(term);
              }
  const double abs_sum = *std::max_element(magnitude.begin(), magnitude.end());
  const Tensor tdy = Tensor::from_host(y_shape(p), dy, Device::cpu), tw = Tensor::from_host(w_shape(p), w, Device::cpu);
  const Tensor dx = ops::conv2d_backward_data(tdy, tw, x_shape(p), nullptr, {p.stride, p.pad});
  EXPECT_TRUE(all_close(dx.to_host(), expected, {1e-5 * abs_sum, 1e-5})) << describe(GetParam());
  // The scratch is reused from the first call: a second call gives the same bits.
  EXPECT_TRUE(
      all_equal(ops::conv2d_backward_data(tdy, tw, x_shape(p), nullptr, {p.stride, p.pad}).to_host(), dx.to_host()));
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dBandedTest, ::testing::ValuesIn(banded_cases()), case_name);

// The gate zeroes dx exactly where gate <= 0 (zero and negative) and leaves every other value as the
// ungated backward computes it, bit for bit.
TEST(Conv2d, GateZeroesWhereGateIsNotPositive) {
  const Shape xs{2, 3, 7, 5}, ws{5, 3, 3, 3}, ys{2, 5, 7, 5};
  const Tensor dy = random_tensor(ys, 51), w = random_tensor(ws, 52);
  std::vector<float> gate_values = random_values(numel_of(xs), 53);
  for (std::size_t i = 0; i < gate_values.size(); i += 3) gate_values[i] = 0.0f;
  const Tensor gate = Tensor::from_host(xs, gate_values, Device::cpu);
  const auto ungated = ops::conv2d_backward_data(dy, w, xs).to_host();
  const auto gated = ops::conv2d_backward_data(dy, w, xs, &gate).to_host();
  std::size_t zeroed = 0;
  for (std::size_t i = 0; i < gated.size(); ++i) {
    if (gate_values[i] <= 0.0f) {
      EXPECT_EQ(gated[i], 0.0f) << "at " << i << ", gate " << gate_values[i];
      ++zeroed;
    } else {
      EXPECT_EQ(gated[i], ungated[i]) << "at " << i << ", gate " << gate_values[i];
    }
  }
  EXPECT_GT(zeroed, gated.size() / 3);
}

// Runs `call` and expects an nst::Error whose message contains `text`.
template <class Call>
void expect_error(Call call, const std::string& text) {
  try {
    call();
    ADD_FAILURE() << "no error; expected one containing \"" << text << "\"";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(Conv2d, ShapeErrorsNameTheOpAndTheShapes) {
  const Tensor x = Tensor::zeros({1, 3, 7, 5}, Device::cpu), w = Tensor::zeros({4, 3, 3, 3}, Device::cpu);
  const Tensor b = Tensor::zeros({4}, Device::cpu);
  expect_error(
      [&] {
        ops::conv2d(x, Tensor::zeros({4, 2, 3, 3}, Device::cpu), b, false);
      },
      "conv2d: w has shape (4, 2, 3, 3) for 2 input channels, but the input (1, 3, 7, 5) has 3");
  expect_error([&] { ops::conv2d(x, w, Tensor::zeros({5}, Device::cpu), false); },
               "conv2d: b has shape (5,), expected (4,)");
  expect_error(
      [&] {
        ops::conv2d(Tensor::zeros({3, 7, 5}, Device::cpu), w, b, false);
      },
      "conv2d: input has shape (3, 7, 5), expected rank 4");
  expect_error(
      [&] {
        ops::conv2d(x, Tensor::zeros({4, 3, 9}, Device::cpu), b, false);
      },
      "conv2d: w has shape (4, 3, 9), expected rank 4");
  expect_error(
      [&] {
        ops::conv2d(x, Tensor::zeros({4, 3, 11, 3}, Device::cpu), b, false);
      },
      "conv2d: kernel (4, 3, 11, 3) is larger than the input (1, 3, 7, 5) with pad 1");
  expect_error([&] { ops::conv2d(x, w, b, false, {0, 1}); }, "conv2d: stride 0 and pad 1");
  Tensor y = Tensor::zeros({1, 4, 7, 4}, Device::cpu);
  expect_error([&] { ops::conv2d(x, w, b, false, y); }, "conv2d: y has shape (1, 4, 7, 4), expected (1, 4, 7, 5)");

  const Tensor dy = Tensor::zeros({1, 4, 7, 5}, Device::cpu);
  expect_error(
      [&] {
        ops::conv2d_backward_data(dy, w, {1, 3, 7, 5}, nullptr, {2, 1});
      },
      "conv2d_backward_data: dy has shape (1, 4, 7, 5), expected (1, 4, 4, 3)");
  const Tensor bad_gate = Tensor::zeros({1, 3, 5, 7}, Device::cpu);
  expect_error(
      [&] {
        ops::conv2d_backward_data(dy, w, {1, 3, 7, 5}, &bad_gate);
      },
      "conv2d_backward_data: gate has shape (1, 3, 5, 7), expected (1, 3, 7, 5)");
}

TEST(Conv2d, TensorsOnDifferentDevicesAreRefused) {
  if (!cuda_available()) GTEST_SKIP() << "needs a CUDA GPU for a second device: " << cuda_unavailable_reason();
  const Tensor x = Tensor::zeros({1, 3, 7, 5}, Device::cpu), w = Tensor::zeros({4, 3, 3, 3}, Device::cuda);
  const Tensor b = Tensor::zeros({4}, Device::cpu);
  expect_error([&] { ops::conv2d(x, w, b, false); }, "conv2d: tensors on different devices (cpu and cuda)");
}

// Prepared weights (the Winograd filters transformed once) give the same bits as the plain calls,
// where Winograd applies (13 → 9 channels, 3×3, stride 1, pad 1; and VGG's 64 → 64) and where it
// does not (3 input channels; stride 2): both directions, gated and not.
TEST(Conv2d, PreparedWeightsGiveTheSameBits) {
  for (const ConvCase& c : {ConvCase{2, 13, 9, 11, 9, 3, 3, 1, 1}, ConvCase{1, 64, 17, 16, 64, 3, 3, 1, 1},
                            ConvCase{1, 3, 9, 11, 9, 3, 3, 1, 1}, ConvCase{1, 13, 9, 11, 9, 3, 3, 2, 1}}) {
    const Tensor x = random_tensor(c.x_shape(), 90), w = random_tensor(c.w_shape(), 91),
                 b = random_tensor({c.c_out}, 92);
    const Tensor dy = random_tensor(c.y_shape(), 93), gate = random_tensor(c.x_shape(), 94);
    const ops::PreparedConvWeights prepared(w.clone(), c.geometry());
    const bool winograd = c.c_in >= 8 && c.stride == 1;
    EXPECT_EQ(prepared.winograd_filters(false) != nullptr, winograd) << describe(c);
    Tensor y(c.y_shape(), Device::cpu), dx(c.x_shape(), Device::cpu);
    ops::conv2d(x, prepared, b, true, y);
    EXPECT_TRUE(all_equal(y.to_host(), ops::conv2d(x, w, b, true, c.geometry()).to_host())) << describe(c);
    for (const Tensor* g : {static_cast<const Tensor*>(nullptr), &gate}) {
      ops::conv2d_backward_data(dy, prepared, g, dx);
      EXPECT_TRUE(all_equal(dx.to_host(), ops::conv2d_backward_data(dy, w, c.x_shape(), g, c.geometry()).to_host()))
          << describe(c) << (g ? " gated" : "");
    }
  }
  EXPECT_THROW(ops::PreparedConvWeights(random_tensor({4, 3, 3}, 95), {}), Error);
}

// The CPU computes in FP32 whatever math is asked for: TF32 is a GPU tensor-core mode.
TEST(Conv2d, CpuIgnoresTf32) {
  const Tensor x = random_tensor({1, 13, 9, 11}, 80), w = random_tensor({5, 13, 3, 3}, 81), b = random_tensor({5}, 82);
  EXPECT_TRUE(
      all_equal(ops::conv2d(x, w, b, true, {}, ops::ConvMath::tf32).to_host(), ops::conv2d(x, w, b, true).to_host()));
}

}  // namespace
}  // namespace nst::testing

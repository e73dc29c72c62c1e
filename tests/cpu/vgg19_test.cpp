// Vgg19 and StyleObjective against the plain double-precision reference (tests/support/naive_vgg),
// with random He-initialised weights in VGG19's real shapes for the first five convolutions (so
// these tests need no weights file), on small odd-sized images.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "layers/style_objective.h"
#include "layers/vgg19.h"
#include "tests/support/compare.h"
#include "tests/support/gradcheck.h"
#include "tests/support/naive_vgg.h"
#include "tests/support/random.h"
#include "tests/support/random_vgg.h"
#include "weights/vgg19_spec.h"

namespace nst::testing {
namespace {

constexpr int kDepth = 5;  // conv1_1 … conv3_1: two pools on the way

NaiveImage naive_image(const Tensor& x) {
  const std::vector<float> v = x.to_host();
  return {int(x.dim(1)), int(x.dim(2)), int(x.dim(3)), to_double(v)};
}

// Float activations against the double chain: each is a sum of ≤ 9·C_in·(depth) rounded products,
// so a relative error of 1e-4 of the layer's largest value bounds it comfortably.
void expect_matches_reference(const Tensor& actual, const NaiveImage& expected, const char* what) {
  double largest = 0.0;
  for (double v : expected.v) largest = std::max(largest, std::fabs(v));
  EXPECT_TRUE(all_close(actual.to_host(), expected.v, Tolerance{1e-4 * largest, 1e-4})) << what;
}

class Vgg19ForwardTest : public ::testing::TestWithParam<ops::PoolKind> {};

TEST_P(Vgg19ForwardTest, MatchesNaiveReferenceChain) {
  const bool max_pool = GetParam() == ops::PoolKind::max;
  const auto weights = random_vgg_weights(kDepth, 100);
  const std::vector<Tap> taps = parse_taps("relu1_1,conv1_2,relu2_1,conv2_2,relu3_1");
  Vgg19 net(weights, GetParam(), Device::cpu, taps);
  for (const Shape& shape : {Shape{1, 3, 13, 10}, Shape{1, 3, 4, 7}}) {  // odd sizes; a second size reallocates
    const Tensor x = random_tensor(shape, 7, Device::cpu, -50.0f, 50.0f);
    net.forward(x);
    const NaiveTrunk reference = naive_vgg_forward(weights, kDepth, naive_image(x), max_pool);
    for (const Tap& tap : taps)
      expect_matches_reference(
          net.activation(tap),
          tap.before_relu ? reference.pre_relu[tap.conv_index] : reference.post_relu[tap.conv_index], tap.name.c_str());
  }
}

INSTANTIATE_TEST_SUITE_P(Pooling, Vgg19ForwardTest, ::testing::Values(ops::PoolKind::max, ops::PoolKind::avg));

TEST(Vgg19, TooSmallImageIsAClearError) {
  Vgg19 net(random_vgg_weights(kDepth, 1), ops::PoolKind::max, Device::cpu, parse_taps("relu3_1"));
  try {
    net.forward(Tensor::zeros({1, 3, 3, 1}, Device::cpu));
    FAIL() << "a 3x1 image cannot reach conv2_1";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("too small"), std::string::npos) << e.what();
  }
}

TEST(Vgg19, RejectsTapsDeeperThanItsWeights) {
  EXPECT_THROW(Vgg19(random_vgg_weights(2, 1), ops::PoolKind::max, Device::cpu, parse_taps("relu2_1")), Error);
}

// Which taps a gradient test reads, and why that choice matters to Vgg19::backward.
struct TapChoice {
  const char* name;
  const char* content;
  const char* style;
  const char* why;
};

// Vgg19::backward fuses the ReLU gate of layer k−1 into layer k's backward-data wherever no pool
// lies between them and no "relu" tap reads a_{k−1} (conv1_2→conv1_1 and conv2_2→conv2_1 in the
// first five layers). The two choices cover both branches: `unfused` reads relu1_1 and relu2_1, so
// every gate is applied on its own; `fused` reads neither, so both gates go through the fused path,
// with a conv1_1 tap (pre-ReLU) adding its gradient after the fused gate.
const TapChoice kUnfused{"UnfusedReluGates", "relu2_1,conv3_1", "relu1_1,conv1_2,relu2_1,relu3_1",
                         "a relu tap below every pool-free pair: no gate fused"};
const TapChoice kFused{"FusedReluGates", "relu2_2,conv3_1", "conv1_1,relu1_2,conv2_2,relu3_1",
                       "no relu tap at conv1_1 or conv2_1: both gates fused into the conv above"};

class StyleObjectiveGradientTest : public ::testing::TestWithParam<TapChoice> {};

// dJ/dx through the whole network, for content (after and before a ReLU), style (two images of
// other sizes, blended) and TV terms together, against central differences of the double
// reference objective at a sample of pixels. The analytic gradient is float arithmetic through
// ~10 layers: agreement within 2e-3 of max(|a|, |n|, 1) is what float rounding allows.
TEST_P(StyleObjectiveGradientTest, GradientMatchesFiniteDifferencesThroughTheNetwork) {
  const auto weights = random_vgg_weights(kDepth, 200);
  const std::vector<Tap> content_taps = parse_taps(GetParam().content);
  const std::vector<Tap> style_taps = parse_taps(GetParam().style);
  std::vector<Tap> all = content_taps;
  all.insert(all.end(), style_taps.begin(), style_taps.end());
  Vgg19 net(weights, ops::PoolKind::max, Device::cpu, all);

  const Shape shape{1, 3, 9, 11};
  const Tensor content = random_tensor(shape, 11, Device::cpu, -60.0f, 60.0f);
  std::vector<Tensor> styles;
  styles.push_back(random_tensor({1, 3, 12, 8}, 12, Device::cpu, -60.0f, 60.0f));
  styles.push_back(random_tensor({1, 3, 8, 13}, 13, Device::cpu, -60.0f, 60.0f));
  ObjectiveWeights w;
  w.content = {0.5f, 0.25f};
  w.style = {3.0f, 1.5f, 6.0f, 12.0f};
  w.tv = 0.25f;
  StyleObjective objective(net, content_taps, style_taps, content, styles, {1.0f, 3.0f}, w);

  const Tensor x = random_tensor(shape, 14, Device::cpu, -60.0f, 60.0f);
  Tensor gradient = Tensor::filled(shape, NAN, Device::cpu);
  objective.evaluate(x, gradient);

  NaiveObjective reference;
  reference.content_taps = content_taps;
  reference.style_taps = style_taps;
  reference.content_weights = {0.5, 0.25};
  reference.style_weights = {3.0, 1.5, 6.0, 12.0};
  reference.gamma = w.tv;
  const int depth = kDepth;
  const NaiveTrunk content_trunk = naive_vgg_forward(weights, depth, naive_image(content), true);
  for (const Tap& tap : content_taps)
    reference.content_targets.push_back(tap.before_relu ? content_trunk.pre_relu[tap.conv_index]
                                                        : content_trunk.post_relu[tap.conv_index]);
  const double blend[2] = {0.25, 0.75};
  for (const Tap& tap : style_taps) {
    const NaiveImage& fx = content_trunk.post_relu[tap.conv_index];
    std::vector<double> target(std::size_t(fx.c) * fx.c, 0.0);
    for (int s = 0; s < 2; ++s) {
      const NaiveTrunk t = naive_vgg_forward(weights, depth, naive_image(styles[std::size_t(s)]), true);
      const NaiveImage& f = tap.before_relu ? t.pre_relu[tap.conv_index] : t.post_relu[tap.conv_index];
      const std::vector<double> g = naive_gram(f);
      const double rescale = double(fx.h) * fx.w / (double(f.h) * f.w);
      for (std::size_t i = 0; i < g.size(); ++i) target[i] += blend[s] * rescale * g[i];
    }
    reference.style_targets.push_back(target);
  }

  // The loss value first: J(x) in float against the double reference.
  const NaiveImage x_ref = naive_image(x);
  const double j_ref = naive_objective(weights, reference, x_ref, true);
  EXPECT_NEAR(objective.read_losses().total, j_ref, 1e-4 * std::fabs(j_ref));

  std::vector<std::size_t> pixels;
  for (std::size_t k = 0; k < x_ref.v.size(); k += 23) pixels.push_back(k);
  auto loss = [&](const std::vector<double>& v) {
    NaiveImage image = x_ref;
    image.v = v;
    return naive_objective(weights, reference, image, true);
  };
  EXPECT_TRUE(gradient_matches(loss, x_ref.v, gradient.to_host(), 2e-3, pixels)) << GetParam().why;
}

INSTANTIATE_TEST_SUITE_P(Taps, StyleObjectiveGradientTest, ::testing::Values(kUnfused, kFused),
                         [](const ::testing::TestParamInfo<TapChoice>& choice) { return choice.param.name; });

}  // namespace
}  // namespace nst::testing

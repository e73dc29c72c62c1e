// The check that every image of a run reaches the deepest layer (apps/image_size_check.h): the
// side it asks for is the one Vgg19::forward needs (one pixel less fails there), and its message
// names the image, the resized size and the smallest --image-size that works.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apps/image_size_check.h"
#include "engine/error.h"
#include "layers/vgg19.h"
#include "tests/support/random.h"
#include "weights/vgg19_spec.h"

namespace nst::testing {
namespace {

std::vector<ConvWeights> random_weights(int depth) {
  std::vector<ConvWeights> weights;
  for (int k = 0; k < depth; ++k) {
    const VggConvSpec& spec = vgg19_conv_specs()[std::size_t(k)];
    weights.push_back({spec.keras_name, random_tensor({spec.out_channels, spec.in_channels, 3, 3}, 1, Device::cpu),
                       random_tensor({spec.out_channels}, 2, Device::cpu)});
  }
  return weights;
}

TEST(ImageSizeCheck, SmallestSideIsTwoToThePoolsBefore) {
  const std::vector<std::pair<std::string, int>> expected{{"relu1_1", 1}, {"conv1_2", 1},  {"relu2_1", 2},
                                                          {"relu2_2", 2}, {"relu3_1", 4},  {"relu4_1", 8},
                                                          {"relu4_2", 8}, {"relu5_1", 16}, {"relu5_4", 16}};
  for (const auto& [name, side] : expected) EXPECT_EQ(smallest_side_reaching(parse_tap(name)), side) << name;
}

// What Vgg19::forward itself accepts: the side asked for passes, one less fails (a 1-pixel
// other side keeps the network small).
TEST(ImageSizeCheck, SideAskedForIsWhatTheNetworkNeeds) {
  for (const char* name : {"relu2_1", "relu3_1", "relu4_1"}) {
    const Tap tap = parse_tap(name);
    Vgg19 net(random_weights(tap.conv_index + 1), ops::PoolKind::max, Device::cpu, {tap});
    const std::int64_t side = smallest_side_reaching(tap);
    EXPECT_NO_THROW(net.forward(Tensor::zeros({1, 3, side, side}, Device::cpu))) << name;
    EXPECT_THROW(net.forward(Tensor::zeros({1, 3, side - 1, side}, Device::cpu)), Error) << name;
    EXPECT_THROW(net.forward(Tensor::zeros({1, 3, side, side - 1}, Device::cpu)), Error) << name;
  }
}

std::string message_of(const Tap& tap, const std::vector<RunImage>& images, int image_size, double style_scale) {
  try {
    check_images_reach(tap, images, image_size, style_scale, 8192);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ImageSizeCheck, MessageNamesTheResizedSizeAndTheSmallestImageSizeThatWorks) {
  const Tap relu4_1 = parse_tap("relu4_1");
  // 1000 × 100 at 16 px: 16 × 2. The shorter side round(s/10) reaches 8 from s = 75.
  const std::string content = message_of(relu4_1, {{"the content image c.png", {1000, 100}, false}}, 16, 1.0);
  for (const char* part : {"the content image c.png, resized to 16x2 (--image-size 16)", "too small to reach relu4_1",
                           "the 3 poolings", "at least 8 pixels", "the smallest --image-size that works is 75"})
    EXPECT_NE(content.find(part), std::string::npos) << part << " not in: " << content;
  EXPECT_EQ(message_of(relu4_1, {{"c", {1000, 100}, false}}, 75, 1.0), "");
  EXPECT_NE(message_of(relu4_1, {{"c", {1000, 100}, false}}, 74, 1.0), "");

  // A style at half scale decides: its longer side is round(s/2), its shorter a tenth of that.
  const std::vector<RunImage> both{{"the content image c.png", {100, 100}, false},
                                   {"the style image s.png", {1000, 100}, true}};
  const std::string style = message_of(relu4_1, both, 32, 0.5);
  for (const char* part : {"the style image s.png, resized to 16x2 (--image-size 32 × --style-scale 0.5)",
                           "the smallest --image-size that works is 149"})
    EXPECT_NE(style.find(part), std::string::npos) << part << " not in: " << style;
  EXPECT_EQ(message_of(relu4_1, both, 149, 0.5), "");
  EXPECT_NE(message_of(relu4_1, both, 148, 0.5), "");

  const std::string never = message_of(relu4_1, {{"the content image line.png", {10000, 1}, false}}, 512, 1.0);
  EXPECT_NE(never.find("no --image-size up to 8192 works; choose a shallower layer"), std::string::npos) << never;
  EXPECT_EQ(message_of(parse_tap("relu1_1"), {{"the content image line.png", {10000, 1}, false}}, 512, 1.0), "");
}

}  // namespace
}  // namespace nst::testing

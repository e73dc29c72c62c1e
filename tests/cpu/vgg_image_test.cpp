// Images in and out of VGG19's input space (apps/vgg_image.h), and the luminance-only colour
// transfer, against the definitions written out here.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "apps/vgg_image.h"
#include "engine/error.h"
#include "tests/support/compare.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

constexpr float kMeanB = 103.939f, kMeanG = 116.779f, kMeanR = 123.68f;

// Channel 0 = B − mean B, 1 = G − mean G, 2 = R − mean R, each an H × W plane; one float
// subtraction per value, so the comparison is exact.
TEST(VggImage, InputIsBgrMinusTheMeanPixel) {
  const Image image{3, 2, random_integers(3 * 2 * 3, 51, 0, 255)};
  const Tensor x = to_vgg_input(image, Device::cpu);
  ASSERT_EQ(x.shape(), (Shape{1, 3, 2, 3}));
  std::vector<float> expected(18);
  for (int p = 0; p < 6; ++p) {
    const float r = image.rgb[std::size_t(p * 3)], g = image.rgb[std::size_t(p * 3 + 1)],
                b = image.rgb[std::size_t(p * 3 + 2)];
    expected[std::size_t(0 * 6 + p)] = b - kMeanB;
    expected[std::size_t(1 * 6 + p)] = g - kMeanG;
    expected[std::size_t(2 * 6 + p)] = r - kMeanR;
  }
  EXPECT_TRUE(all_equal(x.to_host(), expected));
}

// Every integer level in every channel comes back bit for bit.
TEST(VggImage, RoundTripIsExactOnIntegerPixels) {
  Image image{256, 2, {}};
  for (int y = 0; y < 2; ++y)
    for (int v = 0; v < 256; ++v)
      image.rgb.insert(image.rgb.end(), {float(v), float(255 - v), float((v * 7 + 100 * y) % 256)});
  const Image back = from_vgg_input(to_vgg_input(image, Device::cpu));
  ASSERT_EQ(back.width, 256);
  ASSERT_EQ(back.height, 2);
  EXPECT_TRUE(all_equal(back.rgb, image.rgb));
}

TEST(VggImage, OutputIsClampedAndShapesAreChecked) {
  // B plane −500 (→ 0), G plane +500 (→ 255), R plane 0 (→ the mean, 123.68).
  const Tensor x = Tensor::from_host({1, 3, 1, 2}, {-500, -500, 500, 500, 0, 0}, Device::cpu);
  EXPECT_TRUE(all_equal(from_vgg_input(x).rgb, {kMeanR, 255, 0, kMeanR, 255, 0}));
  EXPECT_THROW(from_vgg_input(Tensor::zeros({3, 2, 2}, Device::cpu)), Error);
  EXPECT_THROW(from_vgg_input(Tensor::zeros({1, 1, 2, 2}, Device::cpu)), Error);
  EXPECT_THROW(from_vgg_input(Tensor::zeros({2, 3, 2, 2}, Device::cpu)), Error);
  EXPECT_THROW(to_vgg_input(Image{2, 2, std::vector<float>(11)}, Device::cpu), Error);
}

TEST(VggImage, InputOnTheGpuMatchesTheHost) {
  NST_REQUIRE_CUDA();
  const Image image{5, 3, random_integers(5 * 3 * 3, 52, 0, 255)};
  const Tensor on_gpu = to_vgg_input(image, Device::cuda);
  EXPECT_EQ(on_gpu.device(), Device::cuda);
  EXPECT_TRUE(all_equal(on_gpu.to_host(), to_vgg_input(image, Device::cpu).to_host()));
  EXPECT_TRUE(all_equal(from_vgg_input(on_gpu).rgb, image.rgb));
}

// ---- original colours ------------------------------------------------------------------------

// RGB → YIQ, NTSC (FCC 1953), as tabulated in Wikipedia, "YIQ".
std::vector<double> yiq_of(const float* rgb) {
  const double r = rgb[0], g = rgb[1], b = rgb[2];
  return {0.299 * r + 0.587 * g + 0.114 * b, 0.595716 * r - 0.274453 * g - 0.321263 * b,
          0.211456 * r - 0.522591 * g + 0.311135 * b};
}

// Inputs in [90, 165] keep the output inside (0, 255), so nothing clips and the output's YIQ must
// be (Y of stylised, I and Q of content). The output is float, one rounding from the double
// arithmetic: |error| ≲ 255 · 6e-8 per channel, far inside the 1e-3 bound.
TEST(OriginalColors, LuminanceFromStylisedChrominanceFromContent) {
  const int w = 7, h = 5;
  const Image stylised{w, h, random_values(w * h * 3, 61, 90.0f, 165.0f)};
  const Image content{w, h, random_values(w * h * 3, 62, 90.0f, 165.0f)};
  const Image out = keep_original_colors(stylised, content);
  ASSERT_EQ(out.width, w);
  ASSERT_EQ(out.height, h);
  for (std::size_t p = 0; p < std::size_t(w * h); ++p) {
    for (std::size_t c = 0; c < 3; ++c) ASSERT_TRUE(out.rgb[p * 3 + c] > 0 && out.rgb[p * 3 + c] < 255);
    const auto got = yiq_of(&out.rgb[p * 3]), want_y = yiq_of(&stylised.rgb[p * 3]),
               want_iq = yiq_of(&content.rgb[p * 3]);
    EXPECT_NEAR(got[0], want_y[0], 1e-3) << "Y at " << p;
    EXPECT_NEAR(got[1], want_iq[1], 1e-3) << "I at " << p;
    EXPECT_NEAR(got[2], want_iq[2], 1e-3) << "Q at " << p;
  }
  // The same image on both sides comes back unchanged.
  EXPECT_TRUE(all_close(keep_original_colors(content, content).rgb, content.rgb, {1e-3, 0}));
}

TEST(OriginalColors, GreyContentGivesGreyOfStylisedLuminance) {
  const Image stylised{2, 1, {255, 0, 0, 10, 200, 30}};
  const Image content{2, 1, {50, 50, 50, 220, 220, 220}};  // I = Q = 0
  const Image out = keep_original_colors(stylised, content);
  const double y0 = 0.299 * 255, y1 = 0.299 * 10 + 0.587 * 200 + 0.114 * 30;
  EXPECT_TRUE(all_close(out.rgb, std::vector<double>{y0, y0, y0, y1, y1, y1}, {1e-3, 0}));
}

TEST(OriginalColors, ClipsIntoRangeAndChecksSizes) {
  const Image white{1, 1, {255, 255, 255}};
  const Image blue{1, 1, {0, 0, 255}};
  const Image out = keep_original_colors(white, blue);  // Y 255 with strong chroma: overshoots, clamped
  for (const float v : out.rgb) EXPECT_TRUE(v >= 0 && v <= 255) << v;
  EXPECT_EQ(out.rgb[2], 255.0f);
  EXPECT_THROW(keep_original_colors(white, Image{2, 1, std::vector<float>(6, 1.0f)}), Error);
}

}  // namespace
}  // namespace nst::testing

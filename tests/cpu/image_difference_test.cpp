// apps/image_difference.h on images whose differences are known by hand: the MSE, PSNR, mean and
// largest difference and where it is; identical images; images of different sizes.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "apps/image_difference.h"
#include "engine/error.h"
#include "tests/support/expect_mentions.h"

namespace nst::testing {
namespace {

// A width × height image whose value i is (7·i) mod 256.
Image ramp(int width, int height) {
  Image image{width, height, std::vector<float>(std::size_t(width) * height * 3)};
  for (std::size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = float(7 * i % 256);
  return image;
}

TEST(ImageDifference, IdenticalImagesHaveNoDifferenceAndAnInfinitePsnr) {
  const ImageDifference d = image_difference(ramp(5, 3), ramp(5, 3));
  EXPECT_EQ(d.mean_squared, 0.0);
  EXPECT_EQ(d.mean_absolute, 0.0);
  EXPECT_EQ(d.largest, 0.0);
  EXPECT_EQ(d.psnr_db(), std::numeric_limits<double>::infinity());
}

TEST(ImageDifference, MatchesTheFormulaOnDifferencesKnownByHand) {
  // 4×3 pixels, 36 values: the green of pixel (2, 1) is 12 levels up, the blue of (0, 2) 4 down,
  // the red of (3, 0) 0.5 up. MSE = (144 + 16 + 0.25) / 36, PSNR = 10·log10(255² / MSE).
  const Image a = ramp(4, 3);
  Image b = a;
  b.rgb[(1 * 4 + 2) * 3 + 1] += 12;
  b.rgb[(2 * 4 + 0) * 3 + 2] -= 4;
  b.rgb[(0 * 4 + 3) * 3 + 0] += 0.5f;
  const ImageDifference d = image_difference(a, b);
  const double mse = (144 + 16 + 0.25) / 36;
  EXPECT_EQ(d.width, 4);
  EXPECT_EQ(d.height, 3);
  EXPECT_DOUBLE_EQ(d.mean_squared, mse);
  EXPECT_DOUBLE_EQ(d.mean_absolute, (12 + 4 + 0.5) / 36);
  EXPECT_DOUBLE_EQ(d.psnr_db(), 10 * std::log10(255.0 * 255.0 / mse));
  EXPECT_NEAR(d.psnr_db(), 41.646, 0.001);  // the same, by a calculator
  EXPECT_EQ(d.largest, 12.0);
  EXPECT_EQ(d.x, 2);
  EXPECT_EQ(d.y, 1);
  EXPECT_EQ(d.channel, 1);
  // Symmetric in its arguments.
  const ImageDifference back = image_difference(b, a);
  EXPECT_EQ(back.mean_squared, d.mean_squared);
  EXPECT_EQ(back.largest, d.largest);
}

TEST(ImageDifference, EachHalvingOfTheDifferenceAddsSixDecibels) {
  const Image a = ramp(8, 8);
  Image b = a, c = a;
  for (float& v : b.rgb) v += 2;
  for (float& v : c.rgb) v += 1;
  EXPECT_NEAR(image_difference(a, c).psnr_db() - image_difference(a, b).psnr_db(), 20 * std::log10(2.0), 1e-12);
}

TEST(ImageDifference, ImagesOfDifferentSizesAreAnErrorNamingBothSizes) {
  try {
    image_difference(ramp(4, 3), ramp(3, 4));
    FAIL() << "no error";
  } catch (const Error& e) {
    expect_mentions(e.message(), {"4x3", "3x4", "differ in size"});
  }
}

}  // namespace
}  // namespace nst::testing

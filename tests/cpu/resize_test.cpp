// Resizing (apps/image.h): the separable bicubic against a direct 2-D evaluation of its formula,
// constants and ramps, antialiasing when shrinking, and the longer-side rule.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "engine/error.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

Image random_image(int width, int height, std::uint64_t seed) {
  return {width, height, random_integers(std::int64_t(width) * height * 3, seed, 0, 255)};
}

double keys(double x) {  // Keys' cubic, a = −0.5, written out piece by piece
  x = std::fabs(x);
  if (x <= 1) return 1.5 * x * x * x - 2.5 * x * x + 1;
  if (x < 2) return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
  return 0;
}

// Output (ox, oy) = Σ_ij K(dx_j) K(dy_i) src(clamp i, clamp j) / Σ_ij K(dx_j) K(dy_i), in double,
// straight from the definition (no separation into passes), then clamped to [0, 255].
std::vector<double> reference_resize(const Image& in, int width, int height) {
  const double sx = double(in.width) / width, sy = double(in.height) / height;
  const double fx = std::max(sx, 1.0), fy = std::max(sy, 1.0);
  std::vector<double> out;
  for (int oy = 0; oy < height; ++oy)
    for (int ox = 0; ox < width; ++ox)
      for (int c = 0; c < 3; ++c) {
        const double cx = (ox + 0.5) * sx, cy = (oy + 0.5) * sy;
        double sum = 0, norm = 0;
        for (int i = int(cy - 2 * fy) - 2; i <= int(cy + 2 * fy) + 2; ++i)
          for (int j = int(cx - 2 * fx) - 2; j <= int(cx + 2 * fx) + 2; ++j) {
            const double w = keys((j + 0.5 - cx) / fx) * keys((i + 0.5 - cy) / fy);
            const int si = std::clamp(i, 0, in.height - 1), sj = std::clamp(j, 0, in.width - 1);
            sum += w * in.rgb[std::size_t((si * in.width + sj) * 3 + c)];
            norm += w;
          }
        out.push_back(std::clamp(sum / norm, 0.0, 255.0));
      }
  return out;
}

// Float rounding of the two passes: ≲ 1e-4 on values up to 255, so atol 1e-3.
TEST(Resize, MatchesTheDirectTwoDimensionalSum) {
  const Image image = random_image(7, 5, 41);
  for (const auto& [w, h] : {std::pair{7, 5}, {3, 11}, {2, 2}, {1, 1}, {13, 4}, {20, 9}, {4, 1}}) {
    const Image out = resize(image, w, h);
    ASSERT_EQ(out.width, w);
    ASSERT_EQ(out.height, h);
    EXPECT_TRUE(all_close(out.rgb, reference_resize(image, w, h), {1e-3, 0})) << w << "x" << h;
  }
  EXPECT_TRUE(all_equal(resize(image, 7, 5).rgb, image.rgb));  // same size: K(0) = 1, K(±1) = 0
}

TEST(Resize, ConstantStaysConstantAndRampStaysLinear) {
  const Image grey{9, 7, std::vector<float>(9 * 7 * 3, 77.0f)};
  for (const auto& [w, h] : {std::pair{4, 3}, {20, 15}, {1, 1}})
    EXPECT_TRUE(all_close(resize(grey, w, h).rgb, std::vector<double>(std::size_t(w * h * 3), 77.0), {1e-4, 0}));
  // Keys' cubic reproduces quadratics, so a ramp v = 10x + 5 upsampled 16 → 64 is exactly the ramp
  // at the source coordinate u = (o + ½)/4 − ½, away from the clamped edges (all 4 taps inside).
  Image ramp{16, 2, {}};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 16; ++x) ramp.rgb.insert(ramp.rgb.end(), {float(10 * x + 5), 100.0f, float(200 - 3 * x)});
  const Image up = resize(ramp, 64, 2);
  for (int o = 0; o < 64; ++o) {
    const double u = (o + 0.5) / 4 - 0.5;
    if (u < 1 || u > 13) continue;
    EXPECT_NEAR(up.rgb[std::size_t(o) * 3 + 0], 10 * u + 5, 1e-3) << o;
    EXPECT_NEAR(up.rgb[std::size_t(o) * 3 + 2], 200 - 3 * u, 1e-3) << o;
  }
}

// Halving a one-pixel checkerboard: the kernel, widened ×2, weighs each dark pixel as much as its
// light neighbour, so the interior is exactly mid-grey; point sampling would give 0 or 255.
TEST(Resize, ShrinkingAveragesACheckerboardToGrey) {
  Image board{16, 16, {}};
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) board.rgb.insert(board.rgb.end(), 3, (x + y) % 2 ? 255.0f : 0.0f);
  const Image half = resize(board, 8, 8);
  for (int y = 2; y < 6; ++y)
    for (int x = 2; x < 6; ++x) EXPECT_NEAR(half.rgb[std::size_t((y * 8 + x) * 3)], 127.5, 1e-3) << x << "," << y;
}

TEST(Resize, LongerSideKeepsTheAspectRatio) {
  const auto size_of = [](int w, int h, int side) {
    const Image out = resize_longer_side(Image{w, h, std::vector<float>(std::size_t(w * h * 3), 9.0f)}, side);
    return std::pair{out.width, out.height};
  };
  EXPECT_EQ(size_of(1024, 768, 256), (std::pair{256, 192}));
  EXPECT_EQ(size_of(768, 1024, 256), (std::pair{192, 256}));
  EXPECT_EQ(size_of(979, 734, 512), (std::pair{512, 384}));  // 383.9 rounds up
  EXPECT_EQ(size_of(300, 3, 10), (std::pair{10, 1}));        // 0.1 px: at least one
  EXPECT_EQ(size_of(5, 5, 1), (std::pair{1, 1}));
  const Image tiny{2, 2, std::vector<float>(12, 1.0f)};
  EXPECT_THROW(resize_longer_side(tiny, 0), Error);
  EXPECT_THROW(resize(tiny, 0, 3), Error);
  EXPECT_THROW(resize(Image{2, 2, std::vector<float>(11)}, 3, 3), Error);
}

}  // namespace
}  // namespace nst::testing

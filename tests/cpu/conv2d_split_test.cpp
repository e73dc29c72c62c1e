// The split-K choice of the CUDA convolutions (kernels/conv2d_split.h): the occupancy model's
// choice on VGG19's layers at 512 px, and that the parts always cover K exactly once.
#include <gtest/gtest.h>

#include "kernels/conv2d_split.h"

namespace nst::testing {
namespace {

Conv2dParams vgg_layer(std::int64_t c_in, std::int64_t c_out, std::int64_t side) {
  Conv2dParams p;
  p.c_in = c_in, p.c_out = c_out, p.h = side, p.w = side;
  return p;
}

// 264 block slots (132 SMs × 2 blocks); the tiles of a 128×128 grid and the parts that fill them.
TEST(ConvSplit, FillsTheCardOnTheSmallGridsOfVgg19At512Px) {
  // conv5_1 at 512 px (32×32): 4 × 8 = 32 tiles; 8 parts make 256 blocks of 264, not 9 (288: two waves).
  EXPECT_EQ(conv2d_forward_split(vgg_layer(512, 512, 32)).parts, 8);
  EXPECT_EQ(conv2d_backward_data_split(vgg_layer(512, 512, 32)).parts, 8);
  // conv4_x (64×64): 4 × 32 = 128 tiles; 2 parts (256 blocks), the smallest of the best fill.
  EXPECT_EQ(conv2d_forward_split(vgg_layer(256, 512, 64)).parts, 2);
  EXPECT_EQ(conv2d_forward_split(vgg_layer(512, 512, 64)).parts, 2);
  // conv3_x (128×128): 2 × 128 = 256 tiles fill 97% of a wave already; conv1_x, conv2_x: many waves.
  EXPECT_EQ(conv2d_forward_split(vgg_layer(256, 256, 128)).parts, 1);
  EXPECT_EQ(conv2d_forward_split(vgg_layer(3, 64, 512)).parts, 1);
  EXPECT_EQ(conv2d_backward_data_split(vgg_layer(3, 64, 512)).parts, 1);
  EXPECT_EQ(conv2d_forward_split(vgg_layer(3, 64, 512)).scratch_floats(), 0);
}

TEST(ConvSplit, EachPartHasAtLeast32SlicesOfK) {
  // One tile, K = 27·8 (216 = 27 slices): too short to split.
  EXPECT_EQ(conv_split(64, 100, 216).parts, 1);
  // One tile, K = 64 slices: 2 parts of 32.
  const ConvSplit two = conv_split(64, 100, 64 * 8);
  EXPECT_EQ(two.parts, 2);
  EXPECT_EQ(two.part_slices, 32);
  EXPECT_EQ(two.scratch_floats(), 2 * 64 * 100);
}

TEST(ConvSplit, PartsCoverKOnceWithNoEmptyPart) {
  for (std::int64_t m : {1, 3, 64, 130, 512})
    for (std::int64_t n : {1, 100, 1024, 40000})
      for (std::int64_t k : {1, 27, 255, 256, 257, 576, 2304, 4608, 100000}) {
        const ConvSplit s = conv_split(m, n, k);
        const std::int64_t slices = (k + 7) / 8;
        ASSERT_GE(s.parts, 1);
        ASSERT_LE(s.parts, 264);
        EXPECT_GE(std::int64_t(s.parts) * s.part_slices, slices) << m << " " << n << " " << k;
        EXPECT_LT(std::int64_t(s.parts - 1) * s.part_slices, slices) << m << " " << n << " " << k;
        if (s.parts > 1) {
          EXPECT_GE(s.part_slices, 32);
        }
      }
}

}  // namespace
}  // namespace nst::testing

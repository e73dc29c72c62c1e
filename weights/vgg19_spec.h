#pragma once
// The architecture of VGG19's convolutional trunk (Simonyan & Zisserman 2014, configuration E),
// as Keras names it: 16 convolutions of 3×3, stride 1, padding 1, each followed by ReLU, and a
// 2×2 max pool after the last convolution of each of the 5 blocks.
#include <string>
#include <vector>

namespace nst {

struct VggConvSpec {
  std::string keras_name;  // "block3_conv2"
  std::string short_name;  // "conv3_2" (its ReLU is "relu3_2")
  int block;               // 1..5
  int index_in_block;      // 1..4
  int in_channels;
  int out_channels;
  bool pool_after;  // the block's last conv: a 2×2 pool follows
};

// The 16 convolutions in order, block1_conv1 first.
const std::vector<VggConvSpec>& vgg19_conv_specs();

}  // namespace nst

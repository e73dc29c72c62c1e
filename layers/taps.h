#pragma once
// Taps: the places in VGG19 whose activations the losses read. "relu3_2" is the output of the
// ReLU after conv3_2; "conv3_2" is that convolution's output before its ReLU.
#include <string>
#include <vector>

namespace nst {

struct Tap {
  std::string name;  // as the user wrote it: "relu4_2"
  int conv_index;    // 0-based position among VGG19's 16 convolutions (conv4_2 → 9)
  bool before_relu;  // a "conv…" tap

  bool operator==(const Tap& other) const { return conv_index == other.conv_index && before_relu == other.before_relu; }
};

// Parses "reluB_I" or "convB_I" (B = 1..5, I = 1..2 for blocks 1-2, 1..4 for blocks 3-5).
// Throws nst::Error listing the valid names otherwise.
Tap parse_tap(const std::string& name);

// Parses a comma-separated list ("relu1_1,relu2_1"); empty items are errors.
std::vector<Tap> parse_taps(const std::string& names);

// "relu1_1,relu2_1"
std::string join_tap_names(const std::vector<Tap>& taps);

// Every valid name: "relu1_1, relu1_2, relu2_1, …, relu5_4 (or conv1_1 … conv5_4 for the same
// layer before its ReLU)", spelled out in VGG19's order.
std::string valid_tap_names();

}  // namespace nst

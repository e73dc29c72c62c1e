#pragma once
// VGG19's trunk in double on the host, for nst gradcheck's finite differences: the same function
// as layers/vgg19.h (3×3 convolutions, padding 1, ReLU, 2×2 pools flooring odd sizes), with every
// product and sum in double, so that J(x + h·e_k) − J(x − h·e_k) is not lost in float32 rounding
// (which, at relu4_1, is about 1e-7 of J: as large as the difference itself for h below 1).
#include <vector>

#include "engine/ops/pool2d.h"
#include "layers/taps.h"
#include "weights/vgg19_weights.h"

namespace nst {

struct DoubleFeatures {
  int channels = 0, height = 0, width = 0;
  std::vector<double> values;  // (C, H, W), row-major
};

class DoubleVgg19 {
 public:
  // `weights`: at least up to the deepest of `taps`.
  DoubleVgg19(const std::vector<ConvWeights>& weights, ops::PoolKind pooling, std::vector<Tap> taps);

  // The activation at each tap (in `taps` order) for the image x (3, height, width).
  std::vector<DoubleFeatures> forward(const std::vector<double>& x, int height, int width) const;

 private:
  struct Layer {
    std::vector<double> kernel;  // (C_out, C_in, 3, 3)
    std::vector<double> bias;
    int in_channels = 0, out_channels = 0;
    bool pool_after = false;
  };
  std::vector<Layer> layers_;
  ops::PoolKind pooling_;
  std::vector<Tap> taps_;
};

}  // namespace nst

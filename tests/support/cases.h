#pragma once
// The one table of image-tensor shapes that op tests and benchmarks share: awkward small shapes
// (C = 1 or 3, odd H and W, 1×1, C not a multiple of 8) and the real VGG19 shapes, tagged large.
#include <cstdint>
#include <string>
#include <vector>

namespace nst::testing {

struct ImageShape {
  std::int64_t n, c, h, w;
  bool large = false;  // a real VGG19 activation: benchmarks only
};

inline std::string describe(const ImageShape& s) {
  return std::to_string(s.n) + "x" + std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

inline const std::vector<ImageShape>& awkward_shapes() {
  static const std::vector<ImageShape> shapes = {
      {1, 1, 1, 1},   {1, 3, 1, 1},  {1, 1, 7, 5},  {1, 3, 7, 7},   {2, 3, 5, 9},
      {1, 13, 9, 11}, {1, 8, 33, 3}, {1, 33, 6, 7}, {2, 5, 16, 16},
  };
  return shapes;
}

// VGG19 activations at 256 px (../shared/VGG19_SHAPES.md).
inline const std::vector<ImageShape>& vgg19_shapes_256() {
  static const std::vector<ImageShape> shapes = {
      {1, 64, 256, 256, true}, {1, 128, 128, 128, true}, {1, 256, 64, 64, true},
      {1, 512, 32, 32, true},  {1, 512, 16, 16, true},
  };
  return shapes;
}

}  // namespace nst::testing

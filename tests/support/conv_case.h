#pragma once
// One convolution test case — input (N, C_in, H, W), C_out, kernel, stride, pad — and the shapes it
// implies, shared by the CPU and CUDA convolution tests.
#include <cstdint>
#include <string>

#include "engine/ops/conv2d.h"
#include "engine/tensor.h"
#include "kernels/conv2d.h"

namespace nst::testing {

inline Shape x_shape(const Conv2dParams& p) { return {p.n, p.c_in, p.h, p.w}; }
inline Shape w_shape(const Conv2dParams& p) { return {p.c_out, p.c_in, p.kh, p.kw}; }
inline Shape y_shape(const Conv2dParams& p) { return {p.n, p.c_out, p.out_h(), p.out_w()}; }

struct ConvCase {
  std::int64_t n, c_in, h, w, c_out, kh, kw, stride, pad;

  Conv2dParams params() const {
    Conv2dParams p;
    p.n = n, p.c_in = c_in, p.h = h, p.w = w, p.c_out = c_out;
    p.kh = kh, p.kw = kw, p.stride = stride, p.pad = pad;
    return p;
  }
  Shape x_shape() const { return testing::x_shape(params()); }
  Shape w_shape() const { return testing::w_shape(params()); }
  Shape y_shape() const { return testing::y_shape(params()); }
  ops::ConvGeometry geometry() const { return {stride, pad}; }
};

// "2x3x5x9_to_13_k3x3_s1_p1": a test name.
inline std::string describe(const ConvCase& c) {
  return std::to_string(c.n) + "x" + std::to_string(c.c_in) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) +
         "_to_" + std::to_string(c.c_out) + "_k" + std::to_string(c.kh) + "x" + std::to_string(c.kw) + "_s" +
         std::to_string(c.stride) + "_p" + std::to_string(c.pad);
}

}  // namespace nst::testing

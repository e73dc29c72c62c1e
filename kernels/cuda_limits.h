#pragma once
// The largest sizes the CUDA kernels can index, as plain host functions: the engine checks them
// before it launches a kernel (engine/ops) and refuses a larger size with an nst::Error, and a CPU
// test checks them without a GPU (tests/cpu/cuda_limits_test.cpp). Each returns "" when the
// kernels can run the sizes, else which quantity is too large and by what limit.
// Where the limits come from:
//   - ints in the kernels: every size, a pixel's index inside one plane, the GEMM's k
//     (kernels/conv2d_index.h; offsets into tensors are 64-bit). A tile's loop forms indices up to
//     one tile past an end before it tests them, so an int quantity stays a tile below 2³¹ − 1.
//   - grids: gridDim.x ≤ 2³¹ − 1 and gridDim.y ≤ 65535 blocks (CUDA's limits on sm_30 and later);
//     the convolution, Gram and style-backward kernels put one 64×64 tile in a block.
// The elementwise, reduction, pooling, TV and optimizer kernels index in 64 bits and clamp their
// grid (kernels/cuda/launch.cuh, partial_sums.cuh): they take any size memory can hold.
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include "kernels/conv2d.h"

namespace nst {

constexpr std::int64_t kCudaTileEdge = 128;  // gemm_mainloop.cuh's kTileM and kTileN
constexpr std::int64_t kCudaMaxInt = std::numeric_limits<int>::max() - kCudaTileEdge;
constexpr std::int64_t kCudaMaxGridX = std::numeric_limits<int>::max();
constexpr std::int64_t kCudaMaxGridY = 65535;

// Collects the first quantity over its limit.
class CudaIndexLimits {
 public:
  CudaIndexLimits& int_quantity(const char* what, std::int64_t value) {
    return at_most(what, value, kCudaMaxInt, "an int in the kernels");
  }
  // `extent` is tiled by kCudaTileEdge along grid dimension x (along_x) or y.
  CudaIndexLimits& tiles(const char* what, std::int64_t extent, bool along_x) {
    const std::int64_t blocks = (extent + kCudaTileEdge - 1) / kCudaTileEdge;
    if (!why_.empty() || blocks <= (along_x ? kCudaMaxGridX : kCudaMaxGridY)) return *this;
    std::ostringstream s;
    s << what << " = " << extent << " needs " << blocks << " blocks of " << kCudaTileEdge << " along gridDim."
      << (along_x ? "x" : "y") << ", more than CUDA's " << (along_x ? kCudaMaxGridX : kCudaMaxGridY);
    why_ = s.str();
    return *this;
  }
  const std::string& why() const { return why_; }

 private:
  CudaIndexLimits& at_most(const char* what, std::int64_t value, std::int64_t limit, const char* because) {
    if (!why_.empty() || value <= limit) return *this;
    std::ostringstream s;
    s << what << " = " << value << " exceeds " << limit << " (" << because << ")";
    why_ = s.str();
    return *this;
  }
  std::string why_;
};

// A convolution the CUDA kernels can run both ways: forward (conv2d_forward.cu) and
// backward-data (conv2d_backward_data.cu), whose grids tile N·OH·OW × C_out and N·H·W × C_in.
inline std::string conv2d_cuda_unindexable(const Conv2dParams& p) {
  CudaIndexLimits limits;
  limits.int_quantity("N", p.n)
      .int_quantity("C_in", p.c_in)
      .int_quantity("C_out", p.c_out)
      .int_quantity("H + 2·pad", p.h + 2 * p.pad)
      .int_quantity("W + 2·pad", p.w + 2 * p.pad)
      .int_quantity("KH", p.kh)
      .int_quantity("KW", p.kw)
      .int_quantity("stride", p.stride)
      .int_quantity("H·W", p.h * p.w)
      .int_quantity("OH·OW", p.out_h() * p.out_w())
      .int_quantity("C_in·KH·KW", p.c_in * p.kh * p.kw)    // K of the forward
      .int_quantity("C_out·KH·KW", p.c_out * p.kh * p.kw)  // K of the backward-data
      .tiles("N·OH·OW", p.n * p.out_h() * p.out_w(), true)
      .tiles("N·H·W", p.n * p.h * p.w, true)
      .tiles("C_out", p.c_out, false)
      .tiles("C_in", p.c_in, false);
  return limits.why();
}

// A Gram matrix of F (C, M) on CUDA (gram.cu), and the style loss's backward (losses.cu), which
// tiles the same C × M. The backward's grid tiles M along x and C along y; the
// forward's ⌈C/128⌉·(⌈C/128⌉ + 1)/2 upper-triangle tiles along x then fit too (65535·65536/2 < 2³¹).
inline std::string gram_cuda_unindexable(std::int64_t c, std::int64_t m) {
  CudaIndexLimits limits;
  limits.tiles("M = H·W", m, true).tiles("C", c, false);
  return limits.why();
}

}  // namespace nst

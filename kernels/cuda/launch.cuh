#pragma once
// Launch geometry shared by the CUDA kernels of elementwise shape, and the grid-stride loop they run.
//   host:   launch the kernel on blocks_for(n) blocks of kThreadsPerBlock threads (none when n == 0);
//   device: for (const std::int64_t i : grid_stride(n)) ... visits each i < n exactly once, in
//           whichever thread owns it, for any grid.
// Each launch stays written out in CUDA's chevron syntax where it is made: the emulator's translator
// (tests/emu/translate_cuda.py) rewrites it into a capture-free lambda that calls the kernel by its
// name, so a host wrapper taking the kernel as a parameter could not be translated.
#include <cstdint>

namespace nst {

constexpr int kThreadsPerBlock = 256;

// Blocks for a grid-stride loop over n elements: enough to fill the GPU, never more than needed.
inline unsigned blocks_for(std::int64_t n, int threads = kThreadsPerBlock) {
  const std::int64_t wanted = (n + threads - 1) / threads;
  constexpr std::int64_t kMaxBlocks = 4096;
  return static_cast<unsigned>(wanted < 1 ? 1 : (wanted > kMaxBlocks ? kMaxBlocks : wanted));
}

// The indices of this thread in a grid-stride loop over [0, n): it starts at its global thread
// index blockIdx.x·blockDim.x + threadIdx.x and steps by the grid's thread count
// gridDim.x·blockDim.x. (std::int64_t: n may pass 2³¹.)
class GridStride {
 public:
  struct End {
    std::int64_t n;
  };
  class Iterator {
   public:
    __device__ Iterator(std::int64_t i, std::int64_t stride) : i_(i), stride_(stride) {}
    __device__ std::int64_t operator*() const { return i_; }
    __device__ Iterator& operator++() {
      i_ += stride_;
      return *this;
    }
    __device__ bool operator!=(End end) const { return i_ < end.n; }

   private:
    std::int64_t i_, stride_;
  };

  __device__ explicit GridStride(std::int64_t n) : n_(n) {}
  __device__ Iterator begin() const {
    return {blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x, std::int64_t(gridDim.x) * blockDim.x};
  }
  __device__ End end() const { return {n_}; }

 private:
  std::int64_t n_;
};

__device__ inline GridStride grid_stride(std::int64_t n) { return GridStride(n); }

}  // namespace nst

#pragma once
// Launch geometry shared by the CUDA kernels of elementwise shape.
#include <cstdint>

namespace nst {

constexpr int kThreadsPerBlock = 256;

// Blocks for a grid-stride loop over n elements: enough to fill the GPU, never more than needed.
inline unsigned blocks_for(std::int64_t n, int threads = kThreadsPerBlock) {
  const std::int64_t wanted = (n + threads - 1) / threads;
  constexpr std::int64_t kMaxBlocks = 4096;
  return static_cast<unsigned>(wanted < 1 ? 1 : (wanted > kMaxBlocks ? kMaxBlocks : wanted));
}

}  // namespace nst

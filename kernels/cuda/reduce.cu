// CUDA reductions to one float: a fixed grid of kPartialBlocks blocks each reduce a grid-stride
// slice (warp shuffles, block_sum) into a partial; one block then adds the partials in order
// (kernels/cuda/partial_sums.cuh). The grid is fixed, not sized to the GPU, so the summation
// order and the bits are the same on every card. Memory bound: 4 (asum) or 8 (dot) bytes per element.
#include <cmath>

#include "kernels/cuda/partial_sums.cuh"
#include "kernels/reduce.h"

namespace nst {

namespace {

enum class Term { product, absolute };

template <Term term>
__global__ void partial_sums_kernel(std::int64_t n, const float* x, const float* y, float* partials) {
  float s = 0.0f;
  for (const std::int64_t i : grid_stride(n)) {
    if constexpr (term == Term::product) s += x[i] * y[i];
    if constexpr (term == Term::absolute) s += fabsf(x[i]);
  }
  store_partial(s, partials);
}

template <Term term>
void reduce(std::int64_t n, const float* x, const float* y, float* out, float* scratch, Stream stream) {
  partial_sums_kernel<term><<<kPartialBlocks, kPartialThreads, 0, stream>>>(n, x, y, scratch);
  launch_final_sum(scratch, out, 1.0f, stream);
}

}  // namespace

void dot_cuda(std::int64_t n, const float* x, const float* y, float* out, float* scratch, Stream stream) {
  reduce<Term::product>(n, x, y, out, scratch, stream);
}

void asum_cuda(std::int64_t n, const float* x, float* out, float* scratch, Stream stream) {
  reduce<Term::absolute>(n, x, nullptr, out, scratch, stream);
}

}  // namespace nst

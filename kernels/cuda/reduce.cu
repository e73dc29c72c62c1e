// CUDA reductions to one float: a fixed grid of kPartials blocks each reduce a grid-stride slice
// (warp shuffles, block_sum) into partials[block]; one block then adds the partials in order.
// The grid is fixed, not sized to the GPU, so the summation order and the bits are the same on
// every card. Memory bound: 4 (sum) or 8 (dot) bytes per element.
#include <cmath>

#include "kernels/cuda/reduce.cuh"
#include "kernels/reduce.h"

namespace nst {

namespace {

constexpr int kPartials = 512;
constexpr int kThreads = 256;

// Scratch for the per-block partial sums. Everything runs on one stream, so one copy suffices.
__device__ float g_partials[kPartials];

enum class Term { value, product, square, absolute };

template <Term term>
__global__ void partial_sums_kernel(std::int64_t n, const float* x, const float* y) {
  float s = 0.0f;
  for (std::int64_t i = blockIdx.x * std::int64_t(kThreads) + threadIdx.x; i < n; i += std::int64_t(kPartials) * kThreads) {
    if constexpr (term == Term::value) s += x[i];
    if constexpr (term == Term::product) s += x[i] * y[i];
    if constexpr (term == Term::square) s += x[i] * x[i];
    if constexpr (term == Term::absolute) s += fabsf(x[i]);
  }
  s = block_sum(s);
  if (threadIdx.x == 0) g_partials[blockIdx.x] = s;
}

template <bool take_sqrt>
__global__ void final_sum_kernel(float* out) {
  float s = 0.0f;
  for (int i = threadIdx.x; i < kPartials; i += kThreads) s += g_partials[i];
  s = block_sum(s);
  if (threadIdx.x == 0) out[0] = take_sqrt ? sqrtf(s) : s;
}

template <Term term, bool take_sqrt = false>
void reduce(std::int64_t n, const float* x, const float* y, float* out, Stream stream) {
  partial_sums_kernel<term><<<kPartials, kThreads, 0, stream>>>(n, x, y);
  final_sum_kernel<take_sqrt><<<1, kThreads, 0, stream>>>(out);
}

}  // namespace

void sum_cuda(std::int64_t n, const float* x, float* out, Stream stream) {
  reduce<Term::value>(n, x, nullptr, out, stream);
}

void dot_cuda(std::int64_t n, const float* x, const float* y, float* out, Stream stream) {
  reduce<Term::product>(n, x, y, out, stream);
}

void nrm2_cuda(std::int64_t n, const float* x, float* out, Stream stream) {
  reduce<Term::square, true>(n, x, nullptr, out, stream);
}

void asum_cuda(std::int64_t n, const float* x, float* out, Stream stream) {
  reduce<Term::absolute>(n, x, nullptr, out, stream);
}

}  // namespace nst

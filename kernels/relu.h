#pragma once
// ReLU on n contiguous floats.
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

// y = max(x, 0)
void relu_forward_cpu(std::int64_t n, const float* x, float* y);
void relu_forward_cuda(std::int64_t n, const float* x, float* y, Stream stream);

// dx = dy where y > 0, else 0. `y` may be ReLU's output or its input: both are > 0 at the same places.
void relu_backward_cpu(std::int64_t n, const float* y, const float* dy, float* dx);
void relu_backward_cuda(std::int64_t n, const float* y, const float* dy, float* dx, Stream stream);

}  // namespace nst

#pragma once
// Elementwise vector operations an optimizer needs, on n contiguous floats.
// `num` and `den` point at single floats that stay where the vectors are (device scalars), so an
// optimizer can scale by a ratio of two dot products without reading them back to the host.
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

// y[i] = value
void fill_cpu(std::int64_t n, float value, float* y);
void fill_cuda(std::int64_t n, float value, float* y, Stream stream);

// y[i] *= alpha
void scale_cpu(std::int64_t n, float alpha, float* y);
void scale_cuda(std::int64_t n, float alpha, float* y, Stream stream);

// y[i] += alpha * x[i]
void axpy_cpu(std::int64_t n, float alpha, const float* x, float* y);
void axpy_cuda(std::int64_t n, float alpha, const float* x, float* y, Stream stream);

// y[i] *= num[0] / den[0]
void scale_ratio_cpu(std::int64_t n, const float* num, const float* den, float* y);
void scale_ratio_cuda(std::int64_t n, const float* num, const float* den, float* y, Stream stream);

// y[i] = min(max(y[i], lo), hi)
void clamp_cpu(std::int64_t n, float lo, float hi, float* y);
void clamp_cuda(std::int64_t n, float lo, float hi, float* y, Stream stream);

}  // namespace nst

#pragma once
// One Adam step (Kingma & Ba 2015, Algorithm 1) on n parameters, fused into one pass:
//   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
//   x −= lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε)
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

struct AdamParams {
  float learning_rate = 1.0f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  std::int64_t step = 1;  // t, counted from 1, for the bias corrections
};

void adam_step_cpu(std::int64_t n, const AdamParams& p, const float* grad, float* m, float* v, float* x);
void adam_step_cuda(std::int64_t n, const AdamParams& p, const float* grad, float* m, float* v, float* x,
                    Stream stream);

}  // namespace nst

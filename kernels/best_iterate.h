#pragma once
// The lowest-loss image of a run, kept on the image's device: after each evaluation of the
// objective at x, with its value loss[0] still on the device,
//   state[2] += 1;  if loss[0] < state[0]:  best_x = x,  state[0] = loss[0],  state[1] = state[2]
// with state = {lowest loss so far, the evaluation (1-based) that gave it, evaluations counted}.
// Start: state = {+inf, 0, 0} and best_x the initial image. A NaN loss is never lower, so it is
// never kept; ties keep the earlier image. The counts are small integers, exact in float up to 2^24.
// No value goes to the host, and the arguments are the same at every call, so a CUDA graph may
// replay it.
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

void keep_if_lower_cpu(std::int64_t n, const float* loss, const float* x, float* best_x, float* state);
void keep_if_lower_cuda(std::int64_t n, const float* loss, const float* x, float* best_x, float* state, Stream stream);

}  // namespace nst

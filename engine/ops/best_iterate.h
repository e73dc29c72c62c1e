#pragma once
// Keeping the lowest-loss image on the device (kernels/best_iterate.h).
#include "engine/tensor.h"

namespace nst::ops {

// state: 3 elements {lowest loss, its evaluation, evaluations counted}; loss: one element; x and
// best_x: the same number of elements; all on one device. Counts this evaluation and, if loss is
// below state[0], copies x into best_x and records it.
void keep_if_lower(const Tensor& loss, const Tensor& x, Tensor& best_x, Tensor& state);

}  // namespace nst::ops

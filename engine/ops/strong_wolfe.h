#pragma once
// The strong-Wolfe line search's device-side steps (kernels/strong_wolfe.h) on tensors: `state`
// holds kStrongWolfeStateSize floats, `status` one; every scalar is a one-element tensor on the
// same device.
#include "engine/tensor.h"
#include "kernels/strong_wolfe.h"

namespace nst::ops {

// Starts a search from φ(0) = phi0, φ'(0) = derivative0 with first step t0_numerator / t0_denominator.
void strong_wolfe_begin(const Tensor& phi0, const Tensor& derivative0, const Tensor& direction_norm_squared,
                        const Tensor& t0_numerator, const Tensor& t0_denominator, Tensor& state, Tensor& status);

// Takes φ(t), φ'(t) of the trial just evaluated; writes the next trial or the end into state, status.
void strong_wolfe_advance(const Tensor& phi, const Tensor& derivative, Tensor& state, Tensor& status);

// x = x0 + t·d, t = the state's step length, read on the device.
void strong_wolfe_point(const Tensor& x0, const Tensor& state, const Tensor& d, Tensor& x);

// The status as the host reads it: one float copied from the device.
StrongWolfeStatus read_strong_wolfe_status(const Tensor& status);

}  // namespace nst::ops

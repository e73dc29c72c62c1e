#pragma once
// A strong-Wolfe line search along a direction d from x0, with every decision on the device:
// torch.optim.LBFGS's _strong_wolfe (ported there from torch/optim's lswolfe.lua; Nocedal &
// Wright, Numerical Optimization, 2nd ed., Algorithms 3.5 and 3.6) as a state machine of one
// thread. It looks for a step length t with, for φ(t) = f(x0 + t·d),
//   φ(t) ≤ φ(0) + c1·t·φ'(0)        sufficient decrease (Armijo), c1 = 1e-4
//   |φ'(t)| ≤ c2·|φ'(0)|             strong curvature,             c2 = 0.9
// where φ'(t) = ∇f(x0 + t·d)·d. Bracketing: from t0, while neither holds nor is crossed, try
// longer steps t ← cubic minimiser of the last two trials within [t + 0.01·(t − t_prev), 10·t];
// once an interval is known to hold a point that satisfies both, zoom: cubic interpolation of its
// two ends, kept 10% of its length away from them when it makes little progress. At most
// kStrongWolfeMaxTrials + 1 evaluations; if they run out, the lower end of the bracket is taken.
// Differences from torch: the bracket is "too small" when |b1 − b0|·‖d‖₂ < 1e-9 (torch: max|d_i|,
// a reduction nst lacks; ‖d‖₂ ≥ max|d_i| stops a little later), and a trial whose φ or φ' is not
// finite counts as a step too long (torch would carry NaN into the next step length).
//
// The caller (layers/lbfgs.cpp) evaluates f at x0 + t·d with t read on the device, passes φ(t) and
// φ'(t) to strong_wolfe_advance, and reads the one-float status to know whether to evaluate again.
//
// state: kStrongWolfeStateSize floats, the slots below (small counts and flags are exact in float).
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

constexpr int kStrongWolfeMaxTrials = 25;  // torch's max_ls: the trials after the first
constexpr double kStrongWolfeC1 = 1e-4;
constexpr double kStrongWolfeC2 = 0.9;
constexpr double kStrongWolfeTolerance = 1e-9;  // torch's tolerance_change

enum StrongWolfeSlot : int {
  kSwT,              // the step length to evaluate next, or the one accepted
  kSwPhi0,           // φ(0) = f(x0)
  kSwDerivative0,    // φ'(0) = ∇f(x0)·d
  kSwDirectionNorm,  // ‖d‖₂
  kSwTrials,         // trials counted as torch counts ls_iter
  kSwZooming,        // 0 while bracketing, 1 while zooming
  kSwTPrev,
  kSwPhiPrev,
  kSwDerivativePrev,  // bracketing: the trial before
  kSwLow,             // zooming: which end of the bracket has the lower φ (0 or 1)
  kSwInsufficient,    // zooming: the last interpolation made little progress
  kSwB0,
  kSwB1,
  kSwPhiB0,
  kSwPhiB1,
  kSwDerivativeB0,
  kSwDerivativeB1,  // the bracket's ends
  kSwTEvaluated,    // the t of the last evaluation
  kStrongWolfeStateSize
};

// The status the host reads after each call.
enum StrongWolfeStatus : int {
  kSwEvaluate = 0,       // evaluate f and ∇f at x0 + t·d, then call strong_wolfe_advance
  kSwAcceptedLast = 1,   // done: t is the step just evaluated (x, f and ∇f are already there)
  kSwAcceptedOther = 2,  // done: t is an earlier trial (or 0): set x = x0 + t·d and evaluate there
  kSwNoDescent = 3,      // done without a step: φ'(0) ≥ −1e-9, d is no descent direction (x = x0)
};

// Starts a search: φ(0) = phi0[0], φ'(0) = derivative0[0], ‖d‖² = direction_norm_squared[0], first trial
// t0 = t0_numerator[0] / t0_denominator[0]. Writes state and status.
void strong_wolfe_begin_cpu(const float* phi0, const float* derivative0, const float* direction_norm_squared,
                            const float* t0_numerator, const float* t0_denominator, float* state, float* status);
void strong_wolfe_begin_cuda(const float* phi0, const float* derivative0, const float* direction_norm_squared,
                             const float* t0_numerator, const float* t0_denominator, float* state, float* status,
                             Stream stream);

// After evaluating at x0 + t·d: φ(t) = phi[0], φ'(t) = derivative[0]. Writes the next t and status.
void strong_wolfe_advance_cpu(const float* phi, const float* derivative, float* state, float* status);
void strong_wolfe_advance_cuda(const float* phi, const float* derivative, float* state, float* status, Stream stream);

// x[i] = x0[i] + state[kSwT]·d[i]: the trial point, its step length read on the device.
void strong_wolfe_point_cpu(std::int64_t n, const float* x0, const float* state, const float* d, float* x);
void strong_wolfe_point_cuda(std::int64_t n, const float* x0, const float* state, const float* d, float* x,
                             Stream stream);

}  // namespace nst

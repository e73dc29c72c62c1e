#pragma once
// The strong-Wolfe state machine of kernels/strong_wolfe.h, written once for the CPU op and the
// CUDA kernel (one thread): the arithmetic is in double, the state in float.
#include <math.h>

#include "kernels/host_device.h"
#include "kernels/strong_wolfe.h"

namespace nst::strong_wolfe {

NST_HOST_DEVICE inline bool finite(double v) { return v - v == 0.0; }  // false for ±inf and NaN
NST_HOST_DEVICE inline double smaller(double a, double b) { return a < b ? a : b; }
NST_HOST_DEVICE inline double larger(double a, double b) { return a > b ? a : b; }

// The minimiser of the cubic through (t1, φ1, φ'1) and (t2, φ2, φ'2), clamped to [lo, hi]
// (Nocedal & Wright eq. 3.59; torch's _cubic_interpolate):
//   d1 = φ'1 + φ'2 − 3·(φ1 − φ2)/(t1 − t2),  d2 = sqrt(d1² − φ'1·φ'2),
//   t = t2 − (t2 − t1)·(φ'2 + d2 − d1)/(φ'2 − φ'1 + 2·d2)   (for t1 ≤ t2; mirrored otherwise).
// No real minimiser (d1² < φ'1·φ'2), or a non-finite one: the midpoint of [lo, hi].
NST_HOST_DEVICE inline double cubic_minimiser(double t1, double phi1, double derivative1, double t2, double phi2,
                                              double derivative2, double lo, double hi) {
  const double d1 = derivative1 + derivative2 - 3.0 * (phi1 - phi2) / (t1 - t2);
  const double d2_squared = d1 * d1 - derivative1 * derivative2;
  if (!(d2_squared >= 0.0)) return (lo + hi) / 2.0;
  const double d2 = sqrt(d2_squared);
  const double t = t1 <= t2 ? t2 - (t2 - t1) * ((derivative2 + d2 - d1) / (derivative2 - derivative1 + 2.0 * d2))
                            : t1 - (t1 - t2) * ((derivative1 + d2 - d1) / (derivative1 - derivative2 + 2.0 * d2));
  if (!finite(t)) return (lo + hi) / 2.0;
  return smaller(larger(t, lo), hi);
}

NST_HOST_DEVICE inline void begin(const float* phi0, const float* derivative0, const float* direction_norm_squared,
                                  const float* t0_numerator, const float* t0_denominator, float* s, float* status) {
  for (int i = 0; i < kStrongWolfeStateSize; ++i) s[i] = 0.0f;
  s[kSwPhi0] = phi0[0];
  s[kSwDerivative0] = derivative0[0];
  s[kSwDirectionNorm] = static_cast<float>(sqrt(static_cast<double>(direction_norm_squared[0])));
  s[kSwT] = t0_numerator[0] / t0_denominator[0];
  s[kSwPhiPrev] = phi0[0];
  s[kSwDerivativePrev] = derivative0[0];
  // torch stops L-BFGS when φ'(0) > −tolerance_change; here the iteration takes no step.
  status[0] = derivative0[0] < -kStrongWolfeTolerance ? kSwEvaluate : kSwNoDescent;
}

// The search ends at the bracket's lower end.
NST_HOST_DEVICE inline void finish(float* s, float* status) {
  s[kSwT] = s[kSwLow] == 0.0f ? s[kSwB0] : s[kSwB1];
  status[0] = s[kSwT] == s[kSwTEvaluated] ? kSwAcceptedLast : kSwAcceptedOther;
}

// Zooming: the next trial inside the bracket, or the end of the search.
NST_HOST_DEVICE inline void next_zoom_trial(float* s, float* status) {
  const double b0 = s[kSwB0], b1 = s[kSwB1];
  if (s[kSwTrials] >= kStrongWolfeMaxTrials || fabs(b1 - b0) * s[kSwDirectionNorm] < kStrongWolfeTolerance) {
    finish(s, status);
    return;
  }
  const double lo = smaller(b0, b1), hi = larger(b0, b1);
  double t = cubic_minimiser(b0, s[kSwPhiB0], s[kSwDerivativeB0], b1, s[kSwPhiB1], s[kSwDerivativeB1], lo, hi);
  // Too close to an end (within 10% of the bracket): accept once; the second time in a row, or at
  // an end itself, move it 10% inside.
  const double margin = 0.1 * (hi - lo);
  if (smaller(hi - t, t - lo) < margin) {
    if (s[kSwInsufficient] != 0.0f || t >= hi || t <= lo) {
      t = fabs(t - hi) < fabs(t - lo) ? hi - margin : lo + margin;
      s[kSwInsufficient] = 0.0f;
    } else {
      s[kSwInsufficient] = 1.0f;
    }
  } else {
    s[kSwInsufficient] = 0.0f;
  }
  s[kSwT] = static_cast<float>(t);
  s[kSwTrials] += 1.0f;
  status[0] = kSwEvaluate;
}

NST_HOST_DEVICE inline void set_bracket(float* s, float b0, float phi_b0, float derivative_b0, float b1, float phi_b1,
                                        float derivative_b1) {
  s[kSwB0] = b0, s[kSwPhiB0] = phi_b0, s[kSwDerivativeB0] = derivative_b0;
  s[kSwB1] = b1, s[kSwPhiB1] = phi_b1, s[kSwDerivativeB1] = derivative_b1;
  s[kSwLow] = phi_b0 <= phi_b1 ? 0.0f : 1.0f;
}

NST_HOST_DEVICE inline void advance(const float* phi_at_t, const float* derivative_at_t, float* s, float* status) {
  const float t = s[kSwT], phi = phi_at_t[0], derivative = derivative_at_t[0];
  const double phi0 = s[kSwPhi0], derivative0 = s[kSwDerivative0];
  s[kSwTEvaluated] = t;
  const bool usable = finite(phi) && finite(derivative);
  const bool sufficient_decrease = usable && phi <= phi0 + kStrongWolfeC1 * t * derivative0;
  const bool strong_curvature = usable && fabs(derivative) <= -kStrongWolfeC2 * derivative0;

  if (s[kSwZooming] == 0.0f) {
    if (s[kSwTrials] >= kStrongWolfeMaxTrials) {  // out of trials: the better of 0 and t
      set_bracket(s, 0.0f, s[kSwPhi0], s[kSwDerivative0], t, phi, derivative);
      finish(s, status);
      return;
    }
    const bool no_lower_than_before = s[kSwTrials] > 1.0f && phi >= s[kSwPhiPrev];  // torch's ls_iter > 1
    if (sufficient_decrease && !no_lower_than_before && strong_curvature) {
      status[0] = kSwAcceptedLast;
      return;
    }
    if (!sufficient_decrease || no_lower_than_before || derivative >= 0.0f) {
      // A point that satisfies both conditions lies between the previous trial and this one.
      set_bracket(s, s[kSwTPrev], s[kSwPhiPrev], s[kSwDerivativePrev], t, phi, derivative);
      s[kSwZooming] = 1.0f;
      next_zoom_trial(s, status);
      return;
    }
    // Still descending steeply: a longer step.
    const double t_prev = s[kSwTPrev];
    const double next = cubic_minimiser(t_prev, s[kSwPhiPrev], s[kSwDerivativePrev], t, phi, derivative,
                                        t + 0.01 * (t - t_prev), 10.0 * t);
    s[kSwTPrev] = t, s[kSwPhiPrev] = phi, s[kSwDerivativePrev] = derivative;
    s[kSwT] = static_cast<float>(next);
    s[kSwTrials] += 1.0f;
    status[0] = kSwEvaluate;
    return;
  }

  const int low = s[kSwLow] == 0.0f ? 0 : 1, high = 1 - low;
  float* b = s + kSwB0;  // b[0], b[1]
  float* phi_b = s + kSwPhiB0;
  float* derivative_b = s + kSwDerivativeB0;
  if (!sufficient_decrease || phi >= phi_b[low]) {  // t becomes the high end
    b[high] = t, phi_b[high] = phi, derivative_b[high] = derivative;
    s[kSwLow] = phi_b[0] <= phi_b[1] ? 0.0f : 1.0f;
  } else {
    if (!strong_curvature && derivative * (b[high] - b[low]) >= 0.0f)  // the old low end becomes the high one
      b[high] = b[low], phi_b[high] = phi_b[low], derivative_b[high] = derivative_b[low];
    b[low] = t, phi_b[low] = phi, derivative_b[low] = derivative;  // t becomes the low end
    if (strong_curvature) {
      status[0] = kSwAcceptedLast;
      return;
    }
  }
  next_zoom_trial(s, status);
}

}  // namespace nst::strong_wolfe

#pragma once
// The ring of L-BFGS curvature pairs (s_i, y_i), with its bookkeeping on the vectors' device, so
// the optimizer never asks the host whether a pair was kept.
//
// Layout: ring_s and ring_y hold `capacity` rows of n floats (row = ring slot), ring_ys[slot] =
// y·s of the pair in that slot, and two floats of bookkeeping,
//   state[0] = the slot of the newest pair kept,  state[1] = the number of pairs kept,
// small integers, exact in float. A pair's age counts back from the newest (age 0); the pair of
// age a sits in slot (state[0] − a) mod capacity. An op given an age ≥ state[1] finds no pair
// there and does nothing (a dot writes 0): the host loops over ages up to an upper bound of the
// pairs kept and the device skips the ones that do not exist.
// Start: state = {capacity − 1, 0}, so the first pair goes to slot 0.
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

// The curvature threshold of torch.optim.LBFGS: a pair is kept only if y·s > 1e-10.
constexpr float kLbfgsCurvatureThreshold = 1e-10f;

template <class Float>  // float, or const float for the ops that only read the ring
struct LbfgsRingOf {
  std::int64_t n;  // floats per vector
  int capacity;    // rows: the most pairs kept
  Float* ring_s;   // [capacity, n]
  Float* ring_y;   // [capacity, n]
  Float* ring_ys;  // [capacity]
  Float* state;    // {newest slot, pairs kept}
};
using LbfgsRing = LbfgsRingOf<const float>;
using MutableLbfgsRing = LbfgsRingOf<float>;

// If ys[0] > kLbfgsCurvatureThreshold: copy the candidate pair (s, y) into the slot after the
// newest (the oldest pair's, once the ring is full), record ring_ys there, make it the newest and
// set newest_ys = ys, newest_yy = yy: H0 = (s·y / y·y)·I of the newest pair (Nocedal & Wright
// eq. 7.20). Otherwise change nothing.
void lbfgs_keep_pair_if_curved_cpu(const MutableLbfgsRing& ring, const float* s, const float* y, const float* ys,
                                   const float* yy, float* newest_ys, float* newest_yy);
void lbfgs_keep_pair_if_curved_cuda(const MutableLbfgsRing& ring, const float* s, const float* y, const float* ys,
                                    const float* yy, float* newest_ys, float* newest_yy, Stream stream);

// out[0] = row·v, where row is ring_s (rows_are_s) or ring_y at the pair of `age`; 0 if none.
void lbfgs_ring_dot_cpu(const LbfgsRing& ring, bool rows_are_s, int age, const float* v, float* out);
// The CUDA dot reduces in two passes through `scratch`, kReductionScratchFloats floats (kernels/reduce.h).
void lbfgs_ring_dot_cuda(const LbfgsRing& ring, bool rows_are_s, int age, const float* v, float* out, float* scratch,
                         Stream stream);

// The update of one step of the two-loop recursion:
//   v += sign · ((num[0] − subtrahend[0]) / ring_ys[slot]) · row at the pair of `age`
// (subtrahend may be null: 0); nothing if there is no such pair.
struct LbfgsRingAxpy {
  bool rows_are_s;
  int age;
  float sign;
  const float* num;
  const float* subtrahend;
};

void lbfgs_ring_axpy_cpu(const LbfgsRing& ring, const LbfgsRingAxpy& axpy, float* v);
void lbfgs_ring_axpy_cuda(const LbfgsRing& ring, const LbfgsRingAxpy& axpy, float* v, Stream stream);

// One step's update and the next step's dot in one pass over v: `axpy`, then out[0] = row·v at the
// pair of dot_age (0 if none), with the updated v. The same bits as the two ops one after the other.
void lbfgs_ring_axpy_dot_cpu(const LbfgsRing& ring, const LbfgsRingAxpy& axpy, bool dot_rows_are_s, int dot_age,
                             float* v, float* out);
void lbfgs_ring_axpy_dot_cuda(const LbfgsRing& ring, const LbfgsRingAxpy& axpy, bool dot_rows_are_s, int dot_age,
                              float* v, float* out, float* scratch, Stream stream);

}  // namespace nst

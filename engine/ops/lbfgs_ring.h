#pragma once
// The L-BFGS curvature-pair ring as tensors on one device, and its ops (kernels/lbfgs_ring.h):
// which pairs exist is known only to the device, so the optimizer's loop never waits for it.
#include "engine/tensor.h"

namespace nst::ops {

enum class RingRows { s, y };

struct LbfgsRingTensors {
  LbfgsRingTensors() = default;
  LbfgsRingTensors(int capacity, std::int64_t vector_size, Device device);  // empty ring
  // The bytes such a ring takes from `device`'s allocator.
  static std::size_t bytes(int capacity, std::int64_t vector_size, Device device);

  int capacity = 0;
  Tensor s, y;   // [capacity, n]: the pairs, one per row (ring slot)
  Tensor ys;     // [capacity]: y·s of the pair in each slot
  Tensor state;  // {newest slot, pairs kept}

  int pairs_kept() const;  // reads the device: for tests
};

// Keeps the candidate pair (s, y) if ys > 1e-10, and then sets newest_ys, newest_yy to its ys, yy.
void lbfgs_keep_pair_if_curved(const Tensor& s, const Tensor& y, const Tensor& ys, const Tensor& yy,
                               LbfgsRingTensors& ring, Tensor& newest_ys, Tensor& newest_yy);

// out = row·v at the pair of `age` (0 = newest); 0 if the ring holds no pair that old.
void lbfgs_ring_dot(const LbfgsRingTensors& ring, RingRows rows, int age, const Tensor& v, Tensor& out);

// One step of the two-loop recursion: v += sign·((num − subtrahend) / ys_age)·row at the pair of
// `age`; nothing if there is none. `subtrahend` may be null (0).
struct RingAxpy {
  RingRows rows;
  int age;
  float sign;
  const Tensor& num;
  const Tensor* subtrahend = nullptr;
};

void lbfgs_ring_axpy(const LbfgsRingTensors& ring, const RingAxpy& axpy, Tensor& v);

// `axpy`, then out = row·v at the pair of dot_age (0 if none), in one pass over v: the same bits as
// lbfgs_ring_axpy then lbfgs_ring_dot.
void lbfgs_ring_axpy_dot(const LbfgsRingTensors& ring, const RingAxpy& axpy, RingRows dot_rows, int dot_age, Tensor& v,
                         Tensor& out);

}  // namespace nst::ops

// CPU L-BFGS ring ops (kernels/lbfgs_ring.h). The bookkeeping floats are read where they live, in
// host memory; the dot is ops::dot's ordered double sum, so both give the same bits.
#include "kernels/lbfgs_ring.h"

#include <algorithm>
#include <cstring>

#include "kernels/reduce.h"
#include "kernels/vector_ops.h"

namespace nst {

namespace {

// The slot of the pair of `age`, or −1 if fewer than age + 1 pairs are kept.
int slot_of_age(const LbfgsRing& ring, int age) {
  const int newest = static_cast<int>(ring.state[0]), kept = static_cast<int>(ring.state[1]);
  if (age >= kept) return -1;
  return (newest - age + ring.capacity) % ring.capacity;
}

const float* row(const LbfgsRing& ring, bool rows_are_s, int slot) {
  return (rows_are_s ? ring.ring_s : ring.ring_y) + static_cast<std::int64_t>(slot) * ring.n;
}

}  // namespace

void lbfgs_keep_pair_if_curved_cpu(const MutableLbfgsRing& ring, const float* s, const float* y, const float* ys,
                                   const float* yy, float* newest_ys, float* newest_yy) {
  if (!(ys[0] > kLbfgsCurvatureThreshold)) return;
  const int slot = (static_cast<int>(ring.state[0]) + 1) % ring.capacity;
  const auto bytes = static_cast<std::size_t>(ring.n) * sizeof(float);
  std::memcpy(ring.ring_s + static_cast<std::int64_t>(slot) * ring.n, s, bytes);
  std::memcpy(ring.ring_y + static_cast<std::int64_t>(slot) * ring.n, y, bytes);
  ring.ring_ys[slot] = ys[0];
  ring.state[0] = static_cast<float>(slot);
  ring.state[1] = std::min(ring.state[1] + 1.0f, static_cast<float>(ring.capacity));
  newest_ys[0] = ys[0];
  newest_yy[0] = yy[0];
}

void lbfgs_ring_dot_cpu(const LbfgsRing& ring, bool rows_are_s, int age, const float* v, float* out) {
  const int slot = slot_of_age(ring, age);
  if (slot < 0) {
    out[0] = 0.0f;
    return;
  }
  dot_cpu(ring.n, row(ring, rows_are_s, slot), v, out);
}

void lbfgs_ring_axpy_cpu(const LbfgsRing& ring, bool rows_are_s, int age, float sign, const float* num,
                         const float* subtrahend, float* v) {
  const int slot = slot_of_age(ring, age);
  if (slot < 0) return;
  const float coefficient = sign * ((num[0] - (subtrahend ? subtrahend[0] : 0.0f)) / ring.ring_ys[slot]);
  axpy_cpu(ring.n, coefficient, row(ring, rows_are_s, slot), v);
}

}  // namespace nst

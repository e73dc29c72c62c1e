// CPU L-BFGS ring ops (kernels/lbfgs_ring.h). The bookkeeping floats are read where they live, in
// host memory; dots are dot_cpu's ordered double sums, so a dot here gives the same bits as ops::dot
// on the same row.
#include "kernels/lbfgs_ring.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/ordered_sum.h"
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

// The axpy's row and coefficient, or a null row if its age holds no pair.
struct ScaledRow {
  const float* row = nullptr;
  float coefficient = 0.0f;
};

ScaledRow scaled_row(const LbfgsRing& ring, const LbfgsRingAxpy& axpy) {
  const int slot = slot_of_age(ring, axpy.age);
  if (slot < 0) return {};
  const float difference = axpy.num[0] - (axpy.subtrahend ? axpy.subtrahend[0] : 0.0f);
  return {row(ring, axpy.rows_are_s, slot), axpy.sign * (difference / ring.ring_ys[slot])};
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

void lbfgs_ring_axpy_cpu(const LbfgsRing& ring, const LbfgsRingAxpy& axpy, float* v) {
  const ScaledRow scaled = scaled_row(ring, axpy);
  if (scaled.row) axpy_cpu(ring.n, scaled.coefficient, scaled.row, v);
}

void lbfgs_ring_axpy_dot_cpu(const LbfgsRing& ring, const LbfgsRingAxpy& axpy, bool dot_rows_are_s, int dot_age,
                             float* v, float* out) {
  const ScaledRow scaled = scaled_row(ring, axpy);
  const int dot_slot = slot_of_age(ring, dot_age);
  if (dot_slot < 0) {  // nothing to sum: the update alone
    if (scaled.row) axpy_cpu(ring.n, scaled.coefficient, scaled.row, v);
    out[0] = 0.0f;
    return;
  }
  const float* r = row(ring, dot_rows_are_s, dot_slot);
  const float c = scaled.coefficient;
  const float* a = scaled.row;
  // dot_cpu's sum with the update folded in; ordered_sum calls the term once per index, so each
  // v[i] is updated once, then multiplied.
  out[0] = static_cast<float>(ordered_sum(ring.n, [a, c, r, v](std::int64_t i) {
    if (a) v[i] += c * a[i];
    return double(r[i]) * v[i];
  }));
}

}  // namespace nst

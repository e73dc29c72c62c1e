// CUDA L-BFGS ring ops (kernels/lbfgs_ring.h). Every thread reads the two bookkeeping floats and
// works out the slot itself, so the host never learns which pairs exist. Memory bound, like the
// vector ops: a dot reads 8 bytes per element, an axpy moves 12, keeping a pair copies 16.
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/partial_sums.cuh"
#include "kernels/lbfgs_ring.h"

namespace nst {

namespace {

// The slot of the pair of `age`, or −1 if fewer than age + 1 pairs are kept.
__device__ int slot_of_age(const float* state, int capacity, int age) {
  const int newest = static_cast<int>(state[0]), kept = static_cast<int>(state[1]);
  return age < kept ? (newest - age + capacity) % capacity : -1;
}

__device__ const float* row(const LbfgsRing& ring, bool rows_are_s, int slot) {
  return (rows_are_s ? ring.ring_s : ring.ring_y) + static_cast<std::int64_t>(slot) * ring.n;
}

// Pass 1 of keeping a pair: the copy into the free slot. The bookkeeping waits for pass 2, so
// every block reads the same state here.
__global__ void copy_pair_if_curved_kernel(MutableLbfgsRing ring, const float* s, const float* y, const float* ys) {
  if (!(ys[0] > kLbfgsCurvatureThreshold)) return;
  const std::int64_t offset = static_cast<std::int64_t>((static_cast<int>(ring.state[0]) + 1) % ring.capacity) * ring.n;
  for (const std::int64_t i : grid_stride(ring.n)) {
    ring.ring_s[offset + i] = s[i];
    ring.ring_y[offset + i] = y[i];
  }
}

// Pass 2, one thread: the new pair becomes the newest.
__global__ void record_pair_if_curved_kernel(MutableLbfgsRing ring, const float* ys, const float* yy, float* newest_ys,
                                             float* newest_yy) {
  if (!(ys[0] > kLbfgsCurvatureThreshold)) return;
  const int slot = (static_cast<int>(ring.state[0]) + 1) % ring.capacity;
  ring.ring_ys[slot] = ys[0];
  ring.state[0] = static_cast<float>(slot);
  ring.state[1] = fminf(ring.state[1] + 1.0f, static_cast<float>(ring.capacity));
  newest_ys[0] = ys[0];
  newest_yy[0] = yy[0];
}

// The axpy's row and coefficient, or a null row if its age holds no pair.
struct ScaledRow {
  const float* row;
  float coefficient;
};

__device__ ScaledRow scaled_row(const LbfgsRing& ring, const LbfgsRingAxpy& axpy) {
  const int slot = slot_of_age(ring.state, ring.capacity, axpy.age);
  if (slot < 0) return {nullptr, 0.0f};
  const float difference = axpy.num[0] - (axpy.subtrahend ? axpy.subtrahend[0] : 0.0f);
  return {row(ring, axpy.rows_are_s, slot), axpy.sign * (difference / ring.ring_ys[slot])};
}

// Pass 1 of a dot with v (kernels/cuda/partial_sums.cuh). With updated_v (v itself), v += c·a first,
// each element updated by the thread that then multiplies it: the update and the dot share a pass.
__global__ void ring_dot_partials_kernel(LbfgsRing ring, LbfgsRingAxpy axpy, bool dot_rows_are_s, int dot_age,
                                         const float* v, float* updated_v, float* partials) {
  const ScaledRow scaled = updated_v ? scaled_row(ring, axpy) : ScaledRow{nullptr, 0.0f};
  const int slot = slot_of_age(ring.state, ring.capacity, dot_age);
  const float* r = slot >= 0 ? row(ring, dot_rows_are_s, slot) : nullptr;
  float sum = 0.0f;
  for (const std::int64_t i : grid_stride(ring.n)) {
    float vi = v[i];
    if (scaled.row) {
      vi += scaled.coefficient * scaled.row[i];
      updated_v[i] = vi;
    }
    if (r) sum += r[i] * vi;
  }
  store_partial(sum, partials);  // every thread takes part: store_partial synchronises the block
}

__global__ void ring_axpy_kernel(LbfgsRing ring, LbfgsRingAxpy axpy, float* v) {
  const ScaledRow scaled = scaled_row(ring, axpy);
  if (!scaled.row) return;
  for (const std::int64_t i : grid_stride(ring.n)) v[i] += scaled.coefficient * scaled.row[i];
}

}  // namespace

void lbfgs_keep_pair_if_curved_cuda(const MutableLbfgsRing& ring, const float* s, const float* y, const float* ys,
                                    const float* yy, float* newest_ys, float* newest_yy, Stream stream) {
  copy_pair_if_curved_kernel<<<blocks_for(ring.n), kThreadsPerBlock, 0, stream>>>(ring, s, y, ys);
  record_pair_if_curved_kernel<<<1, 1, 0, stream>>>(ring, ys, yy, newest_ys, newest_yy);
}

void lbfgs_ring_dot_cuda(const LbfgsRing& ring, bool rows_are_s, int age, const float* v, float* out, float* scratch,
                         Stream stream) {
  ring_dot_partials_kernel<<<kPartialBlocks, kPartialThreads, 0, stream>>>(ring, LbfgsRingAxpy{}, rows_are_s, age, v,
                                                                           nullptr, scratch);
  launch_final_sum(scratch, out, 1.0f, stream);
}

void lbfgs_ring_axpy_cuda(const LbfgsRing& ring, const LbfgsRingAxpy& axpy, float* v, Stream stream) {
  ring_axpy_kernel<<<blocks_for(ring.n), kThreadsPerBlock, 0, stream>>>(ring, axpy, v);
}

void lbfgs_ring_axpy_dot_cuda(const LbfgsRing& ring, const LbfgsRingAxpy& axpy, bool dot_rows_are_s, int dot_age,
                              float* v, float* out, float* scratch, Stream stream) {
  ring_dot_partials_kernel<<<kPartialBlocks, kPartialThreads, 0, stream>>>(ring, axpy, dot_rows_are_s, dot_age, v, v,
                                                                           scratch);
  launch_final_sum(scratch, out, 1.0f, stream);
}

}  // namespace nst

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
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < ring.n;
       i += std::int64_t(gridDim.x) * blockDim.x) {
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

__global__ void ring_dot_partials_kernel(LbfgsRing ring, bool rows_are_s, int age, const float* v) {
  const int slot = slot_of_age(ring.state, ring.capacity, age);
  float sum = 0.0f;
  if (slot >= 0) {
    const float* r = row(ring, rows_are_s, slot);
    for (std::int64_t i = partial_first(); i < ring.n; i += kPartialStride) sum += r[i] * v[i];
  }
  store_partial(sum);  // every thread takes part: store_partial synchronises the block
}

__global__ void ring_axpy_kernel(LbfgsRing ring, bool rows_are_s, int age, float sign, const float* num,
                                 const float* subtrahend, float* v) {
  const int slot = slot_of_age(ring.state, ring.capacity, age);
  if (slot < 0) return;
  const float coefficient = sign * ((num[0] - (subtrahend ? subtrahend[0] : 0.0f)) / ring.ring_ys[slot]);
  const float* r = row(ring, rows_are_s, slot);
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < ring.n;
       i += std::int64_t(gridDim.x) * blockDim.x)
    v[i] += coefficient * r[i];
}

}  // namespace

void lbfgs_keep_pair_if_curved_cuda(const MutableLbfgsRing& ring, const float* s, const float* y, const float* ys,
                                    const float* yy, float* newest_ys, float* newest_yy, Stream stream) {
  copy_pair_if_curved_kernel<<<blocks_for(ring.n), kThreadsPerBlock, 0, stream>>>(ring, s, y, ys);
  record_pair_if_curved_kernel<<<1, 1, 0, stream>>>(ring, ys, yy, newest_ys, newest_yy);
}

void lbfgs_ring_dot_cuda(const LbfgsRing& ring, bool rows_are_s, int age, const float* v, float* out,
                         Stream stream) {
  ring_dot_partials_kernel<<<kPartialBlocks, kPartialThreads, 0, stream>>>(ring, rows_are_s, age, v);
  launch_final_sum(out, 1.0f, stream);
}

void lbfgs_ring_axpy_cuda(const LbfgsRing& ring, bool rows_are_s, int age, float sign, const float* num,
                          const float* subtrahend, float* v, Stream stream) {
  ring_axpy_kernel<<<blocks_for(ring.n), kThreadsPerBlock, 0, stream>>>(ring, rows_are_s, age, sign, num,
                                                                         subtrahend, v);
}

}  // namespace nst

#include "engine/ops/lbfgs_ring.h"

#include <initializer_list>

#include "engine/ops/dispatch.h"
#include "kernels/lbfgs_ring.h"

namespace nst::ops {

namespace {

LbfgsRing view(const LbfgsRingTensors& ring) {
  return {ring.s.dim(1), ring.capacity, ring.s.data(), ring.y.data(), ring.ys.data(), ring.state.data()};
}

MutableLbfgsRing view(LbfgsRingTensors& ring) {
  return {ring.s.dim(1), ring.capacity, ring.s.data(), ring.y.data(), ring.ys.data(), ring.state.data()};
}

void check_vector(const char* op, const LbfgsRingTensors& ring, const Tensor& v) {
  NST_CHECK(ring.capacity > 0, op << ": the ring was never allocated");
  common_device(op, {&ring.s, &v});
  NST_CHECK(v.numel() == ring.s.dim(1),
            op << ": vector of " << v.numel() << " elements, the ring holds " << ring.s.dim(1));
}

void check_age(const char* op, const LbfgsRingTensors& ring, int age) {
  NST_CHECK(age >= 0 && age < ring.capacity, op << ": age " << age << " outside [0, " << ring.capacity << ")");
}

// The checked kernel form of `axpy` on v.
LbfgsRingAxpy kernel_axpy(const char* op, const LbfgsRingTensors& ring, const RingAxpy& axpy, const Tensor& v) {
  check_vector(op, ring, v);
  check_age(op, ring, axpy.age);
  common_device(op, {&v, &axpy.num});
  check_scalar(op, "num", axpy.num);
  if (axpy.subtrahend) {
    common_device(op, {&v, axpy.subtrahend});
    check_scalar(op, "subtrahend", *axpy.subtrahend);
  }
  return {axpy.rows == RingRows::s, axpy.age, axpy.sign, axpy.num.data(),
          axpy.subtrahend ? axpy.subtrahend->data() : nullptr};
}

int checked_capacity(int capacity) {
  NST_CHECK(capacity >= 1, "lbfgs ring: capacity must be at least 1, got " << capacity);
  return capacity;
}

}  // namespace

LbfgsRingTensors::LbfgsRingTensors(int capacity_, std::int64_t vector_size, Device device)
    : capacity(checked_capacity(capacity_)),
      s({capacity, vector_size}, device),
      y({capacity, vector_size}, device),
      ys(Tensor::filled({capacity}, 1.0f, device)),
      state(Tensor::from_host({2}, {float(capacity - 1), 0.0f}, device)) {}

std::size_t LbfgsRingTensors::bytes(int capacity, std::int64_t vector_size, Device device) {
  return 2 * tensor_bytes({capacity, vector_size}, device) + tensor_bytes({capacity}, device) +
         tensor_bytes({2}, device);  // s and y, ys, state
}

int LbfgsRingTensors::pairs_kept() const { return static_cast<int>(state.to_host()[1]); }

void lbfgs_keep_pair_if_curved(const Tensor& s, const Tensor& y, const Tensor& ys, const Tensor& yy,
                               LbfgsRingTensors& ring, Tensor& newest_ys, Tensor& newest_yy) {
  const char* op = "lbfgs_keep_pair_if_curved";
  check_vector(op, ring, s);
  check_vector(op, ring, y);
  common_device(op, {&s, &y, &ys, &yy, &newest_ys, &newest_yy});
  for (const Tensor* scalar : std::initializer_list<const Tensor*>{&ys, &yy, &newest_ys, &newest_yy})
    check_scalar(op, "scalar", *scalar);
  const MutableLbfgsRing r = view(ring);
  const float *ps = s.data(), *py = y.data(), *pys = ys.data(), *pyy = yy.data();
  float *pnys = newest_ys.data(), *pnyy = newest_yy.data();
  dispatch(
      op, s.device(), [&] { lbfgs_keep_pair_if_curved_cpu(r, ps, py, pys, pyy, pnys, pnyy); },
      [&](Stream st) { lbfgs_keep_pair_if_curved_cuda(r, ps, py, pys, pyy, pnys, pnyy, st); });
}

void lbfgs_ring_dot(const LbfgsRingTensors& ring, RingRows rows, int age, const Tensor& v, Tensor& out) {
  const char* op = "lbfgs_ring_dot";
  check_vector(op, ring, v);
  check_age(op, ring, age);
  common_device(op, {&v, &out});
  check_scalar(op, "out", out);
  const LbfgsRing r = view(ring);
  const bool rows_are_s = rows == RingRows::s;
  const float* pv = v.data();
  float* po = out.data();
  dispatch(
      op, v.device(), [&] { lbfgs_ring_dot_cpu(r, rows_are_s, age, pv, po); },
      [&](Stream st) { lbfgs_ring_dot_cuda(r, rows_are_s, age, pv, po, cuda_reduction_scratch(), st); });
}

void lbfgs_ring_axpy(const LbfgsRingTensors& ring, const RingAxpy& axpy, Tensor& v) {
  const char* op = "lbfgs_ring_axpy";
  const LbfgsRingAxpy k = kernel_axpy(op, ring, axpy, v);
  const LbfgsRing r = view(ring);
  float* pv = v.data();
  dispatch(
      op, v.device(), [&] { lbfgs_ring_axpy_cpu(r, k, pv); }, [&](Stream st) { lbfgs_ring_axpy_cuda(r, k, pv, st); });
}

void lbfgs_ring_axpy_dot(const LbfgsRingTensors& ring, const RingAxpy& axpy, RingRows dot_rows, int dot_age, Tensor& v,
                         Tensor& out) {
  const char* op = "lbfgs_ring_axpy_dot";
  const LbfgsRingAxpy k = kernel_axpy(op, ring, axpy, v);
  check_age(op, ring, dot_age);
  common_device(op, {&v, &out});
  check_scalar(op, "out", out);
  const LbfgsRing r = view(ring);
  const bool dot_rows_are_s = dot_rows == RingRows::s;
  float *pv = v.data(), *po = out.data();
  dispatch(
      op, v.device(), [&] { lbfgs_ring_axpy_dot_cpu(r, k, dot_rows_are_s, dot_age, pv, po); },
      [&](Stream st) {
        lbfgs_ring_axpy_dot_cuda(r, k, dot_rows_are_s, dot_age, pv, po, cuda_reduction_scratch(), st);
      });
}

}  // namespace nst::ops

// L-BFGS's state for a checkpoint: the step count, the previous step s and gradient, the step
// length's denominator, γ's numerator and denominator, and the curvature pairs the ring keeps.
// With the line search, f and ∇f at x are not saved: the first iteration after an import evaluates
// them again (the same bits), and the search's own state lives only within an iteration.
// Scratch that every step overwrites before reading (the direction, y, the offered y·s and y·y,
// the two-loop's α and β numerators) is not state.
//
// The ring's pairs are exported by age, newest first, and imported into slots 0 … k−1 with the
// newest at k−1: slots differ from the exporter's once its ring has wrapped, but every ring op
// addresses pairs by age (kernels/lbfgs_ring.h), so the steps that follow give the same bits.
#include <cstring>
#include <vector>

#include "engine/error.h"
#include "layers/lbfgs.h"

namespace nst {

namespace {

// Row `row` of the host tensor `from` (rows of n floats) into row `into_row` of `into`.
void copy_row(const Tensor& from, std::int64_t row, Tensor& into, std::int64_t into_row, std::int64_t n) {
  std::memcpy(into.data() + into_row * n, from.data() + row * n, static_cast<std::size_t>(n) * sizeof(float));
}

// The rows of `ring_rows` ([capacity, n], on any device) that hold the `kept` pairs, by age, newest
// (in slot `newest`) first, on the host. One host copy of the whole ring at a time.
Tensor rows_by_age(const Tensor& ring_rows, int newest, int kept) {
  const Tensor rows = ring_rows.to(Device::cpu);
  const std::int64_t capacity = rows.dim(0), n = rows.dim(1);
  Tensor by_age({kept, n}, Device::cpu);
  for (int age = 0; age < kept; ++age) copy_row(rows, (newest - age + capacity) % capacity, by_age, age, n);
  return by_age;
}

// The inverse of rows_by_age for a ring that has not wrapped: age a into slot kept − 1 − a (the
// newest in slot kept − 1); the other slots zero.
void rows_into_slots(const Tensor& by_age, Tensor& ring_rows) {
  Tensor rows = Tensor::zeros(ring_rows.shape(), Device::cpu);
  const std::int64_t kept = by_age.dim(0), n = by_age.dim(1);
  for (std::int64_t age = 0; age < kept; ++age) copy_row(by_age, age, rows, kept - 1 - age, n);
  ring_rows.copy_from(rows);
}

}  // namespace

OptimizerState Lbfgs::export_state() const {
  OptimizerState state;
  state.optimizer = name();
  state.scalars["history_size"] = options_.history_size;
  state.scalars["learning_rate"] = options_.learning_rate;
  state.scalars["line_search"] = options_.line_search == LbfgsLineSearch::strong_wolfe ? 1 : 0;
  state.scalars["steps_taken"] = static_cast<double>(steps_taken_);
  if (steps_taken_ == 0) return state;
  state.tensors["step"] = step_.to(Device::cpu);
  state.tensors["previous_gradient"] = previous_gradient_.to(Device::cpu);
  state.tensors["step_length_denominator"] = step_length_denominator_.to(Device::cpu);
  state.tensors["newest_ys"] = newest_ys_.to(Device::cpu);
  state.tensors["newest_yy"] = newest_yy_.to(Device::cpu);

  const std::vector<float> bookkeeping = ring_.state.to_host();  // {newest slot, pairs kept}
  const int newest = static_cast<int>(bookkeeping[0]), kept = static_cast<int>(bookkeeping[1]);
  state.tensors["pairs_s"] = rows_by_age(ring_.s, newest, kept);
  state.tensors["pairs_y"] = rows_by_age(ring_.y, newest, kept);
  const std::vector<float> ys = ring_.ys.to_host();
  std::vector<float> ys_by_age(static_cast<std::size_t>(kept));
  for (int age = 0; age < kept; ++age) ys_by_age[age] = ys[(newest - age + ring_.capacity) % ring_.capacity];
  state.tensors["pairs_ys"] = Tensor::from_host({kept}, ys_by_age, Device::cpu);
  return state;
}

void Lbfgs::import_state(const OptimizerState& state, const Tensor& x) {
  NST_CHECK(steps_taken_ == 0, "lbfgs: state can be imported only before the first step");
  state.check_optimizer(name());
  state.check_same_setting("history_size", options_.history_size);
  state.check_same_setting("learning_rate", options_.learning_rate);
  const std::int64_t history_size = options_.history_size;
  const std::int64_t line_search = state.integer("line_search", 0, 1);
  NST_CHECK(line_search == (options_.line_search == LbfgsLineSearch::strong_wolfe ? 1 : 0),
            "lbfgs state: line search " << (line_search ? "strong-wolfe" : "none") << ", this run has "
                                        << (line_search ? "none" : "strong-wolfe"));
  const std::int64_t steps = state.integer("steps_taken", 0, std::int64_t{1} << 53);
  if (steps == 0) return;

  // Every check before anything changes.
  const Tensor& step = state.tensor("step", x.shape());
  const Tensor& previous_gradient = state.tensor("previous_gradient", x.shape());
  const Tensor& step_length_denominator = state.tensor("step_length_denominator", {1});
  const Tensor& newest_ys = state.tensor("newest_ys", {1});
  const Tensor& newest_yy = state.tensor("newest_yy", {1});
  const auto found = state.tensors.find("pairs_ys");
  NST_CHECK(found != state.tensors.end() && found->second.rank() == 1, "lbfgs state: no tensor 'pairs_ys' of rank 1");
  const std::int64_t kept = found->second.dim(0);
  // Not kept < steps: after a CUDA graph's replays the step count is behind (layers/lbfgs.h).
  NST_CHECK(kept <= history_size, "lbfgs state: " << kept << " pairs, more than the history size " << history_size);
  const std::int64_t n = x.numel();
  const Tensor& pairs_s = state.tensor("pairs_s", {kept, n});
  const Tensor& pairs_y = state.tensor("pairs_y", {kept, n});
  const Tensor& pairs_ys = found->second;

  allocate_like(x);
  step_.copy_from(step);
  previous_gradient_.copy_from(previous_gradient);
  step_length_denominator_.copy_from(step_length_denominator);
  newest_ys_.copy_from(newest_ys);
  newest_yy_.copy_from(newest_yy);
  rows_into_slots(pairs_s, ring_.s);
  rows_into_slots(pairs_y, ring_.y);
  std::vector<float> ys(static_cast<std::size_t>(history_size), 1.0f);
  for (std::int64_t age = 0; age < kept; ++age) ys[kept - 1 - age] = pairs_ys.data()[age];
  ring_.ys.copy_from(Tensor::from_host(ring_.ys.shape(), ys, Device::cpu));
  const float newest_slot = kept == 0 ? static_cast<float>(history_size - 1) : static_cast<float>(kept - 1);
  ring_.state.copy_from(Tensor::from_host({2}, {newest_slot, static_cast<float>(kept)}, Device::cpu));
  steps_taken_ = steps;
}

}  // namespace nst

// L-BFGS's state for a checkpoint: the step count, the previous step s and gradient, the step
// length's denominator, γ's numerator and denominator, and the curvature pairs the ring keeps.
// Scratch that every step overwrites before reading (the direction, y, the offered y·s and y·y,
// the two-loop's α and β numerators) is not state.
//
// The ring's pairs are exported by age, newest first, and imported into slots 0 … k−1 with the
// newest at k−1: slots differ from the exporter's once its ring has wrapped, but every ring op
// addresses pairs by age (kernels/lbfgs_ring.h), so the steps that follow give the same bits.
#include <cstring>

#include "engine/error.h"
#include "layers/lbfgs.h"

namespace nst {

namespace {

// Row `row` of the host tensor `from` (rows of n floats) into row `into_row` of `into`.
void copy_row(const Tensor& from, std::int64_t row, Tensor& into, std::int64_t into_row, std::int64_t n) {
  std::memcpy(into.data() + into_row * n, from.data() + row * n, static_cast<std::size_t>(n) * sizeof(float));
}

}  // namespace

OptimizerState Lbfgs::export_state() const {
  OptimizerState state;
  state.optimizer = name();
  state.scalars["history_size"] = options_.history_size;
  state.scalars["learning_rate"] = options_.learning_rate;
  state.scalars["steps_taken"] = static_cast<double>(steps_taken_);
  if (steps_taken_ == 0) return state;
  state.tensors["step"] = step_.to(Device::cpu);
  state.tensors["previous_gradient"] = previous_gradient_.to(Device::cpu);
  state.tensors["step_length_denominator"] = step_length_denominator_.to(Device::cpu);
  state.tensors["newest_ys"] = newest_ys_.to(Device::cpu);
  state.tensors["newest_yy"] = newest_yy_.to(Device::cpu);

  const std::vector<float> bookkeeping = ring_.state.to_host();  // {newest slot, pairs kept}
  const int newest = static_cast<int>(bookkeeping[0]), kept = static_cast<int>(bookkeeping[1]);
  const std::int64_t n = ring_.s.dim(1);
  const Tensor s = ring_.s.to(Device::cpu), y = ring_.y.to(Device::cpu), ys = ring_.ys.to(Device::cpu);
  Tensor s_by_age({kept, n}, Device::cpu), y_by_age({kept, n}, Device::cpu), ys_by_age({kept}, Device::cpu);
  for (int age = 0; age < kept; ++age) {
    const int slot = (newest - age + ring_.capacity) % ring_.capacity;
    copy_row(s, slot, s_by_age, age, n);
    copy_row(y, slot, y_by_age, age, n);
    ys_by_age.data()[age] = ys.data()[slot];
  }
  state.tensors["pairs_s"] = std::move(s_by_age);
  state.tensors["pairs_y"] = std::move(y_by_age);
  state.tensors["pairs_ys"] = std::move(ys_by_age);
  return state;
}

void Lbfgs::import_state(const OptimizerState& state, const Tensor& x) {
  NST_CHECK(steps_taken_ == 0, "lbfgs: state can be imported only before the first step");
  state.check_optimizer(name());
  const std::int64_t history_size = state.integer("history_size", 1, 1 << 30);
  NST_CHECK(history_size == options_.history_size,
            "lbfgs state: history size " << history_size << ", this run has " << options_.history_size);
  const double learning_rate = state.scalar("learning_rate");
  NST_CHECK(learning_rate == static_cast<double>(options_.learning_rate),
            "lbfgs state: learning rate " << learning_rate << ", this run has " << options_.learning_rate);
  const std::int64_t steps = state.integer("steps_taken", 0, std::int64_t{1} << 53);
  if (steps == 0) return;

  // Every check before anything changes.
  const Tensor& step = state.tensor("step", x.shape());
  const Tensor& previous_gradient = state.tensor("previous_gradient", x.shape());
  const Tensor& step_length_denominator = state.tensor("step_length_denominator", {1});
  const Tensor& newest_ys = state.tensor("newest_ys", {1});
  const Tensor& newest_yy = state.tensor("newest_yy", {1});
  const auto found = state.tensors.find("pairs_ys");
  NST_CHECK(found != state.tensors.end() && found->second.rank() == 1,
            "lbfgs state: no tensor 'pairs_ys' of rank 1");
  const std::int64_t kept = found->second.dim(0);
  NST_CHECK(kept <= history_size && kept < steps,
            "lbfgs state: " << kept << " pairs after " << steps << " steps with history " << history_size);
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
  // Age a into slot kept − 1 − a: the newest in slot kept − 1, as a ring that never wrapped has it.
  Tensor s = Tensor::zeros(ring_.s.shape(), Device::cpu), y = Tensor::zeros(ring_.y.shape(), Device::cpu);
  Tensor ys = Tensor::filled(ring_.ys.shape(), 1.0f, Device::cpu);
  for (std::int64_t age = 0; age < kept; ++age) {
    const std::int64_t slot = kept - 1 - age;
    copy_row(pairs_s, age, s, slot, n);
    copy_row(pairs_y, age, y, slot, n);
    ys.data()[slot] = pairs_ys.data()[age];
  }
  const float newest_slot = kept == 0 ? static_cast<float>(history_size - 1) : static_cast<float>(kept - 1);
  ring_.s.copy_from(s);
  ring_.y.copy_from(y);
  ring_.ys.copy_from(ys);
  ring_.state.copy_from(Tensor::from_host({2}, {newest_slot, static_cast<float>(kept)}, Device::cpu));
  steps_taken_ = steps;
}

}  // namespace nst

// Adam's state for a checkpoint: the step count t (the bias corrections 1 − β^t depend on it) and
// the moments m and v.
#include "engine/error.h"
#include "layers/adam.h"

namespace nst {

OptimizerState Adam::export_state() const {
  OptimizerState state;
  state.optimizer = name();
  state.scalars["learning_rate"] = options_.learning_rate;
  state.scalars["beta1"] = options_.beta1;
  state.scalars["beta2"] = options_.beta2;
  state.scalars["epsilon"] = options_.epsilon;
  state.scalars["steps_taken"] = static_cast<double>(steps_taken_);
  if (steps_taken_ == 0) return state;
  state.tensors["first_moment"] = first_moment_.to(Device::cpu);
  state.tensors["second_moment"] = second_moment_.to(Device::cpu);
  return state;
}

void Adam::import_state(const OptimizerState& state, const Tensor& x) {
  NST_CHECK(steps_taken_ == 0, "adam: state can be imported only before the first step");
  state.check_optimizer(name());
  state.check_same_setting("learning_rate", options_.learning_rate);
  state.check_same_setting("beta1", options_.beta1);
  state.check_same_setting("beta2", options_.beta2);
  state.check_same_setting("epsilon", options_.epsilon);
  const std::int64_t steps = state.integer("steps_taken", 0, std::int64_t{1} << 53);
  if (steps == 0) return;
  const Tensor& first_moment = state.tensor("first_moment", x.shape());
  const Tensor& second_moment = state.tensor("second_moment", x.shape());
  first_moment_ = first_moment.to(x.device());
  second_moment_ = second_moment.to(x.device());
  steps_taken_ = steps;
}

}  // namespace nst

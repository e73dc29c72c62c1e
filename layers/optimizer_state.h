#pragma once
// OptimizerState: what an optimizer knows between two steps, copied to the host, so that a run can
// be checkpointed and resumed. It is generic on purpose: named tensors (moments, curvature pairs,
// device scalars) and named scalars (step counters, host bookkeeping), so that a new optimizer, or
// new state in an old one, needs no change to the checkpoint file format (layers/checkpoint.h).
// Restoring state and taking the same steps gives the same bits as never having stopped.
#include <cstdint>
#include <map>
#include <string>

#include "engine/tensor.h"

namespace nst {

struct OptimizerState {
  std::string optimizer;                  // Optimizer::name() of the optimizer that exported it
  std::map<std::string, Tensor> tensors;  // on the host
  std::map<std::string, double> scalars;  // exact for integers up to 2^53 and for every float

  // The tensor called `name`, checked to have `shape`; throws an nst::Error naming what is missing
  // or different (the state came from a file).
  const Tensor& tensor(const std::string& name, const Shape& shape) const;
  // The scalar called `name`; throws when it is missing.
  double scalar(const std::string& name) const;
  // The scalar called `name`, checked to be an integer in [low, high].
  std::int64_t integer(const std::string& name, std::int64_t low, std::int64_t high) const;
  // Throws unless `optimizer` is `expected`.
  void check_optimizer(const std::string& expected) const;
  // Throws unless the scalar `name` (a setting saved with the state: "learning_rate") is `here`,
  // this run's value, naming both ("lbfgs state: learning rate 0.5, this run has 1").
  void check_same_setting(const std::string& name, double here) const;
};

}  // namespace nst

#pragma once
// Optimizer: moves the generated image downhill on an objective, one iteration at a time.
// iterate() evaluates the objective as often as the method needs: once, then step(), for a method
// without a line search (the default); more for L-BFGS with one (layers/lbfgs.h).
// Implementations keep all their state on x's device, allocate it at the first step and reuse it.
#include <string>

#include "engine/tensor.h"
#include "layers/objective.h"
#include "layers/optimizer_state.h"

namespace nst {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Given x and the gradient of the objective at x, move x (in place) one step.
  virtual void step(Tensor& x, const Tensor& gradient) = 0;
  // One iteration from x. On return `gradient` and objective.value() are those of the last
  // point evaluated.
  virtual void iterate(Objective& objective, Tensor& x, Tensor& gradient) {
    objective.evaluate(x, gradient);
    step(x, gradient);
  }
  // Whether iterate() ends with the objective evaluated at the new x (its last evaluation is
  // there), rather than at the x it started from.
  virtual bool ends_evaluated_at_x() const { return false; }
  virtual std::string name() const = 0;
  // Whether the next step enqueues exactly the device work of every step after it (same kernels,
  // same arguments, host state unchanged by it), so that it may be recorded once as a CUDA graph
  // and replayed.
  virtual bool next_step_is_stationary() const = 0;

  // Everything the steps after this one depend on, copied to the host (a checkpoint). With a
  // CUDA graph replaying the steps, host counters advanced only while the graph was recorded, so
  // an implementation must export only host state that replays leave valid.
  virtual OptimizerState export_state() const = 0;
  // Makes this optimizer (fresh, no step taken) continue where the exporter stopped, with its state
  // copied to x's device: the steps that follow give the same bits as the exporter's would have.
  // Throws an nst::Error naming what does not fit (another optimizer, another shape of x, other
  // options); the optimizer is then unchanged.
  virtual void import_state(const OptimizerState& state, const Tensor& x) = 0;
};

}  // namespace nst

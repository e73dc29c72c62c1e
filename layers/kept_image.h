#pragma once
// Which image a run gives back (docs/MATH.md §5.4). An optimizer's last iterate is not always its
// best: Adam at its default rate keeps oscillating, and the loss of the last image can be 25% above
// one a few hundred iterations earlier. So the loop can keep instead
//   best:    the image of lowest loss among all those evaluated, chosen on the device (a
//            compare-and-copy after each evaluation, ops::keep_if_lower; no host read);
//   average: a bias-corrected exponential moving average of the iterates x_k (as Adam's moments,
//            and crowsonkb/style-transfer-pytorch's iterate averaging):
//              a_k = δ·a_{k−1} + (1 − δ)·x_k,  a_{−1} = 0,  image = a_k / (1 − δ^{k+1}),  δ = 0.99,
//            which smooths the oscillation out (about the last 1/(1 − δ) = 100 iterates count);
//   last:    the last iterate.
// Costs: best and average one image-sized buffer each (best: a copy only when the loss falls).
// It also counts the evaluations, which number the candidates for best. Its state goes into a
// run's checkpoint (layers/checkpoint.h), so that a resumed run keeps the image an uninterrupted
// one would.
#include <cstdint>
#include <string>

#include "engine/tensor.h"
#include "layers/optimizer_state.h"

namespace nst {

enum class KeepImage { last, best, average };

KeepImage parse_keep_image(const std::string& name);  // "last", "best", "ema"
std::string to_string(KeepImage keep);

constexpr float kIterateAverageDecay = 0.99f;  // δ

class KeptImage {
 public:
  KeptImage(KeepImage keep, const Tensor& initial);

  KeepImage keep() const { return keep_; }
  // After the objective was evaluated at x, its value `loss` still on the device.
  void evaluated(const Tensor& loss, const Tensor& x);
  // After a CUDA graph replayed one recorded iteration (one evaluated() and one iterated(), whose
  // device work the graph holds): the host's part of both, the count and δ^{k+1}.
  void replayed_iteration();
  // After an iteration moved x.
  void iterated(const Tensor& x);

  // The evaluations counted, those before a resume included.
  std::int64_t evaluations() const { return evaluations_; }
  // best: the evaluation (1-based) whose image is kept; reads a scalar from the device, for the
  // end of a run.
  std::int64_t best_evaluation() const;
  // The kept image: x itself for last; for best and average, a copy made now into `out`.
  void copy_to(Tensor& out) const;

  // For a checkpoint: the state on the host, named "keep <last|best|ema>" (tensors: best's "image"
  // and "best" {loss, evaluation, count}, ema's "average"; scalars: "evaluations", ema's
  // "decay_power"). import_state takes one into a KeptImage made for the same keep and an image of
  // the same shape, checking everything before it changes anything; throws an nst::Error naming
  // what does not fit.
  OptimizerState export_state() const;
  void import_state(const OptimizerState& state);

 private:
  KeepImage keep_;
  Tensor best_image_, best_state_;  // best: ops::keep_if_lower's image and {loss, evaluation, count}
  Tensor average_;                  // average: a_k
  double decay_power_ = 1.0;        // δ^{k+1}, on the host: the same at every step, so no kernel needs it
  std::int64_t evaluations_ = 0;
};

}  // namespace nst

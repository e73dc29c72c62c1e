#pragma once
// The optimisation loop: let the optimizer evaluate J and dJ/dx and move x, repeat; then put the
// image the run keeps (layers/kept_image.h) in x and evaluate J there once more, so that the
// objective's losses are those of the image the run gives back.
// Nothing crosses to the host inside the loop unless the callback asks for it (read_losses(), or
// the image at a save point) or the optimizer's line search does (layers/lbfgs.h).
#include <cstddef>
#include <functional>
#include <string>

#include "engine/tensor.h"
#include "layers/kept_image.h"
#include "layers/objective.h"
#include "layers/optimizer.h"
#include "layers/style_objective.h"

namespace nst {

// Called after iteration `iteration` (1-based) has stepped x; objective.read_losses() then gives
// the losses of the iteration's last evaluation: at the start of the iteration for an optimizer
// that evaluates once per iteration, at the accepted step for L-BFGS with a line search.
using IterationCallback = std::function<void(int iteration, const Tensor& x)>;

struct LoopOptions {
  // On CUDA: once the optimizer's steps are stationary, record one iteration (objective and step)
  // as a CUDA graph and replay it for every iteration after, one launch instead of hundreds.
  bool cuda_graph = false;
  // The first iteration to run: 1, or k + 1 for a run resumed after iteration k with the optimizer's
  // state restored (apps/resume.h).
  int first_iteration = 1;
  KeepImage keep = KeepImage::last;  // which image ends in x (the first form of stylize() only)
  // Stop after the first iteration at which the objective has been evaluated this often (0: no
  // limit). An evaluation is one forward and one backward pass, what an iteration's time is spent
  // on, so this fixes a run's time across optimizers that evaluate once or more per iteration.
  // A resumed run counts the evaluations before the resume too (KeptImage::evaluations).
  std::int64_t max_evaluations = 0;
};

struct LoopReport {
  int iterations = 0;            // the last iteration run: below the asked when max_evaluations stopped the loop
  int replayed_iterations = 0;   // iterations run by replaying the graph
  std::size_t graph_nodes = 0;   // kernels and copies in the graph
  std::string graph_not_used;    // why no graph was used, if one was asked for
  std::int64_t evaluations = 0;  // of the objective, the final one and those before a resume included
  // The image left in x: the one of evaluation `kept_evaluation` (1-based; 0 for keep ema, an
  // average never evaluated in the loop), x after `kept_after_iterations` iterations, or −1 when it
  // was a line search's trial during iteration `kept_iteration`; or, kept_before_resume, an
  // evaluation of the run resumed (kept_iteration and kept_after_iterations: its last iteration).
  std::int64_t kept_evaluation = 0;
  int kept_after_iterations = 0;
  int kept_iteration = 0;
  bool kept_before_resume = false;
};

// Runs iterations options.first_iteration … `iterations`, keeping options.keep's image.
LoopReport stylize(Objective& objective, Optimizer& optimizer, Tensor& x, int iterations,
                   const IterationCallback& after_iteration, LoopOptions options = {});
// The same with the caller's kept image (made for x; its state may come from a checkpoint, and the
// callback may export it for one).
LoopReport stylize(Objective& objective, Optimizer& optimizer, Tensor& x, KeptImage& kept, int iterations,
                   const IterationCallback& after_iteration, LoopOptions options = {});

// True when every loss is a finite number.
bool losses_are_finite(const LossValues& losses);

// The latest image of a run known to be finite, kept on the image's device without reading it
// back, so that a run that overflows can still give the user an image. It rests on two facts:
// a non-finite pixel never turns finite again (both optimizers move x by x ← x + step, and NaN
// or ±inf plus anything is not finite), and the losses read after iteration i are those of the
// image before its step, x_{i-1}, finite only when that image is. So finite losses read at i
// vouch for every image up to x_{i-1}, including the one copied when losses were last read.
// Costs: two image-sized buffers allocated up front, and one device copy per read of the losses.
class LastFiniteImage {
 public:
  // `initial`: the image before iteration 1, finite (it comes from an image file or the seed).
  explicit LastFiniteImage(const Tensor& initial);
  // After iteration `iteration` stepped x and its losses were read; `losses_finite` says whether
  // they were finite. Returns false when not (and keeps nothing new).
  bool losses_read(int iteration, bool losses_finite, const Tensor& x);
  // After iteration `iteration`, when x was found finite by other means (its values read for a
  // checkpoint).
  void finite_image(int iteration, const Tensor& x);
  // The latest image known finite, after the run has stopped. May read one image to the host,
  // to vouch for the image copied at the last read of the losses.
  const Tensor& image();
  int iteration() const { return confirmed_iteration_; }  // of image(): 0 for the initial image

 private:
  Tensor confirmed_;  // known finite
  Tensor pending_;    // copied at the last read of finite losses; finite or not, not yet known
  int confirmed_iteration_ = 0;
  int pending_iteration_ = -1;  // -1: nothing pending
};

}  // namespace nst

#include "layers/stylizer.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "engine/cuda_graph.h"
#include "engine/error.h"

namespace nst {

namespace {

// The objective as the optimizer sees it: every evaluation is also offered to the kept image (a
// device-side compare-and-copy for keep best), which counts it.
class ObservedObjective : public Objective {
 public:
  ObservedObjective(Objective& objective, KeptImage& kept) : objective_(objective), kept_(kept) {}

  void evaluate(const Tensor& x, Tensor& gradient) override {
    objective_.evaluate(x, gradient);
    kept_.evaluated(objective_.value(), x);
  }
  const Tensor& value() const override { return objective_.value(); }

 private:
  Objective& objective_;
  KeptImage& kept_;
};

// The iteration during which evaluation `evaluation` ran, given the evaluations counted after each
// iteration from `first_iteration` on; one past the last for an evaluation after the loop.
int iteration_of(std::int64_t evaluation, const std::vector<std::int64_t>& evaluations_after, int first_iteration) {
  const auto after = std::lower_bound(evaluations_after.begin(), evaluations_after.end(), evaluation);
  return static_cast<int>(after - evaluations_after.begin()) + first_iteration;
}

}  // namespace

LoopReport stylize(Objective& objective, Optimizer& optimizer, Tensor& x, int iterations,
                   const IterationCallback& after_iteration, LoopOptions options) {
  KeptImage kept(options.keep, x);
  return stylize(objective, optimizer, x, kept, iterations, after_iteration, options);
}

LoopReport stylize(Objective& objective, Optimizer& optimizer, Tensor& x, KeptImage& kept, int iterations,
                   const IterationCallback& after_iteration, LoopOptions options) {
  NST_CHECK(iterations >= 0, "iterations must not be negative, got " << iterations);
  options.keep = kept.keep();
  Tensor gradient(x.shape(), x.device());  // allocated once, reused by every iteration
  ObservedObjective observed(objective, kept);
  const std::int64_t evaluations_before = kept.evaluations();  // those of the run resumed
  const auto iterate = [&] {
    optimizer.iterate(observed, x, gradient);
    kept.iterated(x);
  };

  LoopReport report;
  std::vector<std::int64_t> evaluations_after;  // [i − first]: evaluations counted after iteration i
  report.iterations = options.first_iteration - 1;
  std::optional<CudaGraph> graph;
  bool graph_wanted = options.cuda_graph && x.device() == Device::cuda;
  if (options.cuda_graph && !graph_wanted) report.graph_not_used = "CUDA graphs need the image on the GPU";
  for (int iteration = options.first_iteration; iteration <= iterations; ++iteration) {
    bool recorded_now = false;
    if (graph_wanted && optimizer.next_step_is_stationary()) {
      graph_wanted = false;  // one try: a failure says why and the loop goes on without
      try {
        graph = CudaGraph::capture(iterate);
        report.graph_nodes = graph->nodes();
        recorded_now = true;
      } catch (const Error& e) {
        report.graph_not_used = e.message();
      }
    }
    if (graph) {
      graph->replay();
      ++report.replayed_iterations;
      // The host's part of the kept image's bookkeeping ran while the graph recorded; later replays
      // repeat only the device's (a stationary iteration evaluates once: next_step_is_stationary).
      if (!recorded_now) kept.replayed_iteration();
    } else {
      iterate();
    }
    evaluations_after.push_back(kept.evaluations());
    report.iterations = iteration;
    if (after_iteration) after_iteration(iteration, x);
    if (options.max_evaluations > 0 && kept.evaluations() >= options.max_evaluations) break;
  }
  iterations = report.iterations;
  if (options.cuda_graph && !graph && report.graph_not_used.empty())
    report.graph_not_used = optimizer.name() +
                            "'s steps were not stationary (lbfgs's are from the third "
                            "iteration on, without a line search; adam's never are: its step count is a kernel "
                            "argument)";

  // The image to give back, evaluated, so that the objective's losses are its own. The last
  // iterate's evaluation is also the last candidate for keep best.
  if (options.keep != KeepImage::average && !optimizer.ends_evaluated_at_x()) observed.evaluate(x, gradient);
  report.evaluations = kept.evaluations();
  report.kept_evaluation = kept.evaluations();
  if (options.keep == KeepImage::best) report.kept_evaluation = kept.best_evaluation();
  if (options.keep == KeepImage::average) report.kept_evaluation = 0;
  if (report.kept_evaluation != kept.evaluations()) {
    kept.copy_to(x);
    objective.evaluate(x, gradient);
    ++report.evaluations;
  }
  report.kept_iteration = iterations;
  report.kept_after_iterations = iterations;
  if (options.keep == KeepImage::best && report.kept_evaluation <= evaluations_before) {
    // Kept from before a resume: which iteration it was is not in the checkpoint.
    report.kept_before_resume = true;
    report.kept_iteration = report.kept_after_iterations = options.first_iteration - 1;
  } else if (options.keep == KeepImage::best) {
    // Evaluation e ran during iteration i; an optimizer that evaluates at the start of an iteration
    // evaluated x_{i−1} there, one that ends evaluated at x evaluated x_i last and trials before it.
    report.kept_iteration = iteration_of(report.kept_evaluation, evaluations_after, options.first_iteration);
    const int i = report.kept_iteration;
    if (!optimizer.ends_evaluated_at_x())
      report.kept_after_iterations = i - 1;
    else if (i > iterations ||
             report.kept_evaluation == evaluations_after[static_cast<std::size_t>(i - options.first_iteration)])
      report.kept_after_iterations = std::min(i, iterations);
    else
      report.kept_after_iterations = -1;
  }
  return report;
}

bool losses_are_finite(const LossValues& losses) {
  return std::isfinite(losses.total) && std::isfinite(losses.content) && std::isfinite(losses.style) &&
         std::isfinite(losses.tv);
}

LastFiniteImage::LastFiniteImage(const Tensor& initial)
    : confirmed_(initial.clone()), pending_(initial.shape(), initial.device()) {}

bool LastFiniteImage::losses_read(int iteration, bool losses_finite, const Tensor& x) {
  if (!losses_finite) return false;
  if (pending_iteration_ >= 0) {  // copied at an earlier read, so at most x_{iteration-1}: finite
    std::swap(confirmed_, pending_);
    confirmed_iteration_ = pending_iteration_;
  }
  pending_.copy_from(x);
  pending_iteration_ = iteration;
  return true;
}

void LastFiniteImage::finite_image(int iteration, const Tensor& x) {
  confirmed_.copy_from(x);
  confirmed_iteration_ = iteration;
  if (pending_iteration_ <= iteration) pending_iteration_ = -1;  // older than what is now confirmed
}

const Tensor& LastFiniteImage::image() {
  if (pending_iteration_ > confirmed_iteration_) {
    const std::vector<float> values = pending_.to_host();  // once, after the run: not a per-iteration read
    if (std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); })) {
      std::swap(confirmed_, pending_);
      confirmed_iteration_ = pending_iteration_;
    }
    pending_iteration_ = -1;
  }
  return confirmed_;
}

}  // namespace nst

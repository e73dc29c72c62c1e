#include "layers/stylizer.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "engine/cuda_graph.h"
#include "engine/error.h"

namespace nst {

LoopReport stylize(StyleObjective& objective, Optimizer& optimizer, Tensor& x, int iterations,
                   const IterationCallback& after_iteration, LoopOptions options) {
  NST_CHECK(iterations >= 0, "iterations must not be negative, got " << iterations);
  Tensor gradient(x.shape(), x.device());  // allocated once, reused by every iteration
  const auto iterate = [&] {
    objective.evaluate(x, gradient);
    optimizer.step(x, gradient);
  };

  LoopReport report;
  std::optional<CudaGraph> graph;
  bool graph_wanted = options.cuda_graph && x.device() == Device::cuda;
  if (options.cuda_graph && !graph_wanted) report.graph_not_used = "CUDA graphs need the image on the GPU";
  for (int iteration = options.first_iteration; iteration <= iterations; ++iteration) {
    if (graph_wanted && optimizer.next_step_is_stationary()) {
      graph_wanted = false;  // one try: a failure says why and the loop goes on without
      try {
        graph = CudaGraph::capture(iterate);
        report.graph_nodes = graph->nodes();
      } catch (const Error& e) {
        report.graph_not_used = e.message();
      }
    }
    if (graph) {
      graph->replay();
      ++report.replayed_iterations;
    } else {
      iterate();
    }
    if (after_iteration) after_iteration(iteration, x);
  }
  if (options.cuda_graph && !graph && report.graph_not_used.empty())
    report.graph_not_used = optimizer.name() + "'s steps were not stationary (lbfgs's are from the third "
                            "iteration on; adam's never are: its step count is a kernel argument)";
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

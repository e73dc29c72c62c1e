#pragma once
// Progress of a run. On a terminal: one live line, rewritten every iteration (iteration, the
// latest losses, iterations per second, time left). Otherwise: a plain log line every time
// losses are reported.
#include <chrono>
#include <cstdio>
#include <optional>

#include "layers/style_objective.h"

namespace nst {

class ProgressReporter {
 public:
  ProgressReporter(int iterations, std::FILE* out, bool live);
  // After `iteration`; `losses` when they were read this iteration.
  void update(int iteration, const std::optional<LossValues>& losses);
  // Ends the live line.
  void finish();
  // Seconds since construction.
  double elapsed_seconds() const;

 private:
  int iterations_;
  std::FILE* out_;
  bool live_;
  std::optional<LossValues> last_losses_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace nst

#pragma once
// Progress of a run (or of one scale of a coarse-to-fine run). On a terminal: one live line,
// rewritten every iteration (the scale, the iteration, the latest losses, iterations per second,
// time left). Otherwise: a plain log line every time losses are reported.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "layers/style_objective.h"

namespace nst {

class ProgressReporter {
 public:
  // Reports iterations first_iteration … iterations, each line starting with `label` ("scale 2/3
  // (512x384) ", or "").
  ProgressReporter(int iterations, std::FILE* out, bool live, int first_iteration = 1, std::string label = "");
  // After `iteration`; `losses` when they were read this iteration.
  void update(int iteration, const std::optional<LossValues>& losses);
  // Ends the live line.
  void finish();
  // Seconds since construction.
  double elapsed_seconds() const;

 private:
  std::string label_;
  int iterations_;
  int first_iteration_;
  std::FILE* out_;
  bool live_;
  std::optional<LossValues> last_losses_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace nst

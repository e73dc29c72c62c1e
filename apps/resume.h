#pragma once
// --save-every's state files and --resume: a run saved at iteration k continues to --iterations with
// the bits it would have had without stopping (on one device type; bit for bit on the CPU).
#include <string>

#include "engine/tensor.h"
#include "layers/checkpoint.h"
#include "layers/optimizer.h"

namespace nst {

// "out.png", 100 → "out_100.nstate", beside "out_100.png"
std::string state_path(const std::string& output, int iteration);

// Writes each checkpoint's state file, and removes the one before it once the new one is whole: a
// state file holds the optimizer's history (L-BFGS: 2·history vectors the size of the image), and
// only the latest is needed to resume.
class StateSaver {
 public:
  StateSaver(std::string output, RunSettings settings);
  // x after `iteration`, on the host; the optimizer after the step of `iteration`.
  void save(int iteration, const Tensor& x, const Optimizer& optimizer);

 private:
  std::string output_;
  RunSettings settings_;
  std::string previous_;  // the last file written, "" before the first
};

// Reads the checkpoint at `path`, checks that it was saved by a run with these `settings` and can
// continue to `iterations`, and moves its state into `optimizer` (fresh) and its image into x (on
// x's device). Returns the iteration it was saved at. Throws an nst::Error naming `path` and what
// does not fit, with x and the optimizer unchanged.
int resume_from(const std::string& path, const RunSettings& settings, int iterations, Tensor& x, Optimizer& optimizer);

}  // namespace nst

#pragma once
// --save-every's state files and --resume: a run saved at iteration k of scale s continues to
// --iterations there, then through the scales after it, with the bits it would have had without
// stopping (on one device type; bit for bit on the CPU). A scale optimised in tiles is saved at the
// ends of its passes (apps/tiled_run.h), its state the tiles' layout and the passes done.
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "layers/checkpoint.h"
#include "layers/kept_image.h"
#include "layers/optimizer.h"
#include "layers/scales.h"
#include "layers/tile_geometry.h"

namespace nst {

// Where a run stands: iteration `iteration` of scale `scale` (1-based) of `scales`.
struct RunPoint {
  int scale = 1;
  int scales = 1;
  int iteration = 0;
};

// The name of a checkpoint's files beside the output, without extension: "out.png" at iteration
// 100 → "out_100"; in a run over several scales, at scale 2 → "out_s2_100".
std::string checkpoint_stem(const std::string& output, const RunPoint& point);
// checkpoint_stem + the output's extension: the image. checkpoint_stem + ".nstate": the state.
std::string checkpoint_image_path(const std::string& output, const RunPoint& point);
std::string state_path(const std::string& output, const RunPoint& point);

// Writes each checkpoint's state file, and removes the one before it once the new one is whole: a
// state file holds the optimizer's history (L-BFGS: 2·history vectors the size of the image), and
// only the latest is needed to resume.
class StateSaver {
 public:
  StateSaver(std::string output, RunSettings settings);
  // x after `point`, on the host; the optimizer and the kept image after the step of that iteration.
  void save(const RunPoint& point, const Tensor& x, const Optimizer& optimizer, const KeptImage& kept);
  // x after `point`, the end of a pass of a tiled scale; `tiles` its tiled_scale_state.
  void save_tiled(const RunPoint& point, const Tensor& x, OptimizerState tiles);

 private:
  std::string output_;
  RunSettings settings_;
  std::string previous_;  // the last file written, "" before the first

  void write(const RunPoint& point, const Checkpoint& checkpoint);
};

// The state of a tiled scale after `passes_done` of its `passes` passes, in the place of the
// optimizer's (each visit's optimizer starts afresh and each pass recomputes G^l from x, so nothing
// else carries over): "tiles", with the layout and the passes as scalars.
OptimizerState tiled_scale_state(const TileLayout& layout, int passes, int passes_done);
bool is_tiled_scale_state(const OptimizerState& state);
// The passes done that `state` (read from `path`) records, after checking that it was saved with
// this `layout` and number of `passes`; throws an nst::Error naming `path` and what differs.
int tiled_passes_done(const OptimizerState& state, const TileLayout& layout, int passes, const std::string& path);

// Reads the checkpoint at `path`, checks that it was saved by a run with these `settings` and that
// its scale and iteration lie in `schedule` with iterations left there, and moves its state into
// `optimizer` (fresh) and its image into x (on x's device, at the scale's size), and gives the
// kept image's state in `kept` (for KeptImage::import_state at the start of the scale resumed).
// A checkpoint of a tiled scale leaves the optimizer as it is and gives its tiled_scale_state in
// `kept`, for the scale to check against its own tiles. Returns where it was saved. Throws an
// nst::Error naming `path` and what does not fit, with x and the optimizer unchanged; a file of
// format version 1 or 2, which has no kept image state, is refused.
RunPoint resume_from(const std::string& path, const RunSettings& settings, const std::vector<Scale>& schedule,
                     Tensor& x, Optimizer& optimizer, OptimizerState& kept);

}  // namespace nst

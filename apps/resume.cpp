#include "apps/resume.h"

#include <cstdio>
#include <filesystem>
#include <utility>

#include "apps/output_file.h"
#include "engine/error.h"

namespace nst {

std::string checkpoint_stem(const std::string& output, const RunPoint& point) {
  const std::filesystem::path p(output);
  const std::string scale = point.scales > 1 ? "_s" + std::to_string(point.scale) : "";
  return (p.parent_path() / (p.stem().string() + scale + "_" + std::to_string(point.iteration))).string();
}

std::string checkpoint_image_path(const std::string& output, const RunPoint& point) {
  return checkpoint_stem(output, point) + std::filesystem::path(output).extension().string();
}

std::string state_path(const std::string& output, const RunPoint& point) {
  return checkpoint_stem(output, point) + ".nstate";
}

StateSaver::StateSaver(std::string output, RunSettings settings)
    : output_(std::move(output)), settings_(std::move(settings)) {}

void StateSaver::save(const RunPoint& point, const Tensor& x, const Optimizer& optimizer, const KeptImage& kept) {
  write(point, Checkpoint{point.iteration, point.scale, settings_, x.to(Device::cpu), optimizer.export_state(),
                          kept.export_state()});
}

void StateSaver::save_tiled(const RunPoint& point, const Tensor& x, OptimizerState tiles) {
  OptimizerState also_kept{tiles.optimizer, {}, tiles.scalars};  // no kept image: each visit keeps its own
  write(point,
        Checkpoint{point.iteration, point.scale, settings_, x.to(Device::cpu), std::move(tiles), std::move(also_kept)});
}

void StateSaver::write(const RunPoint& point, const Checkpoint& checkpoint) {
  const std::string path = state_path(output_, point);
  write_file_atomically(path, "checkpoint", [&](std::FILE* out) { write_checkpoint(checkpoint, out, path); });
  if (!previous_.empty() && previous_ != path) std::remove(previous_.c_str());
  previous_ = path;
}

namespace {

constexpr const char* kTiledScale = "tiles";

}  // namespace

OptimizerState tiled_scale_state(const TileLayout& layout, int passes, int passes_done) {
  OptimizerState state;
  state.optimizer = kTiledScale;
  state.scalars = {{"core", double(layout.core)},
                   {"overlap", double(layout.overlap)},
                   {"margin", double(layout.margin)},
                   {"passes", double(passes)},
                   {"passes_done", double(passes_done)}};
  return state;
}

bool is_tiled_scale_state(const OptimizerState& state) { return state.optimizer == kTiledScale; }

int tiled_passes_done(const OptimizerState& state, const TileLayout& layout, int passes, const std::string& path) {
  try {
    state.check_optimizer(kTiledScale);
    state.check_same_setting("core", double(layout.core));
    state.check_same_setting("overlap", double(layout.overlap));
    state.check_same_setting("margin", double(layout.margin));
    state.check_same_setting("passes", double(passes));
    return static_cast<int>(state.integer("passes_done", 1, passes - 1));
  } catch (const Error& e) {
    NST_FAIL("checkpoint " << path << ": " << e.message()
                           << " (the tiles follow --tile-size, --max-memory and --tile-passes: give the saved run's)");
  }
}

RunPoint resume_from(const std::string& path, const RunSettings& settings, const std::vector<Scale>& schedule,
                     Tensor& x, Optimizer& optimizer, OptimizerState& kept) {
  Checkpoint checkpoint = read_checkpoint(path);
  NST_CHECK(checkpoint.version >= 3, "checkpoint " << path << ": format version " << checkpoint.version
                                                   << ", written by an older nst that did not save the image --keep "
                                                      "gives back; this one cannot continue it as the run that never "
                                                      "stopped would: start the run again");
  check_same_run(checkpoint, settings, path);
  const int scales = static_cast<int>(schedule.size());
  NST_CHECK(checkpoint.scale <= scales, "checkpoint " << path << " was saved at scale " << checkpoint.scale
                                                      << ": this run has " << scales << " scale"
                                                      << (scales > 1 ? "s" : ""));
  const Scale& scale = schedule[static_cast<std::size_t>(checkpoint.scale - 1)];
  const std::string at_scale = scales > 1 ? " of scale " + std::to_string(checkpoint.scale) : "";
  const std::string option = scales > 1 && checkpoint.scale == scales ? "--last-scale-iterations " : "--iterations ";
  NST_CHECK(checkpoint.iteration < scale.iterations,
            "checkpoint " << path << " was saved at iteration " << checkpoint.iteration << at_scale << ": " << option
                          << scale.iterations << " leaves nothing to continue");
  const Shape shape{1, 3, scale.size.height, scale.size.width};
  NST_CHECK(checkpoint.image.shape() == shape, "checkpoint " << path << ": its image is "
                                                             << to_string(checkpoint.image.shape()) << ", this run's"
                                                             << at_scale << " is " << to_string(shape));
  Tensor image = checkpoint.image.to(x.device());
  const bool tiled = is_tiled_scale_state(checkpoint.optimizer);
  try {
    if (!tiled) optimizer.import_state(checkpoint.optimizer, image);
  } catch (const Error& e) {
    NST_FAIL("checkpoint " << path << ": " << e.message());
  }
  x = std::move(image);
  kept = std::move(tiled ? checkpoint.optimizer : checkpoint.kept);
  return RunPoint{checkpoint.scale, scales, checkpoint.iteration};
}

}  // namespace nst

#include "apps/resume.h"

#include <cstdio>
#include <filesystem>
#include <utility>

#include "apps/image.h"
#include "engine/error.h"

namespace nst {

std::string state_path(const std::string& output, int iteration) {
  const std::filesystem::path p(output);
  return (p.parent_path() / (p.stem().string() + "_" + std::to_string(iteration) + ".nstate")).string();
}

StateSaver::StateSaver(std::string output, RunSettings settings)
    : output_(std::move(output)), settings_(std::move(settings)) {}

void StateSaver::save(int iteration, const Tensor& x, const Optimizer& optimizer) {
  Checkpoint checkpoint{iteration, settings_, x.to(Device::cpu), optimizer.export_state()};
  const std::string path = state_path(output_, iteration);
  write_file_atomically(path, [&](std::FILE* out) { write_checkpoint(checkpoint, out, path); });
  if (!previous_.empty() && previous_ != path) std::remove(previous_.c_str());
  previous_ = path;
}

int resume_from(const std::string& path, const RunSettings& settings, int iterations, Tensor& x, Optimizer& optimizer) {
  const Checkpoint checkpoint = read_checkpoint(path);
  check_same_run(checkpoint, settings, path);
  NST_CHECK(checkpoint.iteration < iterations, "checkpoint " << path << " was saved at iteration "
                                                             << checkpoint.iteration << ": --iterations " << iterations
                                                             << " leaves nothing to continue");
  NST_CHECK(checkpoint.image.shape() == x.shape(), "checkpoint " << path << ": its image is "
                                                                 << to_string(checkpoint.image.shape())
                                                                 << ", this run's is " << to_string(x.shape()));
  Tensor image = checkpoint.image.to(x.device());
  try {
    optimizer.import_state(checkpoint.optimizer, image);
  } catch (const Error& e) {
    NST_FAIL("checkpoint " << path << ": " << e.message());
  }
  x = std::move(image);
  return checkpoint.iteration;
}

}  // namespace nst

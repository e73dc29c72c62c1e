#include "weights/default_weights_path.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "engine/error.h"

namespace nst {

namespace fs = std::filesystem;

namespace {

std::string environment_variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

WeightsSearchPlaces WeightsSearchPlaces::from_environment(const std::string& option) {
  WeightsSearchPlaces places;
  places.option = option;
  places.environment = environment_variable("NST_WEIGHTS");
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);  // Linux; elsewhere unknown
  if (!error) places.executable_dir = executable.parent_path().string();
  places.xdg_data_home = environment_variable("XDG_DATA_HOME");
  places.home = environment_variable("HOME");
  return places;
}

std::vector<std::string> default_weights_candidates(const WeightsSearchPlaces& places) {
  std::vector<std::string> candidates;
  if (!places.executable_dir.empty()) {
    const fs::path dir(places.executable_dir);
    candidates.push_back((dir.parent_path() / "weights" / kDefaultWeightsFileName).string());
    candidates.push_back((dir / "weights" / kDefaultWeightsFileName).string());
  }
  // The XDG spec: an unset, empty or relative $XDG_DATA_HOME means $HOME/.local/share.
  if (!places.xdg_data_home.empty() && fs::path(places.xdg_data_home).is_absolute())
    candidates.push_back((fs::path(places.xdg_data_home) / "nst" / kDefaultWeightsFileName).string());
  else if (!places.home.empty())
    candidates.push_back((fs::path(places.home) / ".local/share/nst" / kDefaultWeightsFileName).string());
  candidates.push_back((fs::path("weights") / kDefaultWeightsFileName).string());
  return candidates;
}

std::string find_weights_file(const WeightsSearchPlaces& places) {
  if (!places.option.empty()) return places.option;
  if (!places.environment.empty()) return places.environment;
  const std::vector<std::string> candidates = default_weights_candidates(places);
  std::string looked;
  for (const std::string& candidate : candidates) {
    std::error_code error;
    if (fs::is_regular_file(candidate, error)) return candidate;
    looked += (looked.empty() ? "" : ", ") + candidate;
  }
  NST_FAIL("no VGG19 weights file found; looked (no --weights, no $NST_WEIGHTS) in: "
           << looked << ". Fix: run weights/fetch_vgg19_weights.sh in the checkout (it downloads "
           << kDefaultWeightsFileName << " into weights/), or fetch_vgg19_weights.sh ~/.local/share/nst/ to "
           << "use it from any folder, or pass --weights FILE, or set NST_WEIGHTS=FILE");
}

}  // namespace nst

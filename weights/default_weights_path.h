#pragma once
// Which weights file nst reads when the user names none. In order: --weights, $NST_WEIGHTS (each
// taken as given, the user's explicit choice), then the first that exists of
//   <exe_dir>/../weights/F   the checkout's weights/ beside build/nst
//   <exe_dir>/weights/F      an install that keeps weights/ beside the binary
//   $XDG_DATA_HOME/nst/F     per-user data (default ~/.local/share/nst/F, XDG Base Directory spec)
//   weights/F                relative to the current folder (the checkout, when run from it)
// with F = vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5. When none exists the error lists
// every place looked and the fixes.
#include <string>
#include <vector>

namespace nst {

inline constexpr const char* kDefaultWeightsFileName = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5";

// What the search depends on, gathered from the process (from_environment) or given by a test.
struct WeightsSearchPlaces {
  std::string option;          // --weights, "" when not given
  std::string environment;     // $NST_WEIGHTS, "" when unset
  std::string executable_dir;  // the folder of the running binary, "" when unknown
  std::string xdg_data_home;   // $XDG_DATA_HOME, "" when unset
  std::string home;            // $HOME, "" when unset

  static WeightsSearchPlaces from_environment(const std::string& option);
};

// The default places, in the order searched (those that can be formed: no $HOME, no XDG place).
std::vector<std::string> default_weights_candidates(const WeightsSearchPlaces& places);

// The weights file to read: the option, else the environment, else the first default candidate
// that exists. Throws nst::Error listing the candidates and the fixes when none does.
std::string find_weights_file(const WeightsSearchPlaces& places);

}  // namespace nst

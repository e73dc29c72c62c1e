#include "layers/taps.h"

#include <sstream>

#include "engine/error.h"
#include "weights/vgg19_spec.h"

namespace nst {

Tap parse_tap(const std::string& name) {
  const auto& specs = vgg19_conv_specs();
  for (int i = 0; i < static_cast<int>(specs.size()); ++i) {
    const std::string& conv = specs[static_cast<std::size_t>(i)].short_name;  // "conv3_2"
    if (name == conv) return Tap{name, i, true};
    if (name == "relu" + conv.substr(4)) return Tap{name, i, false};
  }
  NST_FAIL("unknown VGG19 layer '" << name << "': use " << valid_tap_names());
}

std::vector<Tap> parse_taps(const std::string& names) {
  std::vector<Tap> taps;
  std::stringstream in(names);
  std::string item;
  while (std::getline(in, item, ',')) {
    NST_CHECK(!item.empty(), "empty layer name in the list '" << names << "'");
    taps.push_back(parse_tap(item));
  }
  NST_CHECK(!taps.empty(), "no layer names in '" << names << "'");
  return taps;
}

std::string valid_tap_names() {
  std::string names;
  for (const VggConvSpec& spec : vgg19_conv_specs())
    names += (names.empty() ? "relu" : ", relu") + spec.short_name.substr(4);
  return names + " (or conv1_1 … conv5_4 for the same layer before its ReLU)";
}

std::string join_tap_names(const std::vector<Tap>& taps) {
  std::string joined;
  for (const Tap& tap : taps) joined += (joined.empty() ? "" : ",") + tap.name;
  return joined;
}

}  // namespace nst

#include "apps/run_settings.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "engine/error.h"

namespace nst {

namespace {

std::string exact(double value) {  // 9 significant digits: every float reads back as itself
  std::ostringstream out;
  out.precision(9);
  out << value;
  return out.str();
}

std::string exact_list(const std::vector<float>& values, const std::string& when_empty) {
  if (values.empty()) return when_empty;
  std::string text;
  for (const float v : values) text += (text.empty() ? "" : ",") + exact(v);
  return text;
}

std::string hex(std::uint64_t value) {
  char text[20];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// "400x300 pixels 89ab…": the image's size and a fingerprint of its values.
std::string describe_pixels(const Tensor& image) {
  const std::vector<float> values = image.to_host();
  Fnv1a64 fingerprint;
  fingerprint.add(values.data(), values.size() * sizeof(float));
  return std::to_string(image.dim(3)) + "x" + std::to_string(image.dim(2)) + " pixels " + hex(fingerprint.hash);
}

std::string describe_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  const int open_errno = errno;
  NST_CHECK(file, "weights " << path << ": cannot open: " << std::strerror(open_errno));
  Fnv1a64 fingerprint;
  std::size_t size = 0, got = 0;
  std::vector<char> chunk(1 << 16);
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file)) > 0) {
    fingerprint.add(chunk.data(), got);
    size += got;
  }
  std::fclose(file);
  return std::to_string(size) + " bytes " + hex(fingerprint.hash);
}

}  // namespace

RunSettings run_settings(const Options& o, Device device, const Tensor& content, const std::vector<Tensor>& styles,
                         const std::vector<Tap>& content_taps, const std::vector<Tap>& style_taps,
                         const std::vector<Scale>& schedule) {
  std::string style_pixels;
  for (const Tensor& style : styles) style_pixels += (style_pixels.empty() ? "" : ", ") + describe_pixels(style);
  RunSettings settings{
      {"--device", to_string(device)},
      {"--content", describe_pixels(content)},
      {"--style", style_pixels},
      {"--style-blend-weights", exact_list(o.style_blend_weights, "equal")},
      {"--weights", describe_file(o.weights)},
      {"--content-layers", join_tap_names(content_taps)},
      {"--style-layers", join_tap_names(style_taps)},
      {"--style-layer-weights", exact_list(o.style_layer_weights, "all 1")},
      {"--content-weight", exact(o.content_weight)},
      {"--style-weight", exact(o.style_weight)},
      {"--tv-weight", exact(o.tv_weight)},
      {"--pooling", o.pooling},
      // The CPU computes in FP32 whatever --conv-math says: a CPU run resumes under any of them.
      {"--conv-math", device == Device::cuda ? o.conv_math : std::string("fp32 (the CPU's only arithmetic)")},
      {"--optimizer", o.optimizer},
      {"--learning-rate", o.learning_rate ? exact(*o.learning_rate) : "the optimizer's default"},
      {"--original-colors", o.original_colors ? "on" : "off"},
      {"--keep", o.keep},
      {"--pixel-bounds", o.pixel_bounds},
  };
  if (o.optimizer == "lbfgs") settings.emplace_back("--lbfgs-history", std::to_string(o.lbfgs_history));
  if (o.optimizer == "lbfgs") settings.emplace_back("--lbfgs-line-search", o.lbfgs_line_search);
  if (schedule.size() > 1) {  // a single scale adds nothing, so that single-scale checkpoints stay as they were
    std::string sizes;
    for (const Scale& scale : schedule)
      sizes += (sizes.empty() ? "" : ", ") + std::to_string(scale.size.width) + "x" + std::to_string(scale.size.height);
    settings.emplace_back("--scales", sizes);
  }
  return settings;
}

}  // namespace nst

#include "layers/memory_estimate.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "engine/error.h"
#include "engine/ops/conv2d.h"
#include "kernels/gram.h"
#include "weights/vgg19_spec.h"

namespace nst {

namespace {

constexpr std::int64_t kImageChannels = 3;

std::int64_t pixels(PlaneSize s) { return s.height * s.width; }

// One image in VGG's input space, (1, 3, H, W).
Shape image_shape(PlaneSize s) { return {1, kImageChannels, s.height, s.width}; }

int depth_of(const RunMemoryConfig& config) {
  int deepest = 0;
  for (const auto* taps : {&config.content_taps, &config.style_taps})
    for (const Tap& tap : *taps) deepest = std::max(deepest, tap.conv_index);
  return deepest + 1;
}

bool has_conv_tap(const RunMemoryConfig& config, int k) {
  for (const auto* taps : {&config.content_taps, &config.style_taps})
    for (const Tap& tap : *taps)
      if (tap.conv_index == k && tap.before_relu) return true;
  return false;
}

// The shape of conv layer k's output (and of its activation) for an input image of `size`: each
// pool before k halves H and W, rounding down (ops::pool2d, 2×2 stride 2).
Shape layer_shape(int k, PlaneSize size) {
  const auto& specs = vgg19_conv_specs();
  std::int64_t h = size.height, w = size.width;
  for (int j = 0; j < k; ++j)
    if (specs[static_cast<std::size_t>(j)].pool_after) h /= 2, w /= 2;
  return {1, specs[static_cast<std::size_t>(k)].out_channels, h, w};
}

Shape tap_shape(const Tap& tap, PlaneSize size) { return layer_shape(tap.conv_index, size); }

// The tensors Vgg19::forward allocates for an input of `size`, layer by layer: for conv k, its
// activation a_k and the gradient buffer dJ/da_k, z_k at a "conv…" tap, and after a block's last
// conv (unless it is the deepest) the pooled output and its gradient; then, on CUDA, the
// convolutions' split-K scratch (ops::conv2d_cuda_scratch_floats, the largest over the layers).
std::vector<std::vector<std::size_t>> network_tensors(const RunMemoryConfig& config, PlaneSize size) {
  const auto& specs = vgg19_conv_specs();
  const int depth = depth_of(config);
  std::vector<std::vector<std::size_t>> layers(static_cast<std::size_t>(depth));
  for (int k = 0; k < depth; ++k) {
    auto& tensors = layers[static_cast<std::size_t>(k)];
    const Shape shape = layer_shape(k, size);
    const std::size_t bytes = tensor_bytes(shape, config.device);
    tensors = {bytes, bytes};                               // activation, grad_activation
    if (has_conv_tap(config, k)) tensors.push_back(bytes);  // pre_activation
    if (specs[static_cast<std::size_t>(k)].pool_after && k + 1 < depth) {
      const std::size_t pooled = tensor_bytes({1, shape[1], shape[2] / 2, shape[3] / 2}, config.device);
      tensors.insert(tensors.end(), {pooled, pooled});  // pooled, grad_pooled
    }
  }
  if (config.device == Device::cuda) {
    std::int64_t floats = 1;
    for (int k = 0; k < depth; ++k) {
      const VggConvSpec& spec = specs[static_cast<std::size_t>(k)];
      Shape input = layer_shape(k, size);
      input[1] = spec.in_channels;
      floats = std::max(floats, ops::conv2d_cuda_scratch_floats(input, {spec.out_channels, spec.in_channels, 3, 3}));
    }
    layers.push_back({tensor_bytes({floats}, Device::cuda)});
  }
  return layers;
}

std::size_t total(const std::vector<std::vector<std::size_t>>& layers) {
  std::size_t sum = 0;
  for (const auto& tensors : layers)
    for (const std::size_t bytes : tensors) sum += bytes;
  return sum;
}

// The most the network holds while Vgg19::forward resizes its buffers from images of one size to
// another (`from` empty: from none): it replaces them in the order network_tensors lists them,
// each new tensor allocated before the old one is freed (Tensor's move assignment).
std::size_t resizing_bytes(const std::vector<std::vector<std::size_t>>& from,
                           const std::vector<std::vector<std::size_t>>& to) {
  if (from == to) return total(to);  // the same size: nothing is reallocated
  std::size_t held = total(from), peak = held;
  for (std::size_t k = 0; k < to.size(); ++k) {
    for (std::size_t i = 0; i < to[k].size(); ++i) {
      held += to[k][i];
      peak = std::max(peak, held);
      held -= from.empty() ? 0 : from[k][i];
    }
  }
  return peak;
}

// The CPU kernels' scratch (host_other): the largest im2col band plus the largest Winograd band over
// every convolution the run makes (forward and backward-data take the same band), and the C×C
// difference G − A of the largest style layer (kernels/cpu/losses.cpp, style_loss_backward_cpu).
std::size_t cpu_kernel_scratch(const RunMemoryConfig& config, const std::vector<PlaneSize>& sizes) {
  const auto& specs = vgg19_conv_specs();
  std::int64_t im2col = 0, winograd = 0, gram_difference = 0;
  for (const PlaneSize size : sizes) {
    for (int k = 0; k < depth_of(config); ++k) {
      const VggConvSpec& spec = specs[static_cast<std::size_t>(k)];
      Shape input = layer_shape(k, size);
      input[1] = spec.in_channels;
      if (input[2] == 0 || input[3] == 0) break;  // too small to reach layer k: the run will be refused
      const CpuConvScratch scratch = ops::conv2d_cpu_scratch(input, {spec.out_channels, spec.in_channels, 3, 3});
      std::int64_t& largest = scratch.winograd ? winograd : im2col;
      largest = std::max(largest, scratch.floats);
    }
  }
  for (const Tap& tap : config.style_taps) {
    const std::int64_t channels = specs[static_cast<std::size_t>(tap.conv_index)].out_channels;
    gram_difference = std::max(gram_difference, channels * channels);
  }
  return static_cast<std::size_t>(im2col + winograd + gram_difference) * sizeof(float);
}

// The CUDA Gram's split-K scratch (engine/ops/gram.cpp, kernels/gram.h), which StyleObjective holds:
// the largest over the style layers at every image size the run passes. (The reductions' scratch is
// not counted: the CUDA context allocates it with its stream, before any free memory is measured;
// engine/gpu.h, cuda_reduction_scratch.)
std::size_t cuda_gram_scratch(const RunMemoryConfig& config, const std::vector<PlaneSize>& sizes) {
  std::size_t largest = 0;
  for (const PlaneSize size : sizes)
    for (const Tap& tap : config.style_taps) {
      const Shape f = tap_shape(tap, size);
      if (f[2] == 0 || f[3] == 0) continue;  // too small to reach the layer: the run will be refused
      const std::int64_t floats = gram_split(f[1], f[2] * f[3]).scratch_floats();
      largest = std::max(largest, tensor_bytes({std::max<std::int64_t>(floats, 1)}, Device::cuda));
    }
  return largest;
}

// The optimizer's state on `device`, as the optimizer counts it.
std::size_t optimizer_state_bytes(const RunMemoryConfig& config, Device device) {
  const std::int64_t numel = numel_of(image_shape(config.image));
  if (const auto* lbfgs = std::get_if<LbfgsOptions>(&config.optimizer))
    return Lbfgs::state_bytes(numel, *lbfgs, device);
  return Adam::state_bytes(numel, std::get<AdamOptions>(config.optimizer), device);
}

}  // namespace

MemoryEstimate estimate_run_memory(const RunMemoryConfig& config) {
  NST_CHECK(!config.content_taps.empty() || !config.style_taps.empty(), "memory estimate: no layer to read");
  NST_CHECK(!config.styles.empty(), "memory estimate: no style image");
  const Device device = config.device;
  const auto& specs = vgg19_conv_specs();
  const int depth = depth_of(config);
  const std::size_t scalar = tensor_bytes({1}, device);
  const std::size_t image = tensor_bytes(image_shape(config.image), device);
  constexpr auto on_device = MemoryPlace::device_tensors, on_host = MemoryPlace::host_tensors,
                 host_other = MemoryPlace::host_other;

  // Resident, from the network's creation to the end of the run.
  std::size_t weights = 0, weights_as_read = 0, largest_layer_as_read = 0;
  for (int k = 0; k < depth; ++k) {
    const VggConvSpec& spec = specs[static_cast<std::size_t>(k)];
    const Shape kernel{spec.out_channels, spec.in_channels, 3, 3};
    weights += ops::PreparedConvWeights::bytes(kernel, {}, device);
    weights_as_read += tensor_bytes(kernel, Device::cpu) + tensor_bytes({spec.out_channels}, Device::cpu);
    // The reader's std::vectors for one layer, kernel and bias, before they become Tensors.
    largest_layer_as_read = std::max(largest_layer_as_read, (numel_of(kernel) + spec.out_channels) * sizeof(float));
  }
  // The images: the content and style images decoded (float RGB, std::vector), their VGG inputs,
  // the generated image x, and LastFiniteImage's two copies of it.
  std::size_t decoded = static_cast<std::size_t>(pixels(config.image) * kImageChannels) * sizeof(float);
  std::size_t image_tensors = 4 * image;
  for (const PlaneSize style : config.styles) {
    decoded += static_cast<std::size_t>(pixels(style) * kImageChannels) * sizeof(float);
    image_tensors += tensor_bytes(image_shape(style), device);
  }
  // StyleObjective: a^c(content) and a loss per content layer; A^l, G^l (C_l×C_l) and a loss per
  // style layer; the TV loss and three totals.
  std::size_t content_targets = 0, gram_targets = 4 * scalar, gram_temporary = 0;
  for (const Tap& tap : config.content_taps)
    content_targets += tensor_bytes(tap_shape(tap, config.image), device) + scalar;
  for (const Tap& tap : config.style_taps) {
    const std::int64_t channels = specs[static_cast<std::size_t>(tap.conv_index)].out_channels;
    gram_targets += 2 * tensor_bytes({1, channels, channels}, device) + scalar;
    gram_temporary = std::max(gram_temporary, tensor_bytes({1, channels, channels}, device));  // ops::gram(f)
  }
  const std::vector<MemoryPart> resident{{"weights", on_device, weights},
                                         {"image buffers", on_device, image_tensors},
                                         {"image buffers", host_other, decoded},
                                         {"content targets", on_device, content_targets},
                                         {"Gram targets", on_device, gram_targets}};

  // The passes that make the targets: content, each style in turn, then back to the content for
  // the loop's first forward (the gradient is allocated by then).
  std::vector<PlaneSize> sequence{config.image};
  sequence.insert(sequence.end(), config.styles.begin(), config.styles.end());
  sequence.push_back(config.image);
  std::size_t passes = 0;
  std::vector<std::vector<std::size_t>> previous;
  for (const PlaneSize size : sequence) {
    const auto current = network_tensors(config, size);
    passes = std::max(passes, resizing_bytes(previous, current));
    previous = current;
  }
  const std::size_t scratch = device == Device::cpu ? cpu_kernel_scratch(config, sequence) : 0;
  const std::size_t cuda_scratch = device == Device::cuda ? cuda_gram_scratch(config, sequence) : 0;

  // The output, at save points and at the end: x copied to the host, as a float RGB Image and
  // (with --original-colors) a second one, and 8-bit rows for the encoder.
  const std::size_t output_image = static_cast<std::size_t>(pixels(config.image) * kImageChannels);
  const std::vector<MemoryPart> output{{"image buffers", on_host, tensor_bytes(image_shape(config.image), Device::cpu)},
                                       {"image buffers", host_other, output_image * (2 * sizeof(float) + 1)}};

  MemoryEstimate estimate;
  estimate.device = device;
  auto phase = [&](const std::string& name, std::vector<MemoryPart> own) {
    MemoryPhase p{name, resident};
    p.parts.insert(p.parts.end(), own.begin(), own.end());
    estimate.phases.push_back(std::move(p));
  };
  phase("loading",
        {{"weights as read", on_host, weights_as_read}, {"weights as read", host_other, largest_layer_as_read}});
  phase("targets", {{"style passes", on_device, passes + gram_temporary},
                    {"gradient and workspace", on_device, image + cuda_scratch},
                    {"gradient and workspace", host_other, scratch}});
  std::vector<MemoryPart> loop{{"activations", on_device, total(network_tensors(config, config.image))},
                               {"gradient and workspace", on_device, image + cuda_scratch},
                               {"gradient and workspace", host_other, scratch},
                               {"optimizer state", on_device, optimizer_state_bytes(config, device)}};
  loop.insert(loop.end(), output.begin(), output.end());
  // KeptImage: best's image and {loss, evaluation, count}, or ema's average.
  const auto kept_bytes = [&](Device where) {
    const std::size_t kept_image = tensor_bytes(image_shape(config.image), where);
    if (config.keep == KeepImage::best) return kept_image + tensor_bytes({3}, where);
    return config.keep == KeepImage::average ? kept_image : std::size_t{0};
  };
  loop.push_back({"kept image", on_device, kept_bytes(device)});
  // A checkpoint exports the optimizer's and the kept image's state to host tensors
  // (export_state): at most what they hold on the device, counted with the host's rounding.
  if (config.saves_checkpoints)
    loop.push_back({"checkpoint", on_host, optimizer_state_bytes(config, Device::cpu) + kept_bytes(Device::cpu)});
  // --resume: read_checkpoint holds the file's bytes (a std::vector) while it parses them into host
  // tensors, which hold at most as many bytes again.
  if (config.resume_file_bytes > 0)
    loop.insert(loop.end(), {{"checkpoint resumed", host_other, config.resume_file_bytes},
                             {"checkpoint resumed", on_host, config.resume_file_bytes}});
  phase("loop", loop);
  return estimate;
}

MemoryEstimate estimate_tiled_run_memory(const RunMemoryConfig& config, PlaneSize window) {
  RunMemoryConfig tile = config;
  tile.image = window;
  tile.styles = {window};
  MemoryEstimate estimate = estimate_run_memory(tile);
  const Device device = config.device;
  const auto& specs = vgg19_conv_specs();
  std::size_t whole_tensors = 2 * tensor_bytes(image_shape(config.image), Device::cpu);  // x, the content
  std::size_t decoded = static_cast<std::size_t>(pixels(config.image) * kImageChannels) * sizeof(float);
  for (const PlaneSize style : config.styles) {
    whole_tensors += tensor_bytes(image_shape(style), Device::cpu);
    decoded += static_cast<std::size_t>(pixels(style) * kImageChannels) * sizeof(float);
  }
  // The output: x's float RGB image and a second one (--original-colors), and 8-bit rows.
  const std::size_t output = static_cast<std::size_t>(pixels(config.image) * kImageChannels) * (2 * sizeof(float) + 1);
  std::size_t grams = 0;
  for (const Tap& tap : config.style_taps) {
    const std::int64_t channels = specs[static_cast<std::size_t>(tap.conv_index)].out_channels;
    grams += 3 * tensor_bytes({1, channels, channels}, device);  // G^l, G^l_W at the start, A^l − R^l
  }
  const std::size_t windows = 3 * tensor_bytes(image_shape(window), device);
  for (MemoryPhase& phase : estimate.phases) {
    phase.parts.push_back({"whole images", MemoryPlace::host_tensors, whole_tensors});
    phase.parts.push_back({"whole images", MemoryPlace::host_other, decoded + output});
    phase.parts.push_back({"tile bookkeeping", MemoryPlace::device_tensors, grams + windows});
  }
  return estimate;
}

std::size_t MemoryEstimate::allocator_peak(Device allocator) const {
  std::size_t peak = 0;
  for (const MemoryPhase& phase : phases) {
    std::size_t sum = 0;
    for (const MemoryPart& part : phase.parts) {
      const bool counted = part.place == MemoryPlace::device_tensors
                               ? device == allocator
                               : part.place == MemoryPlace::host_tensors && allocator == Device::cpu;
      if (counted) sum += part.bytes;
    }
    peak = std::max(peak, sum);
  }
  return peak;
}

std::size_t MemoryEstimate::host_peak() const {
  std::size_t peak = 0;
  for (const MemoryPhase& phase : phases) {
    std::size_t sum = 0;
    for (const MemoryPart& part : phase.parts)
      if (part.place != MemoryPlace::device_tensors || device == Device::cpu) sum += part.bytes;
    peak = std::max(peak, sum);
  }
  return peak;
}

std::size_t MemoryEstimate::device_peak() const { return device == Device::cpu ? host_peak() : allocator_peak(device); }

bool MemoryEstimate::on_device(const MemoryPart& part) const {
  return device == Device::cpu || part.place == MemoryPlace::device_tensors;
}

const MemoryPhase& MemoryEstimate::peak_phase() const {
  NST_CHECK(!phases.empty(), "memory estimate without phases");
  const auto device_bytes = [this](const MemoryPhase& phase) {
    std::size_t sum = 0;
    for (const MemoryPart& part : phase.parts)
      if (on_device(part)) sum += part.bytes;
    return sum;
  };
  return *std::max_element(phases.begin(), phases.end(), [&](const MemoryPhase& a, const MemoryPhase& b) {
    return device_bytes(a) < device_bytes(b);
  });
}

std::string MemoryEstimate::describe_peak() const {
  std::vector<std::pair<std::string, std::size_t>> sums;  // by name, in order of first appearance
  for (const MemoryPart& part : peak_phase().parts) {
    if (!on_device(part)) continue;
    const auto same = std::find_if(sums.begin(), sums.end(), [&](const auto& s) { return s.first == part.name; });
    if (same == sums.end())
      sums.emplace_back(part.name, part.bytes);
    else
      same->second += part.bytes;
  }
  std::string text;
  for (const auto& [name, bytes] : sums) text += (text.empty() ? "" : ", ") + name + " " + format_bytes(bytes);
  return "at its peak (" + peak_phase().name + "): " + text;
}

std::string format_bytes(std::size_t bytes) {
  char text[32];
  const double mib = static_cast<double>(bytes) / (1024.0 * 1024.0);
  if (mib >= 1024.0)
    std::snprintf(text, sizeof text, "%.1f GiB", mib / 1024.0);
  else
    std::snprintf(text, sizeof text, mib < 10.0 ? "%.1f MiB" : "%.0f MiB", mib);
  return text;
}

}  // namespace nst

// Keras VGG19 weights → our tensors: the convolutions' kernels and biases, found through the
// root attribute `layer_names` and each layer group's attribute `weight_names`, every shape
// checked against VGG19, kernels turned from Keras' (KH, KW, C_in, C_out) into (C_out, C_in, KH, KW).
#include "weights/vgg19_weights.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/error.h"
#include "weights/hdf5_read.h"
#include "weights/vgg19_spec.h"

namespace nst {

namespace {

constexpr std::int64_t kKernelSize = 3;  // every VGG19 convolution is 3×3

std::vector<std::string> keras_layer_names(hid_t file, const std::string& path) {
  NST_CHECK(has_hdf5_attribute(file, "layer_names"),
            path << ": no root attribute layer_names, so not a Keras weights file");
  return read_string_list_attribute(file, "layer_names", path, "the root group");
}

// How many convolutions, from block1_conv1 on, the file both lists in layer_names and has a group for.
int count_held_convs(hid_t file, const std::vector<std::string>& layer_names) {
  int held = 0;
  for (const VggConvSpec& spec : vgg19_conv_specs()) {
    const bool listed = std::find(layer_names.begin(), layer_names.end(), spec.keras_name) != layer_names.end();
    if (!listed || !open_hdf5_group(file, spec.keras_name).valid()) break;
    ++held;
  }
  return held;
}

// Keras stores w[u][v][c][o] (KH, KW, C_in, C_out); our convolution reads w[o][c][u][v].
Tensor kernel_from_keras_layout(const std::vector<float>& hwio, std::int64_t in, std::int64_t out) {
  Tensor kernel({out, in, kKernelSize, kKernelSize}, Device::cpu);
  float* oihw = kernel.data();
  for (std::int64_t o = 0; o < out; ++o)
    for (std::int64_t c = 0; c < in; ++c)
      for (std::int64_t u = 0; u < kKernelSize; ++u)
        for (std::int64_t v = 0; v < kKernelSize; ++v)
          oihw[((o * in + c) * kKernelSize + u) * kKernelSize + v] = hwio[((u * kKernelSize + v) * in + c) * out + o];
  return kernel;
}

// One NaN or inf in a kernel turns every activation after it, the loss and the image non-finite:
// refuse the file at load, naming the dataset, rather than output a black image.
void check_finite(const std::vector<float>& values, const std::string& path, const std::string& label) {
  const auto bad = std::find_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); });
  NST_CHECK(bad == values.end(), path << ": dataset " << label << " holds a non-finite value (" << *bad
                                      << " at flat index " << (bad - values.begin()) << " of " << values.size()
                                      << "); the file is damaged");
}

ConvWeights load_conv(hid_t file, const std::string& path, const VggConvSpec& spec) {
  const std::string& layer = spec.keras_name;
  const Hdf5Handle group = open_hdf5_group(file, layer);
  NST_CHECK(group.valid(), path << ": cannot open the group of layer " << layer);
  // Keras lists a layer's weights in the order the layer made them: kernel, then bias. The names
  // are paths relative to the group: "block1_conv1_W_1:0" (Keras 1), "block1_conv1/kernel:0" (Keras 2).
  const auto names = read_string_list_attribute(group.get(), "weight_names", path, "layer " + layer);
  NST_CHECK(names.size() == 2, path << ": layer " << layer << " lists " << names.size()
                                    << " weights in weight_names, expected 2 (kernel, bias)");
  const std::int64_t in = spec.in_channels, out = spec.out_channels;
  const auto hwio =
      read_float32_dataset(group.get(), names[0], {kKernelSize, kKernelSize, in, out}, path, layer + "/" + names[0]);
  const auto bias = read_float32_dataset(group.get(), names[1], {out}, path, layer + "/" + names[1]);
  check_finite(hwio, path, layer + "/" + names[0]);
  check_finite(bias, path, layer + "/" + names[1]);
  return {layer, kernel_from_keras_layout(hwio, in, out), Tensor::from_host({out}, bias, Device::cpu)};
}

}  // namespace

int count_vgg19_conv_layers(const std::string& path) {
  const Hdf5ErrorsSilenced quiet;  // declared first: it outlives every handle below
  const Hdf5Handle file = open_hdf5_file(path);
  return count_held_convs(file.get(), keras_layer_names(file.get(), path));
}

std::vector<ConvWeights> load_vgg19_conv_weights(const std::string& path, int count) {
  const auto& specs = vgg19_conv_specs();
  const int total = static_cast<int>(specs.size());
  NST_CHECK(count >= 0 && count <= total,
            path << ": asked for " << count << " VGG19 convolutions; the count must be 0 to " << total);
  const Hdf5ErrorsSilenced quiet;
  const Hdf5Handle file = open_hdf5_file(path);
  const int held = count_held_convs(file.get(), keras_layer_names(file.get(), path));
  if (held < count) {
    NST_FAIL(path << ": has no " << specs[held].keras_name << " (asked for the first " << count
                  << " VGG19 convolutions, up to " << specs[count - 1].keras_name << "); "
                  << (held == 0 ? "it holds no VGG19 layer"
                                : "the deepest VGG19 layer it holds is " + specs[held - 1].keras_name));
  }
  std::vector<ConvWeights> weights;
  for (int i = 0; i < count; ++i) weights.push_back(load_conv(file.get(), path, specs[i]));
  return weights;
}

}  // namespace nst

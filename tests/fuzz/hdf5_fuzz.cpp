// libFuzzer target: Keras weights files through the VGG19 weights reader (tests/fuzz/README.md) —
// count_vgg19_conv_layers, then load_vgg19_conv_weights of the layers it counted, as the command
// line calls them. A damaged file must give an nst::Error; a file that loads must give VGG19's shapes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/error.h"
#include "tests/fuzz/memory_file.h"
#include "weights/vgg19_spec.h"
#include "weights/vgg19_weights.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::uint8_t kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1A, '\n'};
  // HDF5 looks for its signature at offset 0 (or 512, 1024, …, for files with a user block); the seeds
  // have it at 0: keep inputs without it out of the corpus.
  if (size < sizeof kSignature || std::memcmp(data, kSignature, sizeof kSignature) != 0) return -1;
  static nst::fuzz::MemoryFile file("nst_hdf5_fuzz");
  file.assign(data, size);
  std::vector<nst::ConvWeights> weights;
  try {
    weights = nst::load_vgg19_conv_weights(file.path(), nst::count_vgg19_conv_layers(file.path()));
  } catch (const nst::Error&) {
    return 0;  // refused with a message: what a damaged file must get
  }
  const auto& specs = nst::vgg19_conv_specs();
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const nst::Shape kernel{specs[i].out_channels, specs[i].in_channels, 3, 3}, bias{specs[i].out_channels};
    if (weights[i].layer != specs[i].keras_name || weights[i].kernel.shape() != kernel ||
        weights[i].bias.shape() != bias) {
      std::fprintf(stderr, "layer %zu loaded as %s with the wrong name or shapes\n", i, weights[i].layer.c_str());
      std::abort();
    }
  }
  return 0;
}

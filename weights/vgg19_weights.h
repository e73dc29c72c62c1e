#pragma once
// Reading VGG19's convolution weights from a Keras HDF5 file (…_notop.h5): the root attribute
// `layer_names` lists the layers, each layer group's attribute `weight_names` names its kernel and
// bias datasets — Keras 1 style "<layer>_W_1:0" / "<layer>_b_1:0" or Keras 2 style "kernel:0" /
// "bias:0". Kernels are stored (KH, KW, C_in, C_out) and returned as (C_out, C_in, KH, KW).
// A file may stop early (see ../shared/weights/README.md): it then holds the first k layers.
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace nst {

struct ConvWeights {
  std::string layer;  // Keras name, "block1_conv1"
  Tensor kernel;      // (C_out, C_in, 3, 3), on the host
  Tensor bias;        // (C_out,), on the host
};

// How many of VGG19's 16 convolutions the file holds, counted in order from block1_conv1
// (a file that ends at block4_conv1 holds 9). Throws nst::Error naming the file when it cannot be
// read as a Keras weights file.
int count_vgg19_conv_layers(const std::string& path);

// The first `count` convolutions, every shape checked against VGG19. Throws nst::Error naming the
// file and the layer: a layer the file lacks ("… has no block4_conv2; the deepest VGG19 layer it
// holds is block4_conv1"), a wrong shape, a missing dataset, a file that is not HDF5.
std::vector<ConvWeights> load_vgg19_conv_weights(const std::string& path, int count);

}  // namespace nst

#include "weights/vgg19_spec.h"

namespace nst {

const std::vector<VggConvSpec>& vgg19_conv_specs() {
  static const std::vector<VggConvSpec> specs = [] {
    const int convs_per_block[5] = {2, 2, 4, 4, 4};
    const int channels[5] = {64, 128, 256, 512, 512};
    std::vector<VggConvSpec> all;
    int in = 3;
    for (int block = 1; block <= 5; ++block) {
      for (int i = 1; i <= convs_per_block[block - 1]; ++i) {
        const std::string suffix = std::to_string(block) + "_conv" + std::to_string(i);
        all.push_back({"block" + suffix, "conv" + std::to_string(block) + "_" + std::to_string(i), block, i, in,
                       channels[block - 1], i == convs_per_block[block - 1]});
        in = channels[block - 1];
      }
    }
    return all;
  }();
  return specs;
}

}  // namespace nst

#include "apps/layer_choice.h"

#include "engine/error.h"
#include "layers/taps.h"
#include "weights/vgg19_spec.h"

namespace nst {

LayerChoice default_layers(int available_convs) {
  NST_CHECK(available_convs > 0, "the weights file holds no VGG19 convolution layer");
  LayerChoice choice;
  for (const char* name : {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"})
    if (parse_tap(name).conv_index < available_convs)
      choice.style_layers += (choice.style_layers.empty() ? "" : ",") + std::string(name);
  if (parse_tap("relu4_2").conv_index < available_convs) {
    choice.content_layers = "relu4_2";
  } else {
    const VggConvSpec& deepest = vgg19_conv_specs()[static_cast<std::size_t>(available_convs - 1)];
    choice.content_layers = "relu" + deepest.short_name.substr(4);
  }
  return choice;
}

}  // namespace nst

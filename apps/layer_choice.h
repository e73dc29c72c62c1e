#pragma once
// The default content and style layers for a weights file that holds `available_convs` of VGG19's
// 16 convolutions: relu4_2 and relu1_1,relu2_1,relu3_1,relu4_1,relu5_1 (Gatys et al.), keeping
// those the file has; when relu4_2 is missing the content layer is the deepest ReLU available.
#include <string>

namespace nst {

struct LayerChoice {
  std::string content_layers;
  std::string style_layers;
};

LayerChoice default_layers(int available_convs);

}  // namespace nst

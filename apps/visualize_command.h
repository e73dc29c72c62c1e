#pragma once
// `nst visualize`: a layer's feature maps of an image as a PNG grid, or its Gram matrix as a heat
// map with a colour bar (--gram), or a run's losses against the iteration from its --loss-log
// (--loss-plot). apps/figures.h draws them.
#include <optional>
#include <string>

#include "apps/options.h"

namespace nst {

struct VisualizeOptions {
  Options network;        // --image-size, --pooling, --device, --conv-math, --weights
  std::string image;      // the image whose features are drawn
  std::string layer;      // "relu3_1"
  bool gram = false;      // the Gram matrix rather than the feature maps
  std::string loss_plot;  // a --loss-log CSV: plot it (no image, layer or network)
  std::string output;     // .png
};

// argv[0] is the command's name ("visualize"). As parse_options.
std::optional<VisualizeOptions> parse_visualize_options(int argc, char** argv, int& exit_code);

void run_visualize_command(const VisualizeOptions& options);

}  // namespace nst

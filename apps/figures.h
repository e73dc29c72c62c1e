#pragma once
// The figures of nst visualize, drawn as images (apps/canvas.h):
//   feature_map_grid — each channel of a layer's activation (1, C, H, W) as a grey tile, scaled
//                      to its own minimum (black) and maximum (white), in a near-square grid;
//   gram_heat_map    — a Gram matrix (1, C, C) in viridis, linear from its minimum to its maximum,
//                      with a colour bar labelled with both (and the middle);
//   loss_plot        — a run's losses against the iteration, log-scaled, one line per term.
#include <vector>

#include "apps/image.h"
#include "apps/loss_log.h"
#include "engine/tensor.h"

namespace nst {

Image feature_map_grid(const Tensor& features);
Image gram_heat_map(const Tensor& gram);
Image loss_plot(const std::vector<LossRow>& rows);

// The grid's shape for C channels: ⌈√C⌉ columns, as many rows as needed.
struct GridShape {
  int columns, rows;
};
GridShape grid_shape(int channels);

}  // namespace nst

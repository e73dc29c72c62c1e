#pragma once
// Windows of host tensors (1, C, H, W): copying one out, and writing a tile's result back with its
// feather weights (layers/tile_geometry.h). On the host: a tiled run keeps the whole image there and
// sends only a window to the device (Tensor::to).
#include "engine/tensor.h"
#include "layers/tile_geometry.h"

namespace nst {

// The rows × cols window of `image` (a host tensor), as a new host tensor (1, C, rows, cols).
Tensor crop(const Tensor& image, const Span& rows, const Span& cols);

// x ← x + w·(x_tile − x) over the tile's update region, w = feather_weight(row)·feather_weight(col);
// `window` is the tile's window of x after its optimisation (host, the window's shape).
void blend_tile(Tensor& x, const Tensor& window, const Tile& tile);

}  // namespace nst

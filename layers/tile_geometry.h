#pragma once
// Where the tiles of a tiled run lie (docs/MATH.md §10). Along each axis the image is cut into
// cores that partition it; a tile updates its core widened by `overlap` on each side (the update
// region, feathered into its neighbours' cores), and reads a window that widens the update region
// by `margin` more: context whose pixels the tile never changes. Clipped to the image everywhere.
//
// With a margin of at least the receptive span of the deepest layer read (receptive_field below) and
// every core boundary and margin a multiple of that layer's stride, a window gives the exact
// whole-image features at every position whose input depends on the update region, so the tile's
// gradient on its update region is the whole image's (section 10 has the argument).
#include <cstdint>
#include <vector>

#include "layers/taps.h"

namespace nst {

// The input pixels that one position of a conv layer's output depends on: position i (in the
// layer's grid, stride `stride` in pixels) sees pixels [stride·i − before, stride·i + after].
struct ReceptiveField {
  std::int64_t before = 0, after = 0, stride = 1;
  std::int64_t span() const { return before + after; }  // a feature's extent, less one pixel
};
// Of conv layer `conv_index` (0-based among VGG19's 16), through its ReLU (pools floor, 2×2 stride 2).
ReceptiveField receptive_field(int conv_index);

struct Span {
  std::int64_t begin = 0, end = 0;  // [begin, end)
  std::int64_t size() const { return end - begin; }
  bool operator==(const Span& other) const { return begin == other.begin && end == other.end; }
};

struct TileLayout {
  std::int64_t core = 0;       // the cores' side, at most (a multiple of `alignment`)
  std::int64_t overlap = 0;    // update region beyond the core, each side (a multiple of `alignment`)
  std::int64_t margin = 0;     // context beyond the update region, each side (a multiple of `alignment`)
  std::int64_t alignment = 1;  // the deepest layer's stride: core boundaries and windows start on it
};

// The layout every tile of a run with these taps needs: margin = the deepest tap's receptive span
// rounded up to its stride, alignment = that stride, overlap = one stride (at least 8 pixels);
// `core` the side asked for, rounded down to the alignment (at least one alignment).
TileLayout tile_layout_for(const std::vector<Tap>& taps, std::int64_t core);

struct Tile {
  Span rows_core, cols_core;      // the pixels this tile owns (the cores partition the image)
  Span rows_update, cols_update;  // the pixels it changes: the core and `overlap` around it
  Span rows_window, cols_window;  // the pixels its network pass reads: the update region and `margin`
};

// The cores along an axis of `length` pixels: ⌈length/core⌉ of them, of nearly equal sizes, every
// inner boundary a multiple of the alignment.
std::vector<Span> core_spans(std::int64_t length, const TileLayout& layout);

// The tiles of an image, row by row (row-major order).
std::vector<Tile> tile_grid(std::int64_t height, std::int64_t width, const TileLayout& layout);

// How much of the optimised value a pixel of the update region takes when the tile is written back
// (x ← x + w·(x_tile − x)): 1 inside the core, falling linearly across the overlap band into a
// neighbour's core, to 1/(overlap+1) at the update region's edge. Along one axis; a pixel's weight
// is the product of its row's and its column's.
float feather_weight(std::int64_t position, const Span& core, const Span& update);

}  // namespace nst

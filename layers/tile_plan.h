#pragma once
// How large a scale's tiles may be: the largest core whose tiled run's estimated peak
// (estimate_tiled_run_memory, layers/memory_estimate.h) fits in the memory allowed.
#include <cstddef>
#include <optional>

#include "layers/memory_estimate.h"
#include "layers/tile_geometry.h"

namespace nst {

struct TilePlan {
  TileLayout layout;
  std::size_t tiles = 0;
  PlaneSize window;  // the largest window
  MemoryEstimate estimate;
};

// The largest window among the tiles of an image of `image` pixels.
PlaneSize largest_window(PlaneSize image, const TileLayout& layout);

// The plan of tiles with cores of `core` pixels (rounded down to the deepest tap's stride).
TilePlan plan_tiles_of(const RunMemoryConfig& config, std::int64_t core);

// The plan with the largest core (a multiple of the deepest tap's stride) whose estimated device
// peak is at most `max_bytes`; nothing when not even a core of one stride fits.
std::optional<TilePlan> plan_tiles(const RunMemoryConfig& config, std::size_t max_bytes);

}  // namespace nst

#include "layers/tile_plan.h"

#include <algorithm>
#include <vector>

namespace nst {

PlaneSize largest_window(PlaneSize image, const TileLayout& layout) {
  PlaneSize window;
  for (const Tile& tile : tile_grid(image.height, image.width, layout)) {
    window.height = std::max(window.height, tile.rows_window.size());
    window.width = std::max(window.width, tile.cols_window.size());
  }
  return window;
}

namespace {

std::vector<Tap> all_taps(const RunMemoryConfig& config) {
  std::vector<Tap> taps = config.content_taps;
  taps.insert(taps.end(), config.style_taps.begin(), config.style_taps.end());
  return taps;
}

}  // namespace

TilePlan plan_tiles_of(const RunMemoryConfig& config, std::int64_t core) {
  TilePlan plan;
  plan.layout = tile_layout_for(all_taps(config), core);
  plan.tiles = tile_grid(config.image.height, config.image.width, plan.layout).size();
  plan.window = largest_window(config.image, plan.layout);
  plan.estimate = estimate_tiled_run_memory(config, plan.window);
  return plan;
}

std::optional<TilePlan> plan_tiles(const RunMemoryConfig& config, std::size_t max_bytes) {
  const std::int64_t stride = tile_layout_for(all_taps(config), 1).alignment;
  const auto plan_with_core = [&](std::int64_t core) { return plan_tiles_of(config, core); };
  // The estimate grows with the core (the windows do): the largest core that fits, by bisection in strides.
  std::optional<TilePlan> best;
  std::int64_t low = 1, high = (std::max(config.image.height, config.image.width) + stride - 1) / stride;
  while (low <= high) {
    const std::int64_t middle = low + (high - low) / 2;
    TilePlan plan = plan_with_core(middle * stride);
    if (plan.estimate.device_peak() <= max_bytes) {
      best = std::move(plan);
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return best;
}

}  // namespace nst

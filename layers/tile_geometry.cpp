#include "layers/tile_geometry.h"

#include <algorithm>

#include "engine/error.h"
#include "weights/vgg19_spec.h"

namespace nst {

namespace {

std::int64_t round_up(std::int64_t value, std::int64_t step) { return (value + step - 1) / step * step; }

Span widened(const Span& span, std::int64_t by, std::int64_t length) {
  return {std::max<std::int64_t>(0, span.begin - by), std::min(length, span.end + by)};
}

}  // namespace

// Walking up from the pixels: a 3×3 convolution (padding 1) at stride s reaches s pixels further on
// each side; a 2×2 stride-2 pool's output i covers its input's 2i and 2i + 1, one more input step
// (s pixels) after, and doubles the stride.
ReceptiveField receptive_field(int conv_index) {
  const auto& specs = vgg19_conv_specs();
  NST_CHECK(conv_index >= 0 && conv_index < static_cast<int>(specs.size()), "no conv layer " << conv_index);
  ReceptiveField field;
  for (int k = 0; k <= conv_index; ++k) {
    field.before += field.stride;
    field.after += field.stride;
    if (specs[static_cast<std::size_t>(k)].pool_after && k < conv_index) {
      field.after += field.stride;
      field.stride *= 2;
    }
  }
  return field;
}

TileLayout tile_layout_for(const std::vector<Tap>& taps, std::int64_t core) {
  NST_CHECK(!taps.empty(), "tiles: no layer to read");
  const Tap& deepest = *std::max_element(taps.begin(), taps.end(),
                                         [](const Tap& a, const Tap& b) { return a.conv_index < b.conv_index; });
  const ReceptiveField field = receptive_field(deepest.conv_index);
  TileLayout layout;
  layout.alignment = field.stride;
  layout.margin = round_up(field.span(), field.stride);
  layout.overlap = round_up(8, field.stride);
  layout.core = std::max(field.stride, core / field.stride * field.stride);
  return layout;
}

std::vector<Span> core_spans(std::int64_t length, const TileLayout& layout) {
  NST_CHECK(
      length > 0 && layout.alignment > 0 && layout.core >= layout.alignment && layout.core % layout.alignment == 0,
      "tiles: core " << layout.core << " px is not a positive multiple of the alignment " << layout.alignment);
  const std::int64_t count = (length + layout.core - 1) / layout.core;
  std::vector<Span> spans;
  std::int64_t begin = 0;
  for (std::int64_t i = 1; i <= count; ++i) {
    // The i-th boundary near i·length/count, on the alignment; the last at the image's end.
    std::int64_t end = i == count ? length : (i * length / count) / layout.alignment * layout.alignment;
    end = std::max(end, begin + layout.alignment);
    if (end >= length) end = length;
    spans.push_back({begin, end});
    if (end == length) break;
    begin = end;
  }
  return spans;
}

std::vector<Tile> tile_grid(std::int64_t height, std::int64_t width, const TileLayout& layout) {
  std::vector<Tile> tiles;
  for (const Span& rows : core_spans(height, layout)) {
    for (const Span& cols : core_spans(width, layout)) {
      Tile tile;
      tile.rows_core = rows;
      tile.cols_core = cols;
      tile.rows_update = widened(rows, layout.overlap, height);
      tile.cols_update = widened(cols, layout.overlap, width);
      tile.rows_window = widened(tile.rows_update, layout.margin, height);
      tile.cols_window = widened(tile.cols_update, layout.margin, width);
      tiles.push_back(tile);
    }
  }
  return tiles;
}

float feather_weight(std::int64_t position, const Span& core, const Span& update) {
  if (position < update.begin || position >= update.end) return 0.0f;
  if (position < core.begin) {
    const std::int64_t band = core.begin - update.begin;  // pixels of overlap before the core
    return static_cast<float>(position - update.begin + 1) / static_cast<float>(band + 1);
  }
  if (position >= core.end) {
    const std::int64_t band = update.end - core.end;
    return static_cast<float>(update.end - position) / static_cast<float>(band + 1);
  }
  return 1.0f;
}

}  // namespace nst

#include "layers/image_window.h"

#include "engine/error.h"

namespace nst {

namespace {

void check_host_image(const Tensor& t, const char* what) {
  NST_CHECK(t.device() == Device::cpu && t.rank() == 4 && t.dim(0) == 1,
            what << " must be a host tensor (1, C, H, W), got " << to_string(t.shape()));
}

}  // namespace

Tensor crop(const Tensor& image, const Span& rows, const Span& cols) {
  check_host_image(image, "crop: the image");
  const std::int64_t channels = image.dim(1), height = image.dim(2), width = image.dim(3);
  NST_CHECK(0 <= rows.begin && rows.begin < rows.end && rows.end <= height && 0 <= cols.begin &&
                cols.begin < cols.end && cols.end <= width,
            "crop: rows [" << rows.begin << ", " << rows.end << ") and columns [" << cols.begin << ", " << cols.end
                           << ") are not inside the image " << to_string(image.shape()));
  Tensor window({1, channels, rows.size(), cols.size()}, Device::cpu);
  const float* in = image.data();
  float* out = window.data();
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = rows.begin; i < rows.end; ++i)
      for (std::int64_t j = cols.begin; j < cols.end; ++j) *out++ = in[(c * height + i) * width + j];
  return window;
}

void blend_tile(Tensor& x, const Tensor& window, const Tile& tile) {
  check_host_image(x, "blend_tile: the image");
  check_host_image(window, "blend_tile: the window");
  const std::int64_t channels = x.dim(1), height = x.dim(2), width = x.dim(3);
  const std::int64_t rows = tile.rows_window.size(), cols = tile.cols_window.size();
  NST_CHECK(window.dim(1) == channels && window.dim(2) == rows && window.dim(3) == cols,
            "blend_tile: the window " << to_string(window.shape()) << " is not the tile's, (1, " << channels << ", "
                                      << rows << ", " << cols << ")");
  float* image = x.data();
  const float* tile_values = window.data();
  for (std::int64_t c = 0; c < channels; ++c) {
    for (std::int64_t i = tile.rows_update.begin; i < tile.rows_update.end; ++i) {
      const float row_weight = feather_weight(i, tile.rows_core, tile.rows_update);
      for (std::int64_t j = tile.cols_update.begin; j < tile.cols_update.end; ++j) {
        const float w = row_weight * feather_weight(j, tile.cols_core, tile.cols_update);
        float& pixel = image[(c * height + i) * width + j];
        const float optimised =
            tile_values[(c * rows + (i - tile.rows_window.begin)) * cols + (j - tile.cols_window.begin)];
        pixel = w == 1.0f ? optimised : pixel + w * (optimised - pixel);
      }
    }
  }
}

}  // namespace nst

#include "apps/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "apps/canvas.h"
#include "engine/error.h"

namespace nst {

namespace {

constexpr Rgb kBlack{0, 0, 0}, kWhite{255, 255, 255}, kDarkGrey{40, 40, 40}, kLightGrey{220, 220, 220};

std::string format_number(double value, const char* format = "%.3g") {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

}  // namespace

GridShape grid_shape(int channels) {
  const int columns = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(channels)))));
  return {columns, (channels + columns - 1) / columns};
}

Image feature_map_grid(const Tensor& features) {
  NST_CHECK(features.rank() == 4 && features.dim(0) == 1,
            "feature maps must be (1, C, H, W), got " << to_string(features.shape()));
  const int channels = int(features.dim(1)), h = int(features.dim(2)), w = int(features.dim(3));
  const std::vector<float> values = features.to_host();
  const int scale = std::max(1, 48 / std::max(h, w));  // small maps (deep layers) drawn at least ~48 px
  constexpr int kGap = 2;
  const GridShape grid = grid_shape(channels);
  Canvas canvas(grid.columns * (w * scale + kGap) + kGap, grid.rows * (h * scale + kGap) + kGap, kDarkGrey);
  for (int c = 0; c < channels; ++c) {
    const float* plane = &values[std::size_t(c) * h * w];
    const auto [low, high] = std::minmax_element(plane, plane + std::size_t(h) * w);
    const float range = *high - *low;
    const int x0 = kGap + (c % grid.columns) * (w * scale + kGap), y0 = kGap + (c / grid.columns) * (h * scale + kGap);
    for (int i = 0; i < h; ++i)
      for (int j = 0; j < w; ++j) {
        const float grey = range > 0 ? 255.0f * (plane[i * w + j] - *low) / range : 0.0f;
        canvas.rectangle(x0 + j * scale, y0 + i * scale, scale, scale, {grey, grey, grey});
      }
  }
  return canvas.image();
}

Image gram_heat_map(const Tensor& gram) {
  NST_CHECK(gram.rank() == 3 && gram.dim(0) == 1 && gram.dim(1) == gram.dim(2),
            "a Gram matrix must be (1, C, C), got " << to_string(gram.shape()));
  const int c = int(gram.dim(1));
  const std::vector<float> values = gram.to_host();
  const auto [low_it, high_it] = std::minmax_element(values.begin(), values.end());
  const double low = *low_it, high = *high_it, range = high - low;
  const int cell = std::max(1, 512 / c);
  const int side = c * cell;
  constexpr int kMargin = 12, kBarGap = 16, kBarWidth = 24, kLabelGap = 6;
  const std::string labels[3] = {format_number(high), format_number((low + high) / 2), format_number(low)};
  int label_width = 0;
  for (const std::string& l : labels) label_width = std::max(label_width, Canvas::text_width(l));
  Canvas canvas(kMargin + side + kBarGap + kBarWidth + kLabelGap + label_width + kMargin, kMargin + side + kMargin,
                kWhite);
  for (int i = 0; i < c; ++i)
    for (int j = 0; j < c; ++j) {
      const double t = range > 0 ? (values[std::size_t(i) * c + j] - low) / range : 0.0;
      canvas.rectangle(kMargin + j * cell, kMargin + i * cell, cell, cell, viridis(t));
    }
  // The colour bar: the maximum at the top, the minimum at the bottom.
  const int bar_x = kMargin + side + kBarGap;
  for (int y = 0; y < side; ++y)
    canvas.rectangle(bar_x, kMargin + y, kBarWidth, 1, viridis(1.0 - double(y) / std::max(1, side - 1)));
  const int label_x = bar_x + kBarWidth + kLabelGap;
  canvas.text(label_x, kMargin, labels[0], kBlack);
  canvas.text(label_x, kMargin + (side - Canvas::text_height()) / 2, labels[1], kBlack);
  canvas.text(label_x, kMargin + side - Canvas::text_height(), labels[2], kBlack);
  return canvas.image();
}

Image loss_plot(const std::vector<LossRow>& rows) {
  NST_CHECK(!rows.empty(), "a loss plot needs at least one row");
  struct Series {
    const char* name;
    Rgb colour;
    float LossValues::*member;
  };
  const Series series[] = {{"total", kBlack, &LossValues::total},
                           {"content", {31, 119, 180}, &LossValues::content},
                           {"style", {214, 39, 40}, &LossValues::style},
                           {"tv", {44, 160, 44}, &LossValues::tv}};
  // A log scale shows only positive finite values; others (a zero content term at x = content, a
  // run that turned non-finite) leave gaps.
  const auto plotted = [](float v) { return std::isfinite(v) && v > 0; };
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const LossRow& row : rows)
    for (const Series& s : series)
      if (plotted(row.losses.*s.member)) {
        const double decades = std::log10(double(row.losses.*s.member));
        low = std::min(low, decades), high = std::max(high, decades);
      }
  if (!(low <= high)) low = 0, high = 1;  // nothing to plot: empty axes
  const int decade_low = int(std::floor(low)), decade_high = std::max(decade_low + 1, int(std::ceil(high)));
  double first = rows.front().iteration, last = rows.back().iteration;
  if (last <= first) last = first + 1;

  constexpr int kWidth = 760, kHeight = 460, kLeft = 80, kRight = 130, kTop = 30, kBottom = 50;
  const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  Canvas canvas(kWidth, kHeight, kWhite);
  const auto to_x = [&](double iteration) {
    return kLeft + int(std::lround((iteration - first) / (last - first) * plot_w));
  };
  const auto to_y = [&](double log_value) {
    return kTop + plot_h - int(std::lround((log_value - decade_low) / (decade_high - decade_low) * plot_h));
  };
  // Decade grid lines and labels on y; five iteration ticks on x.
  for (int d = decade_low; d <= decade_high; ++d) {
    const int y = to_y(d);
    canvas.line(kLeft, y, kLeft + plot_w, y, kLightGrey);
    const std::string label = "1e" + std::to_string(d);
    canvas.text(kLeft - 8 - Canvas::text_width(label), y - Canvas::text_height() / 2, label, kBlack);
  }
  for (int t = 0; t <= 4; ++t) {
    const double iteration = first + (last - first) * t / 4;
    const int x = to_x(iteration);
    canvas.line(x, kTop + plot_h, x, kTop + plot_h + 5, kBlack);
    const std::string label = format_number(std::round(iteration), "%.0f");
    canvas.text(x - Canvas::text_width(label) / 2, kTop + plot_h + 10, label, kBlack);
  }
  canvas.line(kLeft, kTop, kLeft, kTop + plot_h, kBlack);
  canvas.line(kLeft, kTop + plot_h, kLeft + plot_w, kTop + plot_h, kBlack);
  canvas.text(kLeft + plot_w / 2 - Canvas::text_width("iteration") / 2, kHeight - 18, "iteration", kBlack);
  canvas.text(8, 8, "loss", kBlack);

  int legend_y = kTop;
  for (const Series& s : series) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const float v = rows[i].losses.*s.member;
      if (!plotted(v)) continue;
      const int x = to_x(rows[i].iteration), y = to_y(std::log10(double(v)));
      const float previous = i > 0 ? rows[i - 1].losses.*s.member : 0.0f;
      if (i > 0 && plotted(previous))
        canvas.line(to_x(rows[i - 1].iteration), to_y(std::log10(double(previous))), x, y, s.colour);
      else
        canvas.rectangle(x - 1, y - 1, 3, 3, s.colour);  // a point with no line to it
    }
    canvas.rectangle(kLeft + plot_w + 16, legend_y + 3, 16, 4, s.colour);
    canvas.text(kLeft + plot_w + 38, legend_y, s.name, kBlack);
    legend_y += 18;
  }
  return canvas.image();
}

}  // namespace nst

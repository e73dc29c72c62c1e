#include "layers/tiled_stylizer.h"

#include <numeric>
#include <utility>

#include "engine/error.h"
#include "engine/ops/gram.h"
#include "engine/ops/losses.h"
#include "engine/ops/vector_ops.h"
#include "layers/image_window.h"
#include "layers/stylizer.h"
#include "layers/tile_objective.h"
#include "weights/vgg19_spec.h"

namespace nst {

namespace {

// The positions of a layer of stride `stride` whose features a core owns, in its window's grid:
// pixels [b, e) own positions [b/s, e/s) (b and inner e are multiples of the alignment, itself a
// multiple of s; at the image's end e/s rounds down as the pools do).
Span owned_positions(const Span& core, const Span& window, std::int64_t stride) {
  const std::int64_t offset = window.begin / stride;
  return {core.begin / stride - offset, core.end / stride - offset};
}

// M_l: the positions of a tap's layer for an image of height × width (each pool floors).
std::int64_t positions_at(const Tap& tap, std::int64_t height, std::int64_t width) {
  const std::int64_t stride = receptive_field(tap.conv_index).stride;
  return (height / stride) * (width / stride);
}

// The update region's indicator on the window, for TileObjective's gradient mask.
Tensor update_mask(const Tile& tile, Device device) {
  const std::int64_t rows = tile.rows_window.size(), cols = tile.cols_window.size();
  std::vector<float> mask(static_cast<std::size_t>(3 * rows * cols), 0.0f);
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t i = tile.rows_update.begin; i < tile.rows_update.end; ++i)
      for (std::int64_t j = tile.cols_update.begin; j < tile.cols_update.end; ++j)
        mask[static_cast<std::size_t>((c * rows + i - tile.rows_window.begin) * cols + j - tile.cols_window.begin)] =
            1.0f;
  return Tensor::from_host({1, 3, rows, cols}, mask, device);
}

Tensor window_on(const Tensor& image, const Tile& tile, Device device) {
  return crop(image, tile.rows_window, tile.cols_window).to(device);
}

// The features of `tap` (in the net after a forward of the tile's window) at the positions the
// tile's core owns, on `device`.
Tensor owned_features(Vgg19& net, const Tap& tap, const Tile& tile, Device device) {
  const std::int64_t stride = receptive_field(tap.conv_index).stride;
  return crop(net.activation(tap).to(Device::cpu), owned_positions(tile.rows_core, tile.rows_window, stride),
              owned_positions(tile.cols_core, tile.cols_window, stride))
      .to(device);
}

}  // namespace

std::vector<Tensor> tiled_grams(Vgg19& net, const std::vector<Tap>& style_taps, const Tensor& image,
                                const TileLayout& layout) {
  const Device device = net.device();
  std::vector<Tensor> grams;
  for (const Tap& tap : style_taps) {
    const std::int64_t channels = vgg19_conv_specs()[static_cast<std::size_t>(tap.conv_index)].out_channels;
    grams.push_back(Tensor::zeros({1, channels, channels}, device));
  }
  for (const Tile& tile : tile_grid(image.dim(2), image.dim(3), layout)) {
    net.forward(window_on(image, tile, device));
    for (std::size_t l = 0; l < style_taps.size(); ++l)
      ops::axpy(1.0f, ops::gram(owned_features(net, style_taps[l], tile, device)), grams[l]);
  }
  return grams;
}

LossValues tiled_losses(Vgg19& net, const TiledProblem& problem, const Tensor& x, const std::vector<Tensor>& targets,
                        const TileLayout& layout, std::vector<Tensor>& grams) {
  const Device device = net.device();
  const std::int64_t height = x.dim(2), width = x.dim(3);
  LossValues losses;
  // One forward of each window of x gives both G^l (summed as tiled_grams sums it, in the same
  // order) and the content term ½‖a^c(x) − a^c(content)‖², each tile adding the positions its core owns.
  grams.clear();
  for (const Tap& tap : problem.style_taps) {
    const std::int64_t channels = vgg19_conv_specs()[static_cast<std::size_t>(tap.conv_index)].out_channels;
    grams.push_back(Tensor::zeros({1, channels, channels}, device));
  }
  Tensor loss = Tensor::zeros({1}, device);
  for (const Tile& tile : tile_grid(height, width, layout)) {
    std::vector<Tensor> owned_targets;
    if (!problem.content_taps.empty()) {
      net.forward(window_on(problem.content, tile, device));
      for (const Tap& tap : problem.content_taps) owned_targets.push_back(owned_features(net, tap, tile, device));
    }
    net.forward(window_on(x, tile, device));
    for (std::size_t l = 0; l < problem.style_taps.size(); ++l)
      ops::axpy(1.0f, ops::gram(owned_features(net, problem.style_taps[l], tile, device)), grams[l]);
    for (std::size_t c = 0; c < problem.content_taps.size(); ++c) {
      ops::content_loss(owned_features(net, problem.content_taps[c], tile, device), owned_targets[c], loss);
      losses.content += problem.weights.content[c] * loss.item();
    }
  }
  // Style: ‖G^l − A^l‖² / (2·C_l·M_l)², with the whole image's G^l and M_l.
  for (std::size_t l = 0; l < problem.style_taps.size(); ++l) {
    Tensor difference = grams[l].clone();
    ops::axpy(-1.0f, targets[l], difference);
    const double channels = static_cast<double>(grams[l].dim(1));
    const double positions = static_cast<double>(positions_at(problem.style_taps[l], height, width));
    const double normaliser = 2.0 * channels * positions;
    losses.style += static_cast<float>(problem.weights.style[l] * ops::dot(difference, difference).item() /
                                       (normaliser * normaliser));
  }
  // TV of the whole image, on the host where it is.
  Tensor tv = Tensor::zeros({1}, Device::cpu);
  ops::tv_loss(x, tv);
  losses.tv = problem.weights.tv * tv.item();
  losses.total = losses.content + losses.style + losses.tv;
  return losses;
}

std::vector<Tensor> tiled_style_targets(Vgg19& net, const TiledProblem& problem, const TileLayout& layout) {
  NST_CHECK(!problem.styles.empty() && problem.style_blend.size() == problem.styles.size(),
            problem.styles.size() << " style images but " << problem.style_blend.size() << " blend weights");
  const float blend_total = std::accumulate(problem.style_blend.begin(), problem.style_blend.end(), 0.0f);
  NST_CHECK(blend_total > 0.0f, "style blend weights sum to zero");
  const std::int64_t height = problem.content.dim(2), width = problem.content.dim(3);
  std::vector<Tensor> targets;
  for (std::size_t s = 0; s < problem.styles.size(); ++s) {
    const Tensor& style = problem.styles[s];
    std::vector<Tensor> grams = tiled_grams(net, problem.style_taps, style, layout);
    if (targets.empty())
      for (const Tensor& g : grams) targets.push_back(Tensor::zeros(g.shape(), g.device()));
    for (std::size_t l = 0; l < grams.size(); ++l) {
      const Tap& tap = problem.style_taps[l];
      const double scale = problem.style_blend[s] / blend_total *
                           static_cast<double>(positions_at(tap, height, width)) /
                           static_cast<double>(positions_at(tap, style.dim(2), style.dim(3)));
      ops::axpy(static_cast<float>(scale), grams[l], targets[l]);
    }
  }
  return targets;
}

TiledReport optimise_in_tiles(Vgg19& net, const TiledProblem& problem, Tensor& x, const TiledOptions& options,
                              const TileVisitCallback& after_visit, const TilePassCallback& after_pass,
                              const TileLossCallback& losses_after) {
  NST_CHECK(x.device() == Device::cpu && x.shape() == problem.content.shape(),
            "tiled run: the image " << to_string(x.shape()) << " must be on the host, shaped as the content "
                                    << to_string(problem.content.shape()));
  NST_CHECK(options.passes >= 1 && options.first_pass >= 1 && options.first_pass <= options.passes &&
                options.iterations >= 0 && options.make_optimizer,
            "tiled run: passes " << options.first_pass << " to " << options.passes << " of " << options.iterations
                                 << " iterations per visit");
  const Device device = net.device();
  const std::int64_t height = x.dim(2), width = x.dim(3);
  const std::vector<Tile> tiles = tile_grid(height, width, options.layout);
  std::vector<std::int64_t> whole_positions;
  for (const Tap& tap : problem.style_taps) whole_positions.push_back(positions_at(tap, height, width));
  const std::vector<Tensor> targets = tiled_style_targets(net, problem, options.layout);
  TileObjective objective(net, problem.content_taps, problem.style_taps, problem.weights, whole_positions);

  TiledReport report;
  // G^l of x afresh (with J, when it is reported: the same forwards give both), after `passes_done`.
  std::vector<Tensor> grams;
  const auto whole_image_grams = [&](int passes_done) {
    if (losses_after)
      losses_after(passes_done, tiled_losses(net, problem, x, targets, options.layout, grams));
    else
      grams = tiled_grams(net, problem.style_taps, x, options.layout);
  };
  whole_image_grams(options.first_pass - 1);
  for (int pass = options.first_pass; pass <= options.passes; ++pass) {
    for (std::size_t n = 0; n < tiles.size(); ++n) {
      const std::size_t index = pass % 2 == 1 ? n : tiles.size() - 1 - n;
      const Tile& tile = tiles[index];
      Tensor window = window_on(x, tile, device);
      objective.begin_visit(window_on(problem.content, tile, device), window, targets, grams,
                            update_mask(tile, device));
      const std::unique_ptr<Optimizer> optimizer = options.make_optimizer();
      TileVisit visit;
      visit.loop =
          stylize(objective, *optimizer, window, options.iterations, {}, LoopOptions{false, 1, options.keep, 0});
      visit.objective = objective.value().item();
      blend_tile(x, window.to(Device::cpu), tile);
      // G^l += G^l_W(after) − G^l_W(before): the window's features are the only ones x's change moved.
      net.forward(window_on(x, tile, device));
      for (std::size_t l = 0; l < grams.size(); ++l) {
        ops::axpy(1.0f, ops::gram(net.activation(problem.style_taps[l])), grams[l]);
        ops::axpy(-1.0f, objective.start_grams()[l], grams[l]);
      }
      ++report.visits;
      report.evaluations += visit.loop.evaluations;
      if (after_visit) {
        visit.pass = pass;
        visit.passes = options.passes;
        visit.tile = static_cast<int>(index) + 1;
        visit.tiles = static_cast<int>(tiles.size());
        visit.ends_pass = n + 1 == tiles.size();
        visit.geometry = &tile;
        visit.grams = &grams;
        after_visit(visit);
      }
    }
    if (pass < options.passes || losses_after) whole_image_grams(pass);  // for the next pass, and J
    if (after_pass && pass < options.passes) after_pass(pass);
  }
  return report;
}

}  // namespace nst

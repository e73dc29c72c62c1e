// Tiled optimisation (layers/tile_geometry.h, layers/tile_objective.h, layers/tiled_stylizer.h,
// docs/MATH.md §10): the geometry covers the image as stated, the receptive field is the one the
// network has, Grams summed by tiles are the whole image's, a zero-iteration tiled run gives its
// input back bit for bit, the tile objective's gradient on its update region is the whole image's
// (near the seams too), and the whole image's Grams are kept through the visits. The end-to-end
// runs (J lowered, a PNG written, one and two scales) are in tests/slow/tiled_run_test.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/gram.h"
#include "layers/image_window.h"
#include "layers/lbfgs.h"
#include "layers/loss_weights.h"
#include "layers/style_objective.h"
#include "layers/tile_geometry.h"
#include "layers/tile_objective.h"
#include "layers/tiled_stylizer.h"
#include "layers/vgg19.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"
#include "tests/support/random_vgg.h"

namespace nst::testing {
namespace {

// A network to relu3_1 (stride 4, receptive span 23 px): small enough for whole-image references.
constexpr int kDepth = 5;
const char* const kContentLayers = "relu2_2";
const char* const kStyleLayers = "relu1_1,relu2_1,relu3_1";

float max_abs(const std::vector<float>& v) {
  float m = 0;
  for (const float x : v) m = std::max(m, std::fabs(x));
  return m;
}

TEST(TileGeometry, ReceptiveFieldsAsDerivedInMath) {
  // docs/MATH.md §10: conv1_1 sees ±1 pixel; conv3_1 [4i − 10, 4i + 13]; conv5_1 [16i − 70, 16i + 85].
  const ReceptiveField conv1_1 = receptive_field(0), conv3_1 = receptive_field(4), conv5_1 = receptive_field(12);
  EXPECT_EQ(conv1_1.before, 1);
  EXPECT_EQ(conv1_1.after, 1);
  EXPECT_EQ(conv1_1.stride, 1);
  EXPECT_EQ(conv3_1.before, 10);
  EXPECT_EQ(conv3_1.after, 13);
  EXPECT_EQ(conv3_1.stride, 4);
  EXPECT_EQ(conv5_1.before, 70);
  EXPECT_EQ(conv5_1.after, 85);
  EXPECT_EQ(conv5_1.stride, 16);
}

// The network's own dependence: a feature of relu3_1 at position i changes when a pixel inside
// [4i − before, 4i + after] changes (for some channel) and never when one outside does.
TEST(TileGeometry, ReceptiveFieldIsTheNetworksOwn) {
  Vgg19 net(random_vgg_weights(kDepth, 11), ops::PoolKind::max, Device::cpu, parse_taps("relu3_1"));
  const ReceptiveField field = receptive_field(4);
  const std::int64_t size = 64, i = 8;  // feature (i, i), pixel row/column 4i = 32
  const Tensor image = random_tensor({1, 3, size, size}, 12, Device::cpu, -50, 50);
  net.forward(image);
  const std::vector<float> base = net.activation(parse_taps("relu3_1")[0]).to_host();
  const std::int64_t layer = size / 4;
  const auto feature_changes = [&](std::int64_t row, std::int64_t col) {
    Tensor moved = image.clone();
    for (std::int64_t c = 0; c < 3; ++c) moved.data()[(c * size + row) * size + col] += 500.0f;
    net.forward(moved);
    const std::vector<float> f = net.activation(parse_taps("relu3_1")[0]).to_host();
    for (std::int64_t c = 0; c < 256; ++c) {
      const std::size_t k = static_cast<std::size_t>((c * layer + i) * layer + i);
      if (f[k] != base[k]) return true;
    }
    return false;
  };
  const std::int64_t centre = 4 * i;
  EXPECT_TRUE(feature_changes(centre - field.before, centre));
  EXPECT_FALSE(feature_changes(centre - field.before - 1, centre));
  EXPECT_TRUE(feature_changes(centre + field.after, centre));
  EXPECT_FALSE(feature_changes(centre + field.after + 1, centre));
  EXPECT_TRUE(feature_changes(centre, centre - field.before));
  EXPECT_FALSE(feature_changes(centre, centre + field.after + 1));
}

TEST(TileGeometry, CoresPartitionTheImageAndRegionsWidenAsStated) {
  const TileLayout layout = tile_layout_for(parse_taps("relu1_1,relu3_1"), 50);
  EXPECT_EQ(layout.alignment, 4);
  EXPECT_EQ(layout.margin, 24);  // the span 23, up to the stride
  EXPECT_EQ(layout.overlap, 8);
  EXPECT_EQ(layout.core, 48);
  for (const auto& [height, width] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {1, 1}, {3, 200}, {48, 49}, {96, 112}, {257, 33}, {500, 301}}) {
    const std::vector<Tile> tiles = tile_grid(height, width, layout);
    std::vector<int> owners(static_cast<std::size_t>(height * width), 0);
    for (const Tile& t : tiles) {
      for (std::int64_t i = t.rows_core.begin; i < t.rows_core.end; ++i)
        for (std::int64_t j = t.cols_core.begin; j < t.cols_core.end; ++j)
          ++owners[static_cast<std::size_t>(i * width + j)];
      for (const auto& [core, update, window, length] :
           {std::make_tuple(t.rows_core, t.rows_update, t.rows_window, height),
            std::make_tuple(t.cols_core, t.cols_update, t.cols_window, width)}) {
        EXPECT_EQ(core.begin % layout.alignment, 0);
        EXPECT_TRUE(core.end == length || core.end % layout.alignment == 0);
        EXPECT_LE(core.size(), layout.core + layout.alignment) << "a core of " << core.size() << " px";
        EXPECT_EQ(update.begin, std::max<std::int64_t>(0, core.begin - layout.overlap));
        EXPECT_EQ(update.end, std::min(length, core.end + layout.overlap));
        EXPECT_EQ(window.begin, std::max<std::int64_t>(0, update.begin - layout.margin));
        EXPECT_EQ(window.end, std::min(length, update.end + layout.margin));
        EXPECT_EQ(window.begin % layout.alignment, 0) << "the pools' grid must be the whole image's";
      }
    }
    EXPECT_TRUE(std::all_of(owners.begin(), owners.end(), [](int n) { return n == 1; }))
        << height << "x" << width << ": some pixel is in no core or in two";
  }
  // Feathering: 1 on the core, a ramp down across the overlap, 0 outside the update region.
  const Span core{48, 96}, update{40, 104};
  EXPECT_EQ(feather_weight(48, core, update), 1.0f);
  EXPECT_EQ(feather_weight(95, core, update), 1.0f);
  EXPECT_FLOAT_EQ(feather_weight(40, core, update), 1.0f / 9.0f);
  EXPECT_FLOAT_EQ(feather_weight(47, core, update), 8.0f / 9.0f);
  EXPECT_FLOAT_EQ(feather_weight(103, core, update), 1.0f / 9.0f);
  EXPECT_EQ(feather_weight(39, core, update), 0.0f);
  EXPECT_EQ(feather_weight(104, core, update), 0.0f);
}

// A small problem: the whole image's objective and the tiled one's pieces.
struct SmallProblem {
  static constexpr std::int64_t kHeight = 96, kWidth = 112;
  std::vector<Tap> content_taps = parse_taps(kContentLayers), style_taps = parse_taps(kStyleLayers);
  std::unique_ptr<Vgg19> net;
  TiledProblem problem;
  Tensor x;

  explicit SmallProblem(ObjectiveWeights (*choose)(const ObjectiveWeights&) = nullptr) {
    std::vector<Tap> all = content_taps;
    all.insert(all.end(), style_taps.begin(), style_taps.end());
    net = std::make_unique<Vgg19>(random_vgg_weights(kDepth, 3), ops::PoolKind::max, Device::cpu, all);
    problem.content_taps = content_taps;
    problem.style_taps = style_taps;
    problem.weights = objective_weights(UserLossWeights{}, content_taps, style_taps, kHeight, kWidth);
    if (choose) problem.weights = choose(problem.weights);
    problem.content = random_tensor({1, 3, kHeight, kWidth}, 4, Device::cpu, -60, 60);
    problem.styles.push_back(random_tensor({1, 3, 80, 72}, 5, Device::cpu, -60, 60));
    problem.style_blend = {1.0f};
    x = problem.content.clone();
    const Tensor noise = random_tensor(x.shape(), 6, Device::cpu, -20, 20);
    for (std::int64_t k = 0; k < x.numel(); ++k) x.data()[k] += noise.data()[k];
  }
  StyleObjective whole_objective() {
    return StyleObjective(*net, content_taps, style_taps, problem.content, problem.styles, {1.0f}, problem.weights);
  }
};

TEST(TiledGrams, SumOfOwnedPositionsIsTheWholeImagesGram) {
  SmallProblem p;
  const TileLayout layout = tile_layout_for(p.style_taps, 32);
  const std::vector<Tensor> tiled = tiled_grams(*p.net, p.style_taps, p.x, layout);
  p.net->forward(p.x);
  for (std::size_t l = 0; l < p.style_taps.size(); ++l) {
    const std::vector<float> whole = ops::gram(p.net->activation(p.style_taps[l])).to_host();
    const std::vector<float> by_tiles = tiled[l].to_host();
    // float sums of up to M ≈ 10⁴ products in another order: within 1e-5 of the largest entry
    const float bound = 1e-5f * max_abs(whole);
    for (std::size_t k = 0; k < whole.size(); ++k)
      ASSERT_NEAR(by_tiles[k], whole[k], bound) << p.style_taps[l].name << " entry " << k;
  }
}

// J(x) computed in tiles is the whole image's, term by term, for layouts whose cores cut the image
// into 2×3 and 6×7 tiles. Bound: 1e-5 relative (float sums of ~10⁴–10⁵ terms in another order;
// measured, printed).
TEST(TiledLosses, AreTheWholeImagesObjectiveTermByTerm) {
  SmallProblem p;
  StyleObjective whole = p.whole_objective();
  Tensor gradient(p.x.shape(), Device::cpu);
  whole.evaluate(p.x, gradient);
  const LossValues expected = whole.read_losses();
  ASSERT_GT(expected.content, 0.0f);
  ASSERT_GT(expected.style, 0.0f);
  ASSERT_GT(expected.tv, 0.0f);
  for (const std::int64_t core : {48, 16}) {
    const TileLayout layout = tile_layout_for(p.style_taps, core);
    const std::vector<Tensor> targets = tiled_style_targets(*p.net, p.problem, layout);
    std::vector<Tensor> grams;
    const LossValues tiled = tiled_losses(*p.net, p.problem, p.x, targets, layout, grams);
    const std::vector<Tensor> by_tiled_grams = tiled_grams(*p.net, p.style_taps, p.x, layout);
    ASSERT_EQ(grams.size(), by_tiled_grams.size());
    for (std::size_t l = 0; l < grams.size(); ++l)
      EXPECT_TRUE(all_equal(grams[l].to_host(), by_tiled_grams[l].to_host())) << "G^l, layer " << l;
    const auto relative = [](float a, float b) { return std::abs(double(a) - double(b)) / std::abs(double(b)); };
    std::printf("cores of %lld: relative differences content %.1e, style %.1e, tv %.1e\n", static_cast<long long>(core),
                relative(tiled.content, expected.content), relative(tiled.style, expected.style),
                relative(tiled.tv, expected.tv));
    EXPECT_LE(relative(tiled.content, expected.content), 1e-5) << "cores of " << core;
    EXPECT_LE(relative(tiled.style, expected.style), 1e-5) << "cores of " << core;
    EXPECT_LE(relative(tiled.tv, expected.tv), 1e-5) << "cores of " << core;
    EXPECT_LE(relative(tiled.total, expected.total), 1e-5) << "cores of " << core;
  }
}

TEST(TiledRun, ZeroIterationsGiveTheInputBackExactly) {
  SmallProblem p;
  TiledOptions options;
  options.layout = tile_layout_for(p.style_taps, 48);
  options.passes = 2;
  options.iterations = 0;
  options.make_optimizer = [] { return std::make_unique<Lbfgs>(LbfgsOptions{}); };
  Tensor x = p.x.clone();
  const TiledReport report = optimise_in_tiles(*p.net, p.problem, x, options);
  EXPECT_EQ(report.visits, 2 * 6);  // 2 passes over 2×3 tiles
  const std::vector<float> before = p.x.to_host(), after = x.to_host();
  for (std::size_t k = 0; k < before.size(); ++k) ASSERT_EQ(after[k], before[k]) << "pixel " << k;
}

// The seam-gradient test (docs/MATH.md §10). For a tile with seams on every side (the middle of
// the bottom row: seams left, right and above) and a corner tile, the tile objective's dJ/dx on the
// update region must be the whole image's, term by term, and zero in the margin. Content and TV are
// exact given the margin; style is exact given the whole image's Grams, which the tiled sum gives
// up to float rounding. Bound: 1e-4 of the largest whole-image gradient entry (float rounding of
// sums in another order and of R = G − G_W; measured below 2e-6 for each term, printed).
struct Term {
  const char* name;
  ObjectiveWeights (*choose)(const ObjectiveWeights&);
};
ObjectiveWeights content_only(const ObjectiveWeights& w) {
  return {w.content, std::vector<float>(w.style.size(), 0.0f), 0.0f};
}
ObjectiveWeights style_only(const ObjectiveWeights& w) {
  return {std::vector<float>(w.content.size(), 0.0f), w.style, 0.0f};
}
ObjectiveWeights tv_only(const ObjectiveWeights& w) {
  return {std::vector<float>(w.content.size(), 0.0f), std::vector<float>(w.style.size(), 0.0f), w.tv};
}
ObjectiveWeights all_terms(const ObjectiveWeights& w) { return w; }

struct GradientError {
  float everywhere = 0, near_seams = 0, in_margin = 0, scale = 0;  // max |tile − whole|; max |whole|
};

GradientError tile_gradient_error(SmallProblem& p, const TileLayout& layout, std::size_t tile_index) {
  const std::vector<Tile> tiles = tile_grid(p.x.dim(2), p.x.dim(3), layout);
  const Tile& tile = tiles.at(tile_index);
  StyleObjective whole = p.whole_objective();
  Tensor whole_gradient(p.x.shape(), Device::cpu);
  whole.evaluate(p.x, whole_gradient);
  std::vector<std::int64_t> positions;
  for (const Tap& tap : p.style_taps) {
    const std::int64_t s = receptive_field(tap.conv_index).stride;
    positions.push_back((p.x.dim(2) / s) * (p.x.dim(3) / s));
  }
  const std::vector<Tensor> targets = tiled_style_targets(*p.net, p.problem, layout);
  const std::vector<Tensor> grams = tiled_grams(*p.net, p.style_taps, p.x, layout);
  TileObjective objective(*p.net, p.content_taps, p.style_taps, p.problem.weights, positions);
  const Tensor window = crop(p.x, tile.rows_window, tile.cols_window);
  Tensor mask = Tensor::zeros(window.shape(), Device::cpu);
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t i = tile.rows_update.begin; i < tile.rows_update.end; ++i)
      for (std::int64_t j = tile.cols_update.begin; j < tile.cols_update.end; ++j)
        mask.data()[(c * window.dim(2) + i - tile.rows_window.begin) * window.dim(3) + j - tile.cols_window.begin] = 1;
  objective.begin_visit(crop(p.problem.content, tile.rows_window, tile.cols_window), window, targets, grams,
                        std::move(mask));
  Tensor gradient(window.shape(), Device::cpu);
  objective.evaluate(window, gradient);

  GradientError e;
  const std::int64_t height = p.x.dim(2), width = p.x.dim(3), rows = window.dim(2), cols = window.dim(3);
  e.scale = max_abs(whole_gradient.to_host());
  const auto near_seam = [](std::int64_t v, const Span& core, std::int64_t length) {
    return (core.begin > 0 && std::abs(v - core.begin) <= 4) || (core.end < length && std::abs(v - core.end) <= 4);
  };
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t i = tile.rows_window.begin; i < tile.rows_window.end; ++i)
      for (std::int64_t j = tile.cols_window.begin; j < tile.cols_window.end; ++j) {
        const float g = gradient.data()[(c * rows + i - tile.rows_window.begin) * cols + j - tile.cols_window.begin];
        const bool updated = i >= tile.rows_update.begin && i < tile.rows_update.end && j >= tile.cols_update.begin &&
                             j < tile.cols_update.end;
        if (!updated) {
          e.in_margin = std::max(e.in_margin, std::fabs(g));
          continue;
        }
        const float error = std::fabs(g - whole_gradient.data()[(c * height + i) * width + j]);
        e.everywhere = std::max(e.everywhere, error);
        if (near_seam(i, tile.rows_core, height) || near_seam(j, tile.cols_core, width))
          e.near_seams = std::max(e.near_seams, error);
      }
  return e;
}

TEST(TileObjective, GradientNearSeamsIsTheWholeImages) {
  for (const Term& term :
       {Term{"content", content_only}, Term{"style", style_only}, Term{"tv", tv_only}, Term{"all", all_terms}}) {
    SmallProblem p(term.choose);
    const TileLayout layout = tile_layout_for(p.style_taps, 48);  // 2×3 tiles of 48×36..40
    for (const std::size_t tile : {std::size_t{4}, std::size_t{0}}) {
      const GradientError e = tile_gradient_error(p, layout, tile);
      std::printf(
          "%-7s tile %zu: max |dJ/dx tile - whole| %.2e of max |dJ/dx| %.3e (%.1e relative; near seams "
          "%.1e)\n",
          term.name, tile, e.everywhere, e.scale, e.everywhere / e.scale, e.near_seams / e.scale);
      EXPECT_GT(e.scale, 0.0f) << term.name;
      EXPECT_LE(e.everywhere, 1e-4f * e.scale) << term.name << ", tile " << tile;
      EXPECT_EQ(e.in_margin, 0.0f) << term.name << ": the margin must not move";
    }
  }
}

// The test of the test: a margin one stride short of the deepest layer's receptive span (20 < 23
// px for relu3_1) leaves window features that the update region moves but the window computes
// wrongly, and the gradient near the seams no longer matches.
TEST(TileObjective, MarginShorterThanTheReceptiveSpanBreaksTheMatch) {
  SmallProblem p(style_only);
  TileLayout layout = tile_layout_for(p.style_taps, 48);
  layout.margin -= layout.alignment;
  const GradientError e = tile_gradient_error(p, layout, 4);
  EXPECT_GT(e.near_seams, 1e-4f * e.scale) << "the seam-gradient test's bound would not catch a short margin";
}

// The bookkeeping G^l += G^l_W(after) − G^l_W(before) keeps the whole image's Grams: after every
// visit they equal the Grams summed afresh over the tiles of the current x (within 1e-4 of the
// largest entry: float sums in another order, accumulated over the visits).
TEST(TiledRun, KeptGramsAreTheCurrentImagesAfterEveryVisit) {
  SmallProblem p;
  TiledOptions options;
  options.layout = tile_layout_for(p.style_taps, 56);
  options.passes = 1;
  options.iterations = 3;
  options.make_optimizer = [] { return std::make_unique<Lbfgs>(LbfgsOptions{}); };
  Tensor x = p.x.clone();
  int visits = 0;
  optimise_in_tiles(*p.net, p.problem, x, options, [&](const TileVisit& visit) {
    const std::vector<Tensor> fresh = tiled_grams(*p.net, p.style_taps, x, options.layout);
    for (std::size_t l = 0; l < fresh.size(); ++l) {
      const std::vector<float> expected = fresh[l].to_host(), kept = (*visit.grams)[l].to_host();
      const float bound = 1e-4f * max_abs(expected);
      for (std::size_t k = 0; k < expected.size(); ++k)
        ASSERT_NEAR(kept[k], expected[k], bound) << "visit " << visit.tile << ", " << p.style_taps[l].name;
    }
    ++visits;
  });
  EXPECT_EQ(visits, 4);
}

}  // namespace
}  // namespace nst::testing

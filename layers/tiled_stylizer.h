#pragma once
// One scale optimised in tiles, for images whose network pass does not fit in memory at once
// (docs/MATH.md §10). The whole image stays on the host; each tile's window goes to the device:
//
//   A^l    the style targets, ONCE, from the whole style images, their Grams summed tile by tile
//          over the positions each core owns (the cores partition the image, so the sum is exact);
//   pass   G^l of the whole x, summed the same way (before the first pass, then after each pass
//          for the next; with it J(x), tiled_losses); then every tile in turn (row-major in passes
//          1, 3, …, reversed in passes 2, 4, …, so that a seam's news travels both ways):
//            its window and the content's go to the device, TileObjective makes the visit's
//            targets, a fresh optimizer runs `iterations` iterations on the window (gradient zero
//            in the margin), the window comes back and is blended into x with feather weights,
//            and G^l += G^l_W(window after) − G^l_W(window before), which keeps G^l the Gram of
//            the current x for the next tile.
//
// Each visit starts a fresh optimizer: L-BFGS's history of a tile is 2·m window-sized vectors, so
// keeping one per tile would hold 2·m copies of the whole image (m = 100: 200 images, 29 GB at
// 4000×3000), and the curvature it records goes stale as the neighbours and R^l move.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/tensor.h"
#include "layers/kept_image.h"
#include "layers/optimizer.h"
#include "layers/style_objective.h"
#include "layers/stylizer.h"
#include "layers/tile_geometry.h"
#include "layers/vgg19.h"

namespace nst {

struct TiledProblem {
  std::vector<Tap> content_taps, style_taps;
  ObjectiveWeights weights;        // α_c, β_l, γ of the whole image (layers/loss_weights.h)
  Tensor content;                  // the whole content image, a VGG input (1, 3, H, W) on the host
  std::vector<Tensor> styles;      // the whole style images, VGG inputs on the host
  std::vector<float> style_blend;  // w_s, one per style image (normalised here)
};

struct TiledOptions {
  TileLayout layout;
  int passes = 6;      // nst's --tile-passes default
  int first_pass = 1;  // a resumed run: x is the image after passes 1 … first_pass − 1
  int iterations = 0;  // per visit of a tile
  KeepImage keep = KeepImage::best;
  std::function<std::unique_ptr<Optimizer>()> make_optimizer;
};

struct TileVisit {
  int pass = 0, passes = 0;  // 1-based
  int tile = 0, tiles = 0;   // 1-based, in the grid's row-major numbering
  bool ends_pass = false;    // the pass's last visit
  const Tile* geometry = nullptr;
  float objective = 0;  // the tile's objective at the image it kept (host read, once per visit)
  LoopReport loop;
  const std::vector<Tensor>* grams = nullptr;  // G^l of x after the visit, as the bookkeeping keeps it
};
using TileVisitCallback = std::function<void(const TileVisit& visit)>;
// Called after each pass but the last with its number (1-based); x is then the image after it.
// Each visit starts a fresh optimizer and each pass recomputes G^l from x, so x and the number of
// passes done are the whole state: a run started there (TiledOptions::first_pass) continues with
// the bits of one that never stopped.
using TilePassCallback = std::function<void(int pass)>;
// Called with J of the whole image and its terms after `passes_done` passes: before the first pass
// run (passes_done = first_pass − 1) and after each pass (tiled_losses: one more forward of each
// window of x and of the content per call).
using TileLossCallback = std::function<void(int passes_done, const LossValues& losses)>;

struct TiledReport {
  int visits = 0;
  std::int64_t evaluations = 0;  // of tile objectives, every visit's
};

// G^l of a whole host image at each style tap, summed over the tiles (their windows on the net's
// device), each tile contributing the positions its core owns.
std::vector<Tensor> tiled_grams(Vgg19& net, const std::vector<Tap>& style_taps, const Tensor& image,
                                const TileLayout& layout);

// A^l = Σ_s w_s·G^l(style_s)·M_l/M_l^s, every Gram by tiles; M_l for an image of height × width.
std::vector<Tensor> tiled_style_targets(Vgg19& net, const TiledProblem& problem, const TileLayout& layout);

// J(x) of the whole host image x (layers/style_objective.h) and its weighted terms, computed in
// tiles, and G^l of x into `grams` (tiled_grams' bits) from the same forwards: the content term
// summed over the positions each core owns (the windows of x and of the content), the style terms
// from G^l and the targets A^l (tiled_style_targets), TV on the host.
LossValues tiled_losses(Vgg19& net, const TiledProblem& problem, const Tensor& x, const std::vector<Tensor>& targets,
                        const TileLayout& layout, std::vector<Tensor>& grams);

// Optimises the host image x (the whole image, VGG input space) in tiles, in place, passes
// first_pass … passes. With iterations = 0 x comes back unchanged, bit for bit.
TiledReport optimise_in_tiles(Vgg19& net, const TiledProblem& problem, Tensor& x, const TiledOptions& options,
                              const TileVisitCallback& after_visit = {}, const TilePassCallback& after_pass = {},
                              const TileLossCallback& losses_after = {});

}  // namespace nst

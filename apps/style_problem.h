#pragma once
// The objective J of a run, built from the options the way every command builds it (stylise,
// explain, gradcheck): the device, the images read and resized, VGG19 up to the deepest layer
// needed, the weights α_c, β_l, γ of layers/loss_weights.h, and the StyleObjective with its targets.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/image.h"
#include "apps/options.h"
#include "engine/tensor.h"
#include "layers/loss_weights.h"
#include "layers/optimizer.h"
#include "layers/style_objective.h"
#include "layers/taps.h"
#include "layers/tile_plan.h"
#include "layers/vgg19.h"

namespace nst {

struct StyleProblem {
  Device device = Device::cpu;
  Image content_image;              // resized to --image-size
  std::vector<Image> style_images;  // resized for --image-size (style_side)
  std::string weights_path;         // the weights file read: --weights, or the one the search found
  std::vector<Tap> content_taps, style_taps;
  std::unique_ptr<Vgg19> net;  // the objective refers to it: kept at a fixed address
  Tensor content;              // VGG inputs (1, 3, H, W) on `device`, at the size J is built for
  std::vector<Tensor> styles;
  std::vector<float> style_blend;  // one per style image, as given (the objective normalises them)
  UserLossWeights user_weights;
  ObjectiveWeights weights;                   // α_c, β_l, γ
  std::unique_ptr<StyleObjective> objective;  // none for a tiled run
  // Set when the final scale is over --max-memory whole and is optimised in tiles
  // (layers/tiled_stylizer.h): then content and styles are on the host, and only the net is on
  // `device`. Each scale decides for itself (scale_tiles, apps/run_memory.h).
  std::optional<TilePlan> tiles;
  bool tiled = false;                                                   // J is not built at the current size
  Device image_device() const { return tiled ? Device::cpu : device; }  // where content and styles live
};

// "auto" → CUDA when usable; "cuda" without a usable GPU is an error saying why.
Device choose_device(const std::string& requested);

// Reads the images and weights (weights/default_weights_path.h finds them when --weights is not
// given), prints what was chosen (device, weights, layers, sizes) and builds J. Throws nst::Error
// naming the file or layer on any bad input; set_run_step says which step a failure was in. A run
// over the memory limit is refused, or with `allow_tiles` planned in tiles (J is then not built).
StyleProblem build_style_problem(const Options& o, bool allow_tiles = false);

// The optimizer of --optimizer, with --learning-rate, --lbfgs-history and --lbfgs-line-search;
// L-BFGS with H0 = γ0·I at its first step when γ0 > 0 (LbfgsOptions::initial_inverse_hessian).
std::unique_ptr<Optimizer> make_optimizer(const Options& o, float lbfgs_initial_inverse_hessian = 0.0f);

// J rebuilt for an image of `size` (a scale of layers/scales.h): the content image resized to it,
// each style image to style_side(its longer side, --style-scale), the weights of loss_weights.h
// for that size, and the targets computed again. Resized from the images at --image-size; nothing
// changes when J is already built for `size`. For a scale optimised in tiles (`tiled`), the
// content and style images are left on the host and J is not built (layers/tiled_stylizer.h makes
// its own targets, tile by tile).
void set_problem_size(StyleProblem& problem, const Options& o, ImageSize size, bool tiled = false);

// The starting image x_0 of --init: the content, seeded noise, or an image file resized to the
// content's size (that of the problem's J).
Tensor initial_image(const Options& o, const StyleProblem& problem);
// The same at `size` (a scale's, layers/scales.h InitialImage): the content resized from the image
// at --image-size as set_problem_size resizes it, noise of that size from the seed, the file resized.
Tensor initial_image(const Options& o, const StyleProblem& problem, ImageSize size);

}  // namespace nst

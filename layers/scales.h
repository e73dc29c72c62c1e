#pragma once
// Coarse to fine (multi-scale): the image is stylised at a small size first, where an iteration is
// cheap and the network's receptive field spans a larger share of the picture (so the style's large
// structures settle), then upsampled to start the next, larger scale, up to the final size.
//
// The sizes form a geometric sequence from the start size a to the final size b over N scales:
//   side_k = round(a · (b / a)^(k / (N − 1))),  k = 0 … N − 1,
// so each scale is the same factor r = (b / a)^(1 / (N − 1)) larger than the one before. Given N
// alone, a = b / r0^(N − 1); given a alone, N = 1 + ⌈log(b / a) / log r0⌉; r0 = kDefaultScaleStep.
// The image at each scale has the final image's aspect ratio (longer_side_size of the final size).
#include <functional>
#include <vector>

#include "engine/tensor.h"
#include "layers/resample.h"

namespace nst {

// The factor between neighbouring scales when only --scales or only --start-size is given: a doubling,
// as in the multires scripts users run by hand (not swept; bench/RESULTS.md "Coarse to fine at 1024 px").
inline constexpr double kDefaultScaleStep = 2.0;
// The smallest start size: below it the deepest default layer (relu5_1, after 4 poolings) has no
// positions left.
inline constexpr int kMinScaleSide = 16;

struct ScaleRequest {
  ImageSize final_size;            // the image at the last scale (the content resized to --image-size)
  int scales = 0;                  // N; 0: from start_side and the default step
  int start_side = 0;              // a, the longer side of the first scale; 0: from N and the default step
  int iterations = 0;              // at each scale
  int last_scale_iterations = -1;  // at the last scale; −1: `iterations`
};

struct Scale {
  int index = 1;  // 1-based, coarse to fine
  int count = 1;  // of scales in the schedule
  ImageSize size;
  int iterations = 0;
  int longer_side() const { return size.width > size.height ? size.width : size.height; }
};

// The scales, coarse to fine; one scale (the final size) when N = 1 or a equals b. Throws an
// nst::Error when the request has no such schedule: a above b, a below kMinScaleSide, or N so
// large for a and b that two scales round to the same size.
std::vector<Scale> scale_schedule(const ScaleRequest& request);

// Optimises x, the image at `scale.size`, for that scale's problem: the seam where how a scale is
// optimised (the whole image at once, or in tiles) is chosen. May replace x by an image of the same size.
using OptimiseScale = std::function<void(const Scale& scale, Tensor& x)>;

// i(size): the image a run at `size` starts from when nothing was optimised before it (--init at
// that size: the content resized, the seeded noise, the init file resized). Same result for the
// same size.
using InitialImage = std::function<Tensor(ImageSize size)>;

// Where the next scale starts: its own initial image plus the change the optimisation made to the
// coarser one, resampled (U: layers/resample.h) — a Laplacian pyramid's step, the coarse scale
// supplying the low frequencies it optimised and the initial image the detail it cannot hold:
//   x_{k+1}⁰ = i_{k+1} + U(x_k − i_k).
// Resampling the result alone, U(x_k) = U(i_k) + U(x_k − i_k), would replace i_{k+1} by U(i_k),
// the content blurred: the next scale would then start without the fine texture the style term
// at its size measures, above the content's own style loss (bench/RESULTS.md, "Coarse to fine at
// 1024 px"). A scale not optimised (x_k = i_k) gives i_{k+1} exactly.
// result and initial_here: (1, C, H_k, W_k); initial_next: (1, C, H_{k+1}, W_{k+1}). On result's device.
Tensor next_scale_start(const Tensor& result, const Tensor& initial_here, const Tensor& initial_next);

// The scale of L-BFGS's initial inverse Hessian H0 = γ·I (layers/lbfgs.h) for the next scale,
// from γ at the end of this one. J is normalised so that it hardly changes when a smooth image is
// resampled (each term is a mean over positions: loss_weights.h, style_objective.h), J_next(U·x) ≈ J(x);
// with U spreading each pixel over P_next / P pixels, the curvature per pixel shrinks by that factor:
//   γ_next = γ · P_next / P       (P: pixels of a scale).
// A fresh L-BFGS started with it takes a step of the size the coarse scale had learnt, instead of
// torch's first step of one unit in all (‖s‖₁ = lr), a stall on a large image whose tiny curvature
// pair then sets a γ that overshoots (bench/RESULTS.md, "Coarse to fine at 1024 px").
float carried_inverse_hessian(float gamma, ImageSize here, ImageSize next);

// Runs schedule[first] … schedule.back(): x, at schedule[first]'s size, is optimised there; each
// next scale starts from next_scale_start(result, i(this size), i(next size)). x ends at the last
// scale's size.
void stylize_coarse_to_fine(const std::vector<Scale>& schedule, std::size_t first, Tensor& x,
                            const InitialImage& initial_image, const OptimiseScale& optimise_scale);

}  // namespace nst

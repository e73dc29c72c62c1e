#pragma once
// J restricted to one tile: the whole image's objective (layers/style_objective.h) as a function of
// the pixels in the tile's update region, every other pixel held, computed from the tile's window
// alone (docs/MATH.md §10):
//
//   content  ½‖F^c(x_W) − F^c(content_W)‖², α_c: the window's features, targets from the content's
//            window; the features the update region can change are all exact (the margin covers
//            their receptive field), the rest are constants of the tile.
//   style    ‖G^l_W(x_W) + R^l − A^l‖² / (2·C_l·M_l)², M_l the WHOLE image's positions, where
//            R^l = G^l − G^l_W(x_W at the visit's start) is the rest of the whole image's Gram G^l:
//            the window's Gram changes exactly as the whole image's does, so this is J_style^l(x).
//            ops::style_loss normalises by the window's M_l^W: the weight is β_l·(M_l^W / M_l)².
//   TV       γ·TV(x_W): every pair with a pixel in the update region lies in the window.
//
// dJ/dx is kept where the update mask is positive (the update region) and zero in the margin, so
// the optimizer never moves a margin pixel.
#include <cstdint>
#include <vector>

#include "engine/tensor.h"
#include "layers/objective.h"
#include "layers/style_objective.h"
#include "layers/vgg19.h"

namespace nst {

class TileObjective : public Objective {
 public:
  // `whole_positions[l]`: M_l of the whole image at style layer l; `weights`: the whole image's
  // α_c, β_l, γ (layers/loss_weights.h computes them from its size, not the window's).
  TileObjective(Vgg19& net, std::vector<Tap> content_taps, std::vector<Tap> style_taps, ObjectiveWeights weights,
                std::vector<std::int64_t> whole_positions);

  // Starts a visit of a window (all on the net's device): content targets from `content_window`;
  // R^l from the whole image's Grams `whole_grams` (G^l at the current x) and the Grams of
  // `x_window`, the window as it is now; `style_targets` A^l; `update_mask` (x_window's shape) 1 in
  // the update region, 0 elsewhere.
  void begin_visit(const Tensor& content_window, const Tensor& x_window, const std::vector<Tensor>& style_targets,
                   const std::vector<Tensor>& whole_grams, Tensor update_mask);

  void evaluate(const Tensor& x, Tensor& gradient) override;
  const Tensor& value() const override { return total_; }

  // G^l_W of the window at the visit's start, one per style layer (for the caller's bookkeeping of
  // the whole image's Grams).
  const std::vector<Tensor>& start_grams() const { return start_grams_; }

 private:
  struct StyleTerm {
    Tap tap;
    float weight;           // β_l·(M_l^W / M_l)²
    Tensor shifted_target;  // A^l − R^l: the window's Gram is compared with it
    Tensor gram, loss;
  };
  struct ContentTerm {
    Tap tap;
    float weight;  // α_c
    Tensor target, loss;
  };

  Vgg19& net_;
  std::vector<Tap> content_taps_, style_taps_;
  ObjectiveWeights weights_;
  std::vector<std::int64_t> whole_positions_;
  std::vector<ContentTerm> content_terms_;
  std::vector<StyleTerm> style_terms_;
  std::vector<Tensor> start_grams_;
  Tensor update_mask_;
  Tensor tv_loss_, total_;
};

}  // namespace nst

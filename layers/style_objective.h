#pragma once
// The objective of Gatys-style transfer and its gradient with respect to the generated image x:
//
//   J(x) = Σ_c α_c·J_content^c(x) + Σ_l β_l·J_style^l(x) + γ·TV(x)     (β_l = β·λ_l)
//   J_content^c = ½‖a^c(x) − a^c(content)‖²
//   J_style^l   = ‖G^l(x) − A^l‖² / (2·C_l·M_l)²,  G^l = F^l·F^lᵀ,  M_l = H_l·W_l
//   A^l         = Σ_s w_s·G^l(style_s)·(M_l / M_l^s)   (blend weights w_s sum to 1)
//
// The style targets are rescaled by M_l / M_l^s so that a style image of another size than x has
// Grams of the same magnitude (G grows with the number of positions it sums over).
// All loss values stay on the device as one-element tensors; read_losses() copies them to the host.
#include <vector>

#include "engine/tensor.h"
#include "layers/objective.h"
#include "layers/vgg19.h"

namespace nst {

struct ObjectiveWeights {
  std::vector<float> content;  // α_c, one per content layer
  std::vector<float> style;    // β_l = β·λ_l, one per style layer
  float tv = 0.0f;             // γ
};

struct LossValues {
  float total = 0, content = 0, style = 0, tv = 0;  // each already weighted: Σα_c·J_c, Σβ_l·J_l, γ·TV
};

class StyleObjective : public Objective {
 public:
  // `net` must have been built with the content and style taps; content and styles are VGG inputs
  // (1, 3, H, W) on the net's device; style_blend holds one weight per style image (normalised here).
  StyleObjective(Vgg19& net, std::vector<Tap> content_taps, std::vector<Tap> style_taps, const Tensor& content,
                 const std::vector<Tensor>& styles, std::vector<float> style_blend, ObjectiveWeights weights);

  // J(x) into the device scalars and dJ/dx into `gradient` (x's shape, overwritten).
  void evaluate(const Tensor& x, Tensor& gradient) override;
  const Tensor& value() const override { return total_; }  // J(x), on the device

  // The losses of the last evaluate(), copied to the host (a few floats).
  LossValues read_losses() const;

  // One term of J as the last evaluate() left it, for inspection (nst explain, nst gradcheck).
  struct ContentTerm {
    Tap tap;
    float weight;   // α_c
    Tensor target;  // a^c(content)
    Tensor loss;    // J_content^c, unweighted, one element
  };
  struct StyleTerm {
    Tap tap;
    float weight;   // β_l
    Tensor target;  // A^l (1, C, C)
    Tensor gram;    // G^l(x), kept for the backward
    Tensor loss;    // J_style^l, unweighted
  };
  const std::vector<ContentTerm>& content_terms() const { return content_terms_; }
  const std::vector<StyleTerm>& style_terms() const { return style_terms_; }
  const Tensor& tv_loss() const { return tv_loss_; }  // TV(x), unweighted
  const ObjectiveWeights& weights() const { return weights_; }

  // Replaces α_c, β_l and γ (as many as before); the targets stay. With all weights but one set to
  // 0, evaluate() gives that term alone and its gradient.
  void set_weights(ObjectiveWeights weights);

 private:
  Vgg19& net_;
  ObjectiveWeights weights_;
  std::vector<ContentTerm> content_terms_;
  std::vector<StyleTerm> style_terms_;
  Tensor tv_loss_;
  Tensor total_content_, total_style_, total_;
  Tensor gram_scratch_;  // CUDA: the Grams' split-K partial sums (ops::gram), shared by the style terms
};

}  // namespace nst

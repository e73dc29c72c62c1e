#pragma once
// Adam (Kingma & Ba 2015, Algorithm 1): per-pixel steps scaled by running moments of the gradient.
// State: the moments m and v, zero at the start, on x's device; one fused ops::adam_step per call.
#include <cstdint>
#include <optional>
#include <string>

#include "engine/tensor.h"
#include "layers/channel_bounds.h"
#include "layers/optimizer.h"

namespace nst {

struct AdamOptions {
  float learning_rate = 10.0f;  // pixels are 0-255 (mean-subtracted): a step of ~10 levels at first
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  ChannelBounds bounds = {};  // keep x in this box (none by default): each step ends with x projected onto it
};

class Adam : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});

  // The bytes of state (m, v and the bounds) for an image of `numel` values on `device`, as its
  // allocator counts them.
  static std::size_t state_bytes(std::int64_t numel, const AdamOptions& options, Device device);

  void step(Tensor& x, const Tensor& gradient) override;
  // With bounds, x is projected onto them before the first evaluation.
  void iterate(Objective& objective, Tensor& x, Tensor& gradient) override;
  std::string name() const override { return "adam"; }
  bool next_step_is_stationary() const override { return false; }  // t is a kernel argument
  OptimizerState export_state() const override;                    // layers/adam_state.cpp
  void import_state(const OptimizerState& state, const Tensor& x) override;

 private:
  const BoxProjection& box(const Tensor& x);  // options_.bounds on x's device, made at the first use

  AdamOptions options_;
  std::int64_t steps_taken_ = 0;
  Tensor first_moment_;               // m
  Tensor second_moment_;              // v
  std::optional<BoxProjection> box_;  // options_.bounds on x's device
};

}  // namespace nst

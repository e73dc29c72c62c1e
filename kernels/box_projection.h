#pragma once
// Projection onto a box of per-channel bounds: the nearest point of
//   B = { x : lower_c ≤ x_nchw ≤ upper_c for every n, c, h, w }
// is x clamped value by value, x_i ← min(max(x_i, lower_c), upper_c) (B is a product of intervals,
// so the Euclidean projection separates). An optimizer that keeps the image in B projects after
// each step; when it remembers its step s (L-BFGS's curvature pair s = x_new − x_old), what the
// projection cut is taken from s as well, so that s stays the step really taken.
#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/stream.h"

namespace nst {

// The box and the tensor's layout: x holds `batch_channels` planes of `plane` values (N·C planes of
// H·W, NCHW), plane p being channel p mod `channels`. `lower` and `upper` point at `channels` floats
// where x is (device bounds: no host value inside an optimizer's step).
struct ChannelBox {
  std::int64_t batch_channels = 0;  // N·C
  std::int64_t channels = 0;        // C
  std::int64_t plane = 0;           // H·W
  const float* lower = nullptr;     // [C]
  const float* upper = nullptr;     // [C]

  NST_HOST_DEVICE std::int64_t values() const { return batch_channels * plane; }
  NST_HOST_DEVICE std::int64_t channel_of(std::int64_t value) const { return value / plane % channels; }
};

struct BoxProjectionArgs {
  ChannelBox box;
  float* x = nullptr;     // [N·C·H·W], projected in place
  float* step = nullptr;  // [N·C·H·W] or null: step_i −= x_i before − x_i after
};

void project_onto_box_cpu(const BoxProjectionArgs& args);
void project_onto_box_cuda(const BoxProjectionArgs& args, Stream stream);

// The bounds that bind at x for the gradient g: value i is held when it sits on a bound that the
// descent direction −g would cross,
//   i ∈ A(x, g)  ⇔  (x_i ≤ lower_c and g_i > 0) or (x_i ≥ upper_c and g_i < 0),
// and a bounded optimizer moves only the free values (the active set of L-BFGS-B: Byrd, Lu, Nocedal
// & Zhu 1995, and of Kim, Sra & Dhillon 2010's projected quasi-Newton). v_i ← 0 for every i ∈ A:
// applied to a copy of g it gives the projected gradient, to a direction its free part.
struct BoundActiveSetArgs {
  ChannelBox box;
  const float* x = nullptr;         // [N·C·H·W]
  const float* gradient = nullptr;  // [N·C·H·W]
  float* v = nullptr;               // [N·C·H·W]: zeroed on A(x, g), unchanged elsewhere (may be gradient's copy)
};

void zero_where_bounds_bind_cpu(const BoundActiveSetArgs& args);
void zero_where_bounds_bind_cuda(const BoundActiveSetArgs& args, Stream stream);

}  // namespace nst

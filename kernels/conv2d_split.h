#pragma once
// Split-K for the CUDA convolutions (kernels/cuda/conv2d_forward.cu, conv2d_backward_data.cu), for
// the layers whose 128×128 tiles are too few to fill the card: conv4_x and conv5_x at 512 px, whose
// 64×64 and 32×32 images make 128 and 32 tiles.
//
// The occupancy model. The GEMM main loop's block (256 threads, 34.8 KB of shared memory, at most
// 128 registers a thread under __launch_bounds__) fits twice on an SM, so an H100/H200's 132 SMs run
// kWaveBlocks = 264 blocks at once. A grid of T < 264 tiles leaves 264 − T of those slots idle for
// its whole run; its time is that of one block's K loop. Splitting K into P parts makes T·P blocks
// of 1/P of the loop each: while T·P ≤ 264 they still run at once, so the time falls as 1/P. So
// P = ⌊264/T⌋, the most parts that fit one wave, capped so that each part keeps at least
// kMinPartSlices = 32 K slices (the pipeline's prologue and the partial sums' traffic, P·M·N floats
// written and read once, stay small beside the part's arithmetic). conv5_1 at 512 px: T = 32, P = 8
// (256 of 264 slots busy instead of 32); conv4_x: T = 128, P = 2 (256 instead of 128); a grid of
// 133 tiles or more is never split (a second part would need a second wave).
//
// Each part writes its M×N partial product to scratch[part][row][column]; a second kernel sums the
// parts in order 0, 1, … (the same bits on every run) and applies the epilogue (bias and ReLU, or
// the ReLU gate). The caller passes the scratch: scratch_floats() floats.
#include <algorithm>
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/conv2d_small_m.h"

namespace nst {

struct ConvSplit {
  std::int64_t m = 0, n = 0;     // the GEMM's rows (output channels) and columns (output pixels)
  int parts = 1;                 // K parts, grid z
  std::int64_t part_slices = 0;  // K slices (of the main loop's 8) per part; the last may be shorter
  std::int64_t scratch_floats() const { return parts > 1 ? std::int64_t(parts) * m * n : 0; }
};

inline ConvSplit conv_split(std::int64_t m, std::int64_t n, std::int64_t k) {
  constexpr std::int64_t kTile = 128, kSliceK = 8;  // the main loop's tile edge and K slice (gemm_mainloop.cuh)
  constexpr std::int64_t kWaveBlocks = 264, kMinPartSlices = 32;
  const auto ceil_div = [](std::int64_t a, std::int64_t b) { return (a + b - 1) / b; };
  ConvSplit s;
  s.m = m, s.n = n;
  const std::int64_t slices = ceil_div(std::max<std::int64_t>(k, 1), kSliceK);
  const std::int64_t tiles =
      ceil_div(std::max<std::int64_t>(m, 1), kTile) * ceil_div(std::max<std::int64_t>(n, 1), kTile);
  const std::int64_t parts = std::max<std::int64_t>(1, std::min(kWaveBlocks / tiles, slices / kMinPartSlices));
  s.part_slices = ceil_div(slices, parts);
  s.parts = int(ceil_div(slices, s.part_slices));  // no empty part
  return s;
}

inline ConvSplit conv2d_forward_split(const Conv2dParams& p) {
  return conv_split(p.c_out, p.n * p.out_h() * p.out_w(), p.c_in * p.kh * p.kw);
}
// One part, no scratch, where the small-M kernel takes the backward-data (kernels/conv2d_small_m.h).
inline ConvSplit conv2d_backward_data_split(const Conv2dParams& p) {
  if (conv2d_backward_data_small_m(p)) return conv_split(p.c_in, p.n * p.h * p.w, 0);
  return conv_split(p.c_in, p.n * p.h * p.w, p.c_out * p.kh * p.kw);
}

}  // namespace nst

#pragma once
// The gathered operands of the implicit-GEMM convolutions as loaders for the GEMM main loop
// (gemm_mainloop.cuh, gemm_operands.cuh): im2col(x) for the forward, DY_col for the backward-data
// (the index maps are kernels/conv2d_index.h's, checked there on the CPU). The weights need no
// gather: both directions read them row-major (w, and Wᵀ re-laid once, conv2d_transposed_weights.cu).
// Row k of these operands is a pair (channel, tap), k = channel·taps + tap. Instead of a division and
// a modulo per element, each thread keeps a TapCursor per row it loads and moves it by one K slice
// (8 rows) per call: tap += 8 mod taps, channel += 8 div taps, the two divisions done once. A part of
// a split K (kernels/conv2d_split.h) starts its cursors at its first row, k0.
#include <cstdint>

#include "kernels/conv2d_index.h"
#include "kernels/cuda/gemm_operands.cuh"

namespace nst::gemm {

// Row k = (channel, tap) of a convolution operand, advanced a slice at a time.
struct TapCursor {
  int channel, tap;

  template <class Win>
  __device__ TapCursor(int k, const Win& win) : channel(k / win.taps()), tap(k - k / win.taps() * win.taps()) {}

  template <class Win>
  __device__ void next_slice(const Win& win) {
    constexpr int kStep = kTileK;
    tap += kStep % win.taps();
    channel += kStep / win.taps();
    if (tap >= win.taps()) {
      tap -= win.taps();
      ++channel;
    }
  }
};

// Forward B = im2col(x): this thread's column n0 + (its row in the tile), rows along K.
template <class Win>
struct ImageColumns {
  conv_index::ImageColumn<Win> column;
  int c_in;
  TapCursor cursor[kLoadsPerThread];

  __device__ ImageColumns(const conv_index::ConvShape& s, const Win& win, const float* x, std::int64_t n0, int k0)
      : column(conv_index::image_column(s, win, x, n0 + along_rows_row())),
        c_in(s.c_in),
        cursor{TapCursor(k0 + along_rows_k(0), win), TapCursor(k0 + along_rows_k(1), win),
               TapCursor(k0 + along_rows_k(2), win), TapCursor(k0 + along_rows_k(3), win)} {}

  __device__ void load(float (*stage)[kPitch], std::int64_t) {
#pragma unroll
    for (int j = 0; j < kLoadsPerThread; ++j) {
      const std::int64_t at =
          (column.image >= 0 && cursor[j].channel < c_in) ? column.tap_offset(cursor[j].channel, cursor[j].tap) : -1;
      ptx::cp_async_f32(&stage[along_rows_k(j)][along_rows_row()], at >= 0 ? column.x + at : column.x, at >= 0);
      cursor[j].next_slice(column.win);
    }
  }
};

// Backward-data B = DY_col: this thread's column n0 + (its row in the tile), rows along K.
template <class Win>
struct GradientColumns {
  conv_index::GradientColumn<Win> column;
  int c_out;
  TapCursor cursor[kLoadsPerThread];

  __device__ GradientColumns(const conv_index::ConvShape& s, const Win& win, const float* dy, std::int64_t n0, int k0)
      : column(conv_index::gradient_column(s, win, dy, n0 + along_rows_row())),
        c_out(s.c_out),
        cursor{TapCursor(k0 + along_rows_k(0), win), TapCursor(k0 + along_rows_k(1), win),
               TapCursor(k0 + along_rows_k(2), win), TapCursor(k0 + along_rows_k(3), win)} {}

  __device__ void load(float (*stage)[kPitch], std::int64_t) {
#pragma unroll
    for (int j = 0; j < kLoadsPerThread; ++j) {
      const std::int64_t at =
          (column.image >= 0 && cursor[j].channel < c_out) ? column.tap_offset(cursor[j].channel, cursor[j].tap) : -1;
      ptx::cp_async_f32(&stage[along_rows_k(j)][along_rows_row()], at >= 0 ? column.dy + at : column.dy, at >= 0);
      cursor[j].next_slice(column.win);
    }
  }
};

}  // namespace nst::gemm

// Convolution backward-data for few input channels (kernels/conv2d_small_m.h: C_in ≤ 8, VGG19's
// conv1_1), as a direct sum instead of a GEMM, ReLU's backward fused (kernels/conv2d.h):
//   dx[n,c,h,w] = Σ_{u,v} Σ_o w[o,c,u,v] · dy[n, o, (h + p − u)/s, (w + p − v)/s]
//   over the taps where both divisions are exact and land inside dy; dx = 0 where gate <= 0.
// Layout: dy (N, C_out, OH, OW), gate and dx (N, C_in, H, W); the weights as Wᵀ, w_t (C_in,
// C_out·KH·KW) row-major, w_t[c·K + o·KH·KW + tap] = w[o, c, tap] (kernels/conv2d.h).
//
// One thread per input pixel (n, h, w), the GEMM's column (kernels/conv2d_index.h), computing all
// C_in of its channels: for each tap whose dy pixel exists, for each output channel o, one read of
// dy and C_in fused multiply-adds against the filters w[o, ·, u, v]. The filters are staged in shared
// memory, a chunk of output channels at a time (all of conv1_1's 64 fit one: 64·9 float4, 9.2 KB),
// as float4 groups of 4 input channels (0 past C_in), so that one broadcast read feeds 4 FMAs. dy is
// read through the cache: the 32 threads of a warp read 32 neighbouring pixels of one plane, and each
// dy element serves the KH·KW input pixels around it, from L1. FP32 FMA in every --conv-math: this
// layer is bound by memory and issue, not by the arithmetic, so the tensor cores would buy nothing,
// and the result is at least as accurate as every math's bound. dx is overwritten, each element once
// by its pixel's thread (no atomics: deterministic).
//
// Cost, conv1_1 at the demo's 512×384 px (N = 1, C_out = 64, 3×3): 2·3·64·9·196608 = 0.68 GFLOP
// (10 µs at an H100's 67 TFLOP/s FP32) against at least 55 MB moved (dy 50.3 MB read once from DRAM,
// the gate and dx 2.4 MB each): 12 FLOP/B, below the card's 20 FLOP/B balance (67 TFLOP/s over
// 3.35 TB/s), so DRAM alone needs 16 µs. Issue: per pixel, output channel and tap one dy load, one
// LDS.128 and 4 FFMA plus an address step, ~7 slots: 196608/32 warps · 576 · 7 slots over 132·4
// sub-partitions at 1.9 GHz ≈ 25 µs. Predicted ~25–30 µs, where the 128-row GEMM tiles did 29 GFLOP
// of tile work (0.3–0.7 ms by the model); bench/RESULTS.md, not yet measured.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/conv2d_index.h"
#include "kernels/conv2d_small_m.h"

namespace nst {

namespace {

using conv_index::ConvShape;
using conv_index::Window;

constexpr int kThreads = 256;
constexpr int kMaxGroups = int(kSmallMMaxChannels) / 4;
static_assert(kMaxGroups * 4 == kSmallMMaxChannels, "channels come in float4 groups");

// Block b computes the pixels (columns) [256·b, 256·b + 256); chunk_channels output channels' filters
// are staged at a time: filters[(oo·taps + tap)·groups + g] holds w[o0 + oo, 4g … 4g + 3, tap].
template <class Win>
__global__ void __launch_bounds__(kThreads)
    conv2d_backward_data_small_m_kernel(ConvShape s, Win win, const float* __restrict__ dy,
                                        const float* __restrict__ w_t, const float* __restrict__ gate,
                                        float* __restrict__ dx, int chunk_channels) {
  __shared__ float4 filters[kSmallMStagedFloat4];
  const int taps = win.taps(), groups = (s.c_in + 3) / 4;
  const std::int64_t col = std::int64_t(blockIdx.x) * kThreads + threadIdx.x;
  // An empty column (image < 0) past the last pixel: its thread still stages and synchronizes.
  const conv_index::GradientColumn<Win> column = conv_index::gradient_column(s, win, dy, col);
  const std::int64_t plane = s.out_pixels();  // from dy[n, o, i, j] to dy[n, o + 1, i, j]
  float acc[kSmallMMaxChannels] = {};

  for (int o0 = 0; o0 < s.c_out; o0 += chunk_channels) {
    const int chunk = s.c_out - o0 < chunk_channels ? s.c_out - o0 : chunk_channels;
    float* staged = reinterpret_cast<float*>(filters);
    for (int i = int(threadIdx.x); i < chunk * taps * groups * 4; i += kThreads) {
      const int c = i / 4 % groups * 4 + i % 4, tap = i / 4 / groups % taps, oo = i / 4 / groups / taps;
      staged[i] = c < s.c_in ? w_t[(std::int64_t(c) * s.c_out + o0 + oo) * taps + tap] : 0.0f;
    }
    __syncthreads();  // the chunk is staged

    if (column.image >= 0) {
      for (int tap = 0; tap < taps; ++tap) {
        const std::int64_t at = column.tap_offset(o0, tap);  // dy[n, o0, i, j], or −1: no such (i, j)
        if (at < 0) continue;
        const float* d = dy + at;
        for (int oo = 0; oo < chunk; ++oo, d += plane) {
          const float g = *d;
          const float4* f = &filters[(oo * taps + tap) * groups];
#pragma unroll
          for (int k = 0; k < kMaxGroups; ++k) {
            if (k >= groups) break;
            acc[4 * k + 0] = fmaf(f[k].x, g, acc[4 * k + 0]);
            acc[4 * k + 1] = fmaf(f[k].y, g, acc[4 * k + 1]);
            acc[4 * k + 2] = fmaf(f[k].z, g, acc[4 * k + 2]);
            acc[4 * k + 3] = fmaf(f[k].w, g, acc[4 * k + 3]);
          }
        }
      }
    }
    __syncthreads();  // everyone is done with the chunk before the next one is staged
  }

  if (column.image < 0) return;
  const std::int64_t pixel = conv_index::column_offset(col, s.c_in, s.in_pixels());  // dx[n, 0, h, w]
#pragma unroll
  for (int c = 0; c < kSmallMMaxChannels; ++c) {
    if (c >= s.c_in) break;
    const std::int64_t at = pixel + c * s.in_pixels();
    dx[at] = (gate != nullptr && gate[at] <= 0.0f) ? 0.0f : acc[c];
  }
}

}  // namespace

void conv2d_backward_data_small_m_cuda(const Conv2dParams& p, const float* dy, const float* w_t, const float* gate,
                                       float* dx, Stream stream) {
  const ConvShape s = conv_index::conv_shape(p);
  if (s.in_columns() <= 0 || s.c_in <= 0) return;
  const unsigned blocks = unsigned((s.in_columns() + kThreads - 1) / kThreads);  // ≤ 2³⁰: conv2d_cuda_unindexable
  const int chunk = int(small_m_chunk_channels(p));
  if (p.kh == 3 && p.kw == 3 && p.stride == 1)  // conv1_1
    conv2d_backward_data_small_m_kernel<<<blocks, kThreads, 0, stream>>>(s, Window<3, 3, 1>{3, 3, 1}, dy, w_t, gate, dx,
                                                                         chunk);
  else
    conv2d_backward_data_small_m_kernel<<<blocks, kThreads, 0, stream>>>(
        s, Window<0, 0, 0>{int(p.kh), int(p.kw), int(p.stride)}, dy, w_t, gate, dx, chunk);
}

}  // namespace nst

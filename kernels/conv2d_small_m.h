#pragma once
// Backward-data for convolutions with few input channels (VGG19's conv1_1: C_in = 3), where the GEMM
// main loop's 128-row tiles of dX = Wᵀ · DY_col (M = C_in) would leave 125 of 128 rows idle. Such a
// layer takes a direct kernel instead (kernels/cuda/conv2d_backward_data_small_m.cu: one thread per
// input pixel, all C_in of its channels, the filters staged in shared memory).
//
// The threshold, C_in ≤ 8: the thread keeps C_in accumulators and reads the filters as ⌈C_in/4⌉
// float4 per (output channel, tap), two at most. At C_in = 8 the GEMM's tiles would still do
// 128/8 = 16× the useful arithmetic. VGG19 has only C_in = 3 and then 64, so any threshold from 3
// to 63 picks the same layer; raising it is a matter of this constant once a GPU run says where
// the two kernels cross.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/stream.h"

namespace nst {

constexpr std::int64_t kSmallMMaxChannels = 8;
// The filters of one chunk of output channels, staged in shared memory: 1024 float4, 16 KB (so that
// the shared memory still lets 8 blocks of 256 threads, 2048, share an SM).
constexpr std::int64_t kSmallMStagedFloat4 = 1024;

// float4 groups of input channels: ⌈C_in/4⌉.
inline std::int64_t small_m_channel_groups(std::int64_t c_in) { return (c_in + 3) / 4; }

// Output channels whose filters fit one staging: ⌊1024 / (KH·KW·groups)⌋ (≥ 1 where the variant applies).
inline std::int64_t small_m_chunk_channels(const Conv2dParams& p) {
  return kSmallMStagedFloat4 / (p.kh * p.kw * small_m_channel_groups(p.c_in));
}

// Whether p's backward-data takes the small-M kernel: few input channels, and one output channel's
// filters fit the staging (every kernel up to 16×16).
inline bool conv2d_backward_data_small_m(const Conv2dParams& p) {
  return p.c_in <= kSmallMMaxChannels && small_m_chunk_channels(p) >= 1;
}

// The backward-data of kernels/conv2d.h (gate fused, dx overwritten) by the small-M kernel, in FP32
// whatever the math asked for. Needs no scratch. Only for p where conv2d_backward_data_small_m.
// w_t: the weights re-laid as Wᵀ (conv2d_transposed_weights_cuda).
void conv2d_backward_data_small_m_cuda(const Conv2dParams& p, const float* dy, const float* w_t, const float* gate,
                                       float* dx, Stream stream);

}  // namespace nst

// The backward-data's A = Wᵀ laid out once (kernels/conv2d.h): wt (C_in, C_out·KH·KW) row-major,
//   wt[c·K + k] = w[o, c, u, v]   for k = (o·KH + u)·KW + v, K = C_out·KH·KW,
// through the index map of kernels/conv2d_index.h (TransposedWeights), so that row c's K run is
// contiguous and the GEMM main loop reads it with the plain row-major loader (gemm_operands.cuh)
// instead of gathering through the map in every K slice of every call. The weights are constant
// during a run: ops::PreparedConvWeights makes this copy once. One grid-stride loop over wt, written
// in order (coalesced); the reads of w stride by C_in·KH·KW between neighbouring o, 2.3 MB at most
// for a VGG19 layer (conv5_x: 512·512·9 floats), ~2 µs once per run.
#include "kernels/conv2d.h"
#include "kernels/conv2d_index.h"
#include "kernels/cuda/launch.cuh"

namespace nst {

namespace {

using conv_index::Window;

__global__ void conv2d_transposed_weights_kernel(conv_index::TransposedWeights<Window<0, 0, 0>> map,
                                                 float* __restrict__ wt) {
  const std::int64_t elements = std::int64_t(map.c_in) * map.k_total;
  for (const std::int64_t i : grid_stride(elements)) {
    const int c = int(i / map.k_total), k = int(i - std::int64_t(c) * map.k_total);
    wt[i] = map.w[map.offset(c, k)];
  }
}

}  // namespace

void conv2d_transposed_weights_cuda(const Conv2dParams& p, const float* w, float* wt, Stream stream) {
  const conv_index::TransposedWeights<Window<0, 0, 0>> map{
      w, int(p.c_in), int(p.c_out * p.kh * p.kw), {int(p.kh), int(p.kw), int(p.stride)}};
  const std::int64_t elements = p.c_in * p.c_out * p.kh * p.kw;
  if (elements > 0) conv2d_transposed_weights_kernel<<<blocks_for(elements), kThreadsPerBlock, 0, stream>>>(map, wt);
}

}  // namespace nst

#pragma once
// The operands of the convolution forward seen as a matrix product Y = W · X_col (kernels/conv2d.h):
//   A = w as stored, C_out rows of K = C_in·KH·KW;
//   B = X_col = im2col(x): column (n, i, j), row k = (c, u, v) holds x[n, c, i·s + u − p, j·s + v − p],
//       0 outside the image.
// Both are read element by element into a block's shared tile (conv2d_tile.cuh); X_col is never
// stored. Their index maps (WeightRows, ImageColumn) are host-and-device code in
// kernels/conv2d_index.h, checked there by a CPU test at shapes beyond 2³¹ elements. Shared by the
// FP32 and the TF32 forward kernels.
#include "kernels/conv2d_index.h"
#include "kernels/cuda/conv2d_tile.cuh"

namespace nst::conv_tile {

using conv_index::ConvShape;
using conv_index::image_column;
using conv_index::ImageColumn;
using conv_index::WeightRows;

// One block per 64×64 tile of Y: ⌈N/64⌉ × ⌈M/64⌉ (within CUDA's grid limits: conv2d_cuda_unindexable).
inline dim3 forward_grid(const ConvShape& s) {
  return dim3(unsigned((s.out_columns() + kTileN - 1) / kTileN), unsigned((s.c_out + kTileM - 1) / kTileM));
}

}  // namespace nst::conv_tile

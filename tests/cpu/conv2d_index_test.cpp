// The CUDA convolution kernels' index maps (kernels/conv2d_index.h), run on the host at shapes whose
// tensors pass 2³¹ elements (one image of 64 channels at 8192×8192 px holds 2³² floats), checked
// against the definitions written out here in int64. Nothing of that size is allocated: the maps
// return offsets, and only their operator() would read memory.
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/conv2d.h"
#include "kernels/conv2d_index.h"

namespace nst::testing {
namespace {

using conv_index::ConvShape;
using conv_index::Window;
using I64 = std::int64_t;

Conv2dParams params(I64 n, I64 c_in, I64 h, I64 w, I64 c_out, I64 k, I64 stride, I64 pad) {
  Conv2dParams p;
  p.n = n, p.c_in = c_in, p.h = h, p.w = w, p.c_out = c_out, p.kh = k, p.kw = k, p.stride = stride, p.pad = pad;
  return p;
}

// x[n, c, i·s + u − p, j·s + v − p] for column (n, i, j) and row k = (c, u, v) of im2col(x), or −1 outside.
I64 im2col_reference(const Conv2dParams& p, I64 col, I64 k) {
  const I64 pixels = p.out_h() * p.out_w(), taps = p.kh * p.kw;
  const I64 img = col / pixels, i = col % pixels / p.out_w(), j = col % p.out_w();
  const I64 c = k / taps, u = k % taps / p.kw, v = k % p.kw;
  const I64 ih = i * p.stride + u - p.pad, iw = j * p.stride + v - p.pad;
  if (ih < 0 || ih >= p.h || iw < 0 || iw >= p.w) return -1;
  return ((img * p.c_in + c) * p.h + ih) * p.w + iw;
}

// dy[n, o, (h + p − u)/s, (w + p − v)/s] for column (n, h, w) and row k = (o, u, v), or −1 where
// the division is not exact or lands outside dy.
I64 gradient_reference(const Conv2dParams& p, I64 col, I64 k) {
  const I64 pixels = p.h * p.w, taps = p.kh * p.kw;
  const I64 img = col / pixels, h = col % pixels / p.w, w = col % p.w;
  const I64 o = k / taps, u = k % taps / p.kw, v = k % p.kw;
  const I64 is = h + p.pad - u, js = w + p.pad - v;
  if (is < 0 || js < 0 || is % p.stride != 0 || js % p.stride != 0) return -1;
  const I64 i = is / p.stride, j = js / p.stride;
  if (i >= p.out_h() || j >= p.out_w()) return -1;
  return ((img * p.c_out + o) * p.out_h() + i) * p.out_w() + j;
}

// Indices in [0, count) to try: the first and last `period` (up to 32), the neighbours of up to
// ~32 boundaries between periods (images, channels), and 200 random ones.
std::vector<I64> samples(I64 count, I64 period, std::mt19937_64& rng) {
  std::vector<I64> s;
  for (I64 e = 0; e < std::min<I64>({period, 32, count}); ++e) s.insert(s.end(), {e, count - 1 - e});
  const I64 step = period * std::max<I64>(1, count / period / 32);
  for (I64 b = period; b < count; b += step) s.insert(s.end(), {b - 1, b});
  std::uniform_int_distribution<I64> any(0, count - 1);
  for (int r = 0; r < 200; ++r) s.push_back(any(rng));
  return s;
}

// Every sampled (column, row) of both gathers against the references; `largest` is the largest
// offset seen.
template <class Win>
void expect_gathers_match(const Conv2dParams& p, const Win& win, I64& largest) {
  const ConvShape s = conv_index::conv_shape(p);
  std::mt19937_64 rng(7);
  largest = -1;
  const I64 taps = p.kh * p.kw;
  for (const I64 col : samples(s.out_columns(), s.out_pixels(), rng)) {
    const auto column = conv_index::image_column(s, win, nullptr, col);
    for (const I64 k : samples(p.c_in * taps, taps, rng)) {
      const I64 got = column.offset(int(k)), want = im2col_reference(p, col, k);
      ASSERT_EQ(got, want) << "im2col column " << col << ", row " << k;
      largest = std::max(largest, got);
    }
  }
  for (const I64 col : samples(s.in_columns(), s.in_pixels(), rng)) {
    const auto column = conv_index::gradient_column(s, win, nullptr, col);
    for (const I64 k : samples(p.c_out * taps, taps, rng)) {
      const I64 got = column.offset(int(k)), want = gradient_reference(p, col, k);
      ASSERT_EQ(got, want) << "dy column " << col << ", row " << k;
      largest = std::max(largest, got);
    }
  }
  // Past the last column, a column reads nothing.
  EXPECT_EQ(conv_index::image_column(s, win, nullptr, s.out_columns()).offset(0), -1);
  EXPECT_EQ(conv_index::gradient_column(s, win, nullptr, s.in_columns()).offset(0), -1);
}

TEST(Conv2dIndex, GathersReachPast2To31InVggsWindow) {
  // Two images of 64 channels at 8192×8192: x and dy hold 2³³ floats, one image 2³².
  const Conv2dParams p = params(2, 64, 8192, 8192, 64, 3, 1, 1);
  const I64 last = p.n * p.c_in * p.h * p.w - 1;  // x and dy alike
  I64 largest = 0;
  expect_gathers_match(p, Window<3, 3, 1>{3, 3, 1}, largest);
  EXPECT_EQ(largest, last);
  expect_gathers_match(p, Window<0, 0, 0>{3, 3, 1}, largest);
  EXPECT_EQ(largest, last);
}

TEST(Conv2dIndex, GathersReachPast2To31WithStrideAndAWideWindow) {
  // One image, 5×5 taps, stride 2, pad 2 over 9001×7003 px: 4.5e9 floats in x (72 channels),
  // 2.5e9 in dy (160 channels of 4501×3502).
  const Conv2dParams p = params(1, 72, 9001, 7003, 160, 5, 2, 2);
  ASSERT_GT(p.c_in * p.h * p.w, I64(1) << 32);
  ASSERT_GT(p.c_out * p.out_h() * p.out_w(), I64(1) << 31);
  I64 largest = 0;
  expect_gathers_match(p, Window<0, 0, 0>{5, 5, 2}, largest);
  EXPECT_GT(largest, I64(1) << 32);
}

TEST(Conv2dIndex, WeightOffsetsPast2To31) {
  // w (4096, 65536, 3, 3): 2.4e9 floats; K = 589824 of the forward, 36864 of the backward-data.
  const Conv2dParams p = params(1, 65536, 3, 3, 4096, 3, 1, 1);
  const int k_forward = int(p.c_in * 9), k_backward = int(p.c_out * 9);
  const conv_index::WeightRows rows{nullptr, int(p.c_out), k_forward};
  const conv_index::TransposedWeights<Window<3, 3, 1>> transposed{nullptr, int(p.c_in), k_backward, {3, 3, 1}};
  std::mt19937_64 rng(11);
  for (const I64 m : samples(p.c_out, 64, rng))
    for (const I64 k : samples(k_forward, 9, rng)) ASSERT_EQ(rows.offset(int(m), int(k)), m * k_forward + k);
  for (const I64 c : samples(p.c_in, 64, rng))
    for (const I64 k : samples(k_backward, 9, rng))
      ASSERT_EQ(transposed.offset(int(c), int(k)), (k / 9 * p.c_in + c) * 9 + k % 9) << "c " << c << ", k " << k;
  EXPECT_EQ(rows.offset(int(p.c_out) - 1, k_forward - 1), p.c_out * p.c_in * 9 - 1);
  EXPECT_EQ(transposed.offset(int(p.c_in) - 1, k_backward - 1), p.c_out * p.c_in * 9 - 1);
}

TEST(Conv2dIndex, EpilogueOffsetsPast2To31) {
  // y or dx (2, 64, 8192, 8192): column (img, pix), channel ch at (img·C + ch)·pixels + pix.
  const I64 n = 2, channels = 64, pixels = I64(8192) * 8192;
  std::mt19937_64 rng(13);
  for (const I64 col : samples(n * pixels, pixels, rng))
    for (const I64 ch : samples(channels, channels, rng)) {
      const I64 got = conv_index::column_offset(col, int(channels), pixels) + ch * pixels;
      ASSERT_EQ(got, (col / pixels * channels + ch) * pixels + col % pixels) << "column " << col << ", channel " << ch;
    }
  EXPECT_EQ(conv_index::column_offset(n * pixels - 1, int(channels), pixels) + (channels - 1) * pixels,
            n * channels * pixels - 1);
}

}  // namespace
}  // namespace nst::testing

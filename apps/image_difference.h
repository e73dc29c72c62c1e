#pragma once
// How far apart two images of the same size are, in 8-bit levels (apps/image.h holds values in
// [0, 255]), over the N = width·height·3 values a_i, b_i:
//   mean squared difference  MSE = Σ (a_i − b_i)² / N
//   PSNR = 10·log10(255² / MSE) dB  (peak signal-to-noise ratio; +∞ for identical images; ~40 dB and
//          above is commonly taken as visually lossless, each 6.02 dB halves the RMS difference)
//   mean |a_i − b_i|, and the largest |a_i − b_i| with where it is.
// `nst compare` prints them; the GPU run uses PSNR to decide --conv-math's default
// (bench/RESULTS.md, "The default --conv-math").
#include "apps/image.h"

namespace nst {

struct ImageDifference {
  int width = 0, height = 0;
  double mean_squared = 0;   // MSE, levels²
  double mean_absolute = 0;  // levels
  double largest = 0;        // levels, at (x, y) in `channel` (0 R, 1 G, 2 B); the first such value
  int x = 0, y = 0, channel = 0;

  double psnr_db() const;  // +∞ when mean_squared is 0
};

// Throws nst::Error naming both sizes when the images differ in size.
ImageDifference image_difference(const Image& a, const Image& b);

}  // namespace nst

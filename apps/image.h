#pragma once
// Images as the command line reads and writes them: 8-bit PNG or JPEG files, held as float RGB.
#include <string>
#include <vector>

#include "layers/resample.h"  // ImageSize, longer_side_size

namespace nst {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<float> rgb;  // height × width × 3, row-major, interleaved R, G, B, in [0, 255]
};

// Reads a PNG or JPEG (recognised by its first bytes, not its name). Grey, grey+alpha and RGBA
// become RGB (alpha is dropped); 16-bit PNGs are scaled to 8 bits; a JPEG's Exif orientation is
// applied. Throws nst::Error naming the file and the problem (missing, unreadable, not a regular
// file, not PNG/JPEG, truncated or corrupt, over 2^28 pixels, out of memory).
Image read_image(const std::string& path);

// Writes PNG (".png") or JPEG (".jpg", ".jpeg", quality 95), chosen by the extension; values are
// clamped to [0, 255] and rounded to 8 bits, or with `bit_depth` 16 (PNG only; a JPEG is refused)
// to 16 bits, v·65535/255. The file appears whole or not at all: it is written to a temporary file
// beside the target and renamed over it.
void write_image(const Image& image, const std::string& path, int bit_depth = 8);

// Resampled to width × height with a bicubic filter (Keys, a = −0.5) widened by the scale factor
// when shrinking, so a reduction averages over the source pixels it covers (no aliasing): the
// resampling of layers/resample.h, clamped to [0, 255].
Image resize(const Image& image, int width, int height);

// Resized so that the longer side is `longer_side` pixels, keeping the aspect ratio.
Image resize_longer_side(const Image& image, int longer_side);

}  // namespace nst

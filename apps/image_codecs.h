#pragma once
// The PNG and JPEG codecs behind read_image and write_image (private to apps/). They speak 8-bit
// interleaved RGB only; the conversion to and from float, the choice of format and the atomic
// write live in image.cpp. Decoders take the whole file in memory; encoders write to an open file.
// Each reports a failure as an nst::Error that names `path` and says what went wrong.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace nst {

struct Rgb8Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> bytes;  // height × width × 3, row-major, R, G, B
};

using FileBytes = std::vector<std::uint8_t>;

bool has_png_signature(const FileBytes& file);   // 89 50 4E 47 0D 0A 1A 0A
bool has_jpeg_signature(const FileBytes& file);  // FF D8 FF (start-of-image, then a marker)

// Grey, grey+alpha, RGBA, palette and 16-bit PNGs become 8-bit RGB (alpha dropped, 16 bits
// scaled by 255/65535 and rounded, gamma left as stored).
Rgb8Image decode_png(const FileBytes& file, const std::string& path);
// Grey and YCbCr/RGB JPEGs become RGB; CMYK/YCCK ones are converted (see jpeg_file.cpp).
Rgb8Image decode_jpeg(const FileBytes& file, const std::string& path);

void encode_png(const Rgb8Image& image, std::FILE* out, const std::string& path);
void encode_jpeg(const Rgb8Image& image, int quality, std::FILE* out, const std::string& path);

}  // namespace nst

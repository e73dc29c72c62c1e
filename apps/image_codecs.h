#pragma once
// The PNG and JPEG codecs behind read_image and write_image (private to apps/). They speak 8-bit
// interleaved RGB only; the conversion to and from float, the choice of format and the atomic
// write live in image.cpp. Decoders take the whole file in memory; encoders write to an open file.
// Each reports a failure as an nst::Error that names `path` and says what went wrong.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "engine/error.h"

namespace nst {

// The most pixels an input image may have: 2^28, about 268 million (16384 × 16384). Decoders check
// the size the header claims against it before allocating anything for the pixels, so a 69-byte
// file claiming 50000 × 50000 costs nothing. Why 2^28: reading an image holds it as 8-bit RGB
// (3 bytes a pixel) and then as float RGB (12 bytes a pixel), 15 bytes a pixel or 3.75 GiB at the
// limit, before it is resized down; the largest phone and camera sensors (200 million pixels)
// stay below it, and nothing larger is a photo a laptop could hold for the resize anyway.
constexpr std::uint64_t kMaxImagePixels = std::uint64_t{1} << 28;

inline void check_pixel_limit(std::uint64_t width, std::uint64_t height, const std::string& path, const char* format) {
  NST_CHECK(width * height <= kMaxImagePixels,
            "image '" << path << "': the " << format << " header says " << width << "×" << height << " = "
                      << width * height << " pixels, above the limit of " << kMaxImagePixels
                      << " (2^28, 16384×16384: decoding holds 15 bytes a pixel); refused before decoding");
}

// `count` elements of T for the pixels of a width × height image read from `path`; running out
// of memory is an nst::Error that names the file and the buffer, never a bare std::bad_alloc.
template <class T>
std::vector<T> allocate_pixel_buffer(std::size_t count, int width, int height, const std::string& path,
                                     const char* buffer) {
  try {
    return std::vector<T>(count);
  } catch (const std::bad_alloc&) {
    NST_FAIL("image '" << path << "': out of memory allocating " << count * sizeof(T) / (1024 * 1024) << " MiB for "
                       << buffer << " of its " << width << "×" << height << " pixels");
  }
}

struct Rgb8Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> bytes;  // height × width × 3, row-major, R, G, B
};

struct Rgb16Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint16_t> samples;  // height × width × 3, row-major, R, G, B
};

using FileBytes = std::vector<std::uint8_t>;

bool has_png_signature(const FileBytes& file);   // 89 50 4E 47 0D 0A 1A 0A
bool has_jpeg_signature(const FileBytes& file);  // FF D8 FF (start-of-image, then a marker)

// Grey, grey+alpha, RGBA, palette and 16-bit PNGs become 8-bit RGB (alpha dropped, 16 bits
// scaled by 255/65535 and rounded, gamma left as stored).
Rgb8Image decode_png(const FileBytes& file, const std::string& path);
// Grey and YCbCr/RGB JPEGs become RGB; CMYK/YCCK ones are converted (see jpeg_file.cpp). An Exif
// orientation tag is applied (apps/exif_orientation.h): the image comes out upright.
Rgb8Image decode_jpeg(const FileBytes& file, const std::string& path);

void encode_png(const Rgb8Image& image, std::FILE* out, const std::string& path);
void encode_png16(const Rgb16Image& image, std::FILE* out, const std::string& path);
void encode_jpeg(const Rgb8Image& image, int quality, std::FILE* out, const std::string& path);

}  // namespace nst

// read_image and write_image: the file's bytes, the format, float ↔ 8-bit, and the atomic write.
// The codecs themselves are in png_file.cpp and jpeg_file.cpp.
#include "apps/image.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

#include "apps/image_check.h"
#include "apps/image_codecs.h"
#include "apps/input_file.h"
#include "apps/output_file.h"
#include "engine/error.h"

namespace nst {

namespace {

constexpr int kJpegQuality = 95;

// round(v), clamped to [0, 255]; NaN becomes 0.
std::uint8_t to_byte(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 255.0f) return 255;
  return static_cast<std::uint8_t>(std::lround(v));
}

// round(v · 65535 / 255), v clamped to [0, 255]; NaN becomes 0. Exact for the 8-bit values: 257·v.
std::uint16_t to_sample16(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 255.0f) return 65535;
  return static_cast<std::uint16_t>(std::lround(double(v) * (65535.0 / 255.0)));
}

Rgb16Image to_rgb16(const Image& image) {
  Rgb16Image rgb16{image.width, image.height, std::vector<std::uint16_t>(image.rgb.size())};
  for (std::size_t i = 0; i < image.rgb.size(); ++i) rgb16.samples[i] = to_sample16(image.rgb[i]);
  return rgb16;
}

Rgb8Image to_rgb8(const Image& image) {
  Rgb8Image rgb8{image.width, image.height, std::vector<std::uint8_t>(image.rgb.size())};
  for (std::size_t i = 0; i < image.rgb.size(); ++i) rgb8.bytes[i] = to_byte(image.rgb[i]);
  return rgb8;
}

Image to_float(const Rgb8Image& rgb8, const std::string& path) {
  Image image{rgb8.width, rgb8.height,
              allocate_pixel_buffer<float>(rgb8.bytes.size(), rgb8.width, rgb8.height, path, "the float copy")};
  for (std::size_t i = 0; i < rgb8.bytes.size(); ++i) image.rgb[i] = rgb8.bytes[i];
  return image;
}

enum class ImageFormat { png, jpeg };

ImageFormat format_from_extension(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  std::string extension =
      (dot == std::string::npos || (slash != std::string::npos && dot < slash)) ? "" : path.substr(dot);
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension == ".png") return ImageFormat::png;
  if (extension == ".jpg" || extension == ".jpeg") return ImageFormat::jpeg;
  NST_FAIL("image '" << path << "': cannot tell the format from the extension '" << extension
                     << "' (use .png, .jpg or .jpeg)");
}

}  // namespace

Image read_image(const std::string& path) {
  const FileBytes bytes = read_regular_file(path, "image");
  if (has_png_signature(bytes)) return to_float(decode_png(bytes, path), path);
  if (has_jpeg_signature(bytes)) return to_float(decode_jpeg(bytes, path), path);
  NST_FAIL("image '" << path << "': not a PNG or JPEG file (" << bytes.size() << " bytes, unknown signature)");
}

void write_image(const Image& image, const std::string& path, int bit_depth) {
  const ImageFormat format = format_from_extension(path);
  check_image(image, ("image '" + path + "'").c_str());
  NST_CHECK(bit_depth == 8 || bit_depth == 16, "image '" << path << "': bit depth " << bit_depth << ", not 8 or 16");
  NST_CHECK(bit_depth == 8 || format == ImageFormat::png,
            "image '" << path << "': JPEG holds 8 bits a channel, not " << bit_depth << "; write a .png");
  TemporaryFile temporary(path, "image");
  if (bit_depth == 16) {
    encode_png16(to_rgb16(image), temporary.stream(), path);
  } else if (format == ImageFormat::png) {
    encode_png(to_rgb8(image), temporary.stream(), path);
  } else {
    encode_jpeg(to_rgb8(image), kJpegQuality, temporary.stream(), path);
  }
  temporary.commit();
}

}  // namespace nst

// PNG ↔ 8-bit RGB with libpng 1.6.
//
// libpng reports errors by calling our error function, which records the message and longjmps
// back to the setjmp in the function that called libpng. Those functions (read_png_header,
// request_rgb8, read_png_rows, write_png) hold no C++ objects with destructors, so the jump skips none; all
// state lives in the caller's PngCodec, and the caller turns a failure into an nst::Error.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "apps/image_codecs.h"
#include "engine/error.h"

namespace nst {

namespace {

constexpr std::uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

struct PngCodec {
  png_structp png = nullptr;
  png_infop info = nullptr;
  char message[256] = "libpng failed";
  // Decoding reads from the file in memory.
  const FileBytes* file = nullptr;
  std::size_t position = 0;
};

[[noreturn]] void on_png_error(png_structp png, png_const_charp message) {
  auto* codec = static_cast<PngCodec*>(png_get_error_ptr(png));
  std::snprintf(codec->message, sizeof codec->message, "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}  // recoverable: the image is still read

void read_from_memory(png_structp png, png_bytep data, png_size_t length) {
  auto* codec = static_cast<PngCodec*>(png_get_io_ptr(png));
  if (length > codec->file->size() - codec->position) png_error(png, "file is truncated");
  std::memcpy(data, codec->file->data() + codec->position, length);
  codec->position += length;
}

struct PngReader : PngCodec {
  explicit PngReader(const FileBytes& bytes) {
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, static_cast<PngCodec*>(this), on_png_error, on_png_warning);
    if (png) info = png_create_info_struct(png);
    file = &bytes;
  }
  ~PngReader() { png_destroy_read_struct(&png, &info, nullptr); }
  PngReader(const PngReader&) = delete;
  PngReader& operator=(const PngReader&) = delete;
};

struct PngWriter : PngCodec {
  PngWriter() {
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, static_cast<PngCodec*>(this), on_png_error, on_png_warning);
    if (png) info = png_create_info_struct(png);
  }
  ~PngWriter() { png_destroy_write_struct(&png, &info); }
  PngWriter(const PngWriter&) = delete;
  PngWriter& operator=(const PngWriter&) = delete;
};

struct PngLayout {
  png_uint_32 width = 0, height = 0;
  int channels = 0, bit_depth = 0;
  png_size_t row_bytes = 0;
};

// Reads the header: the size the file claims. False on a libpng error.
bool read_png_header(PngReader& reader, PngLayout& layout) {
  png_structp png = reader.png;
  png_infop info = reader.info;
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, static_cast<PngCodec*>(&reader), read_from_memory);
  png_read_info(png, info);
  layout.width = png_get_image_width(png, info);
  layout.height = png_get_image_height(png, info);
  return true;
}

// Asks libpng for 8-bit RGB whatever the file holds. False on a libpng error.
bool request_rgb8(PngReader& reader, PngLayout& layout) {
  png_structp png = reader.png;
  png_infop info = reader.info;
  if (setjmp(png_jmpbuf(png))) return false;
  const png_byte color_type = png_get_color_type(png, info);
  if (png_get_bit_depth(png, info) == 16) png_set_scale_16(png);  // v·255/65535, rounded
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY) png_set_expand_gray_1_2_4_to_8(png);
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  png_set_strip_alpha(png);  // also the alpha that palette expansion makes from tRNS
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  layout.width = png_get_image_width(png, info);
  layout.height = png_get_image_height(png, info);
  layout.channels = png_get_channels(png, info);
  layout.bit_depth = png_get_bit_depth(png, info);
  layout.row_bytes = png_get_rowbytes(png, info);
  return true;
}

bool read_png_rows(PngReader& reader, png_bytepp rows) {
  if (setjmp(png_jmpbuf(reader.png))) return false;
  png_read_image(reader.png, rows);
  png_read_end(reader.png, nullptr);
  return true;
}

// rows: `height` rows of width × 3 samples of `bit_depth` bits (16: big-endian, as PNG stores them).
bool write_png(PngWriter& writer, int width, int height, int bit_depth, png_bytepp rows, std::FILE* out) {
  png_structp png = writer.png;
  png_infop info = writer.info;
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, out);  // a short fwrite is a libpng error ("Write Error")
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), bit_depth,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // zlib level 3: a 1024×768 photo in 0.32 s rather than 0.55 s at the default 6, 2% larger.
  png_set_compression_level(png, 3);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

// Row pointers into an interleaved buffer, for png_read_image / png_write_image.
std::vector<png_bytep> row_pointers(std::uint8_t* pixels, std::size_t height, std::size_t row_bytes) {
  std::vector<png_bytep> rows(height);
  for (std::size_t y = 0; y < height; ++y) rows[y] = pixels + y * row_bytes;
  return rows;
}

}  // namespace

bool has_png_signature(const FileBytes& file) {
  return file.size() >= sizeof kPngSignature && std::memcmp(file.data(), kPngSignature, sizeof kPngSignature) == 0;
}

Rgb8Image decode_png(const FileBytes& file, const std::string& path) {
  PngReader reader(file);
  NST_CHECK(reader.png && reader.info, "image '" << path << "': out of memory starting libpng");
  PngLayout layout;
  NST_CHECK(read_png_header(reader, layout), "image '" << path << "': bad PNG: " << reader.message);
  check_pixel_limit(layout.width, layout.height, path, "PNG");
  NST_CHECK(request_rgb8(reader, layout), "image '" << path << "': bad PNG: " << reader.message);
  NST_CHECK(layout.channels == 3 && layout.bit_depth == 8,
            "image '" << path << "': PNG layout not convertible to 8-bit RGB (" << layout.channels << " channels of "
                      << layout.bit_depth << " bits)");
  Rgb8Image image;
  image.width = static_cast<int>(layout.width);  // libpng limits both to 2^31 − 1
  image.height = static_cast<int>(layout.height);
  image.bytes = allocate_pixel_buffer<std::uint8_t>(std::size_t{layout.height} * layout.row_bytes, image.width,
                                                    image.height, path, "the decoded 8-bit RGB");
  std::vector<png_bytep> rows = row_pointers(image.bytes.data(), layout.height, layout.row_bytes);
  NST_CHECK(read_png_rows(reader, rows.data()), "image '" << path << "': bad PNG: " << reader.message);
  return image;
}

void encode_png(const Rgb8Image& image, std::FILE* out, const std::string& path) {
  PngWriter writer;
  NST_CHECK(writer.png && writer.info, "image '" << path << "': out of memory starting libpng");
  const std::size_t row_bytes = std::size_t(image.width) * 3;
  // libpng only reads the rows it is given; the cast drops const for its C interface.
  auto* pixels = const_cast<std::uint8_t*>(image.bytes.data());
  std::vector<png_bytep> rows = row_pointers(pixels, std::size_t(image.height), row_bytes);
  NST_CHECK(write_png(writer, image.width, image.height, 8, rows.data(), out),
            "image '" << path << "': writing PNG failed: " << writer.message);
}

void encode_png16(const Rgb16Image& image, std::FILE* out, const std::string& path) {
  PngWriter writer;
  NST_CHECK(writer.png && writer.info, "image '" << path << "': out of memory starting libpng");
  std::vector<std::uint8_t> big_endian(image.samples.size() * 2);
  for (std::size_t i = 0; i < image.samples.size(); ++i) {
    big_endian[2 * i] = static_cast<std::uint8_t>(image.samples[i] >> 8);
    big_endian[2 * i + 1] = static_cast<std::uint8_t>(image.samples[i] & 0xFF);
  }
  std::vector<png_bytep> rows =
      row_pointers(big_endian.data(), std::size_t(image.height), std::size_t(image.width) * 6);
  NST_CHECK(write_png(writer, image.width, image.height, 16, rows.data(), out),
            "image '" << path << "': writing PNG failed: " << writer.message);
}

}  // namespace nst

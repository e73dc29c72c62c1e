// --bit-depth 16 (apps/image.h write_image): a 16-bit RGB PNG whose samples, read back with libpng's
// classic interface (big-endian, no transform), are round(v·65535/255) of the floats written, v
// clamped to [0, 255] and NaN written as 0 — so 16-bit output keeps 257 levels between two 8-bit
// ones, within ½ of a 16-bit level; nst's own reader (8 bits) reads it as the 8-bit rounding. A JPEG
// asked for 16 bits is refused, naming the file, and nothing is written.
#include <png.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "engine/error.h"
#include "tests/support/random.h"
#include "tests/support/scratch_dir.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

struct Png16 {
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
  std::vector<unsigned> samples;  // row-major, interleaved
};

// libpng's errors jump back here; no C++ object lives in this frame.
bool read_png_identity(png_structp png, png_infop info, std::FILE* file) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, file);
  png_read_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  return true;
}

Png16 read_png_raw(const std::string& path) {
  Png16 out;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return out;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (read_png_identity(png, info, file)) {
    out.width = png_get_image_width(png, info);
    out.height = png_get_image_height(png, info);
    out.bit_depth = png_get_bit_depth(png, info);
    out.color_type = png_get_color_type(png, info);
    const png_bytepp rows = png_get_rows(png, info);
    const std::size_t per_row = std::size_t(out.width) * 3;
    for (png_uint_32 y = 0; y < out.height; ++y)
      for (std::size_t i = 0; i < per_row; ++i)
        out.samples.push_back(out.bit_depth == 16 ? unsigned(rows[y][2 * i]) << 8 | rows[y][2 * i + 1] : rows[y][i]);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(file);
  return out;
}

class Png16Output : public ScratchDirTest {
 protected:
};

TEST_F(Png16Output, SamplesAreTheFloatsScaledTo16BitsWithinHalfALevel) {
  const int w = 13, h = 7;
  std::vector<float> rgb = random_values(w * h * 3, 5, -10.0f, 265.0f);
  rgb[0] = NAN;
  rgb[1] = 255.0f;
  rgb[2] = 0.0f;
  rgb[3] = 128.0f;  // an 8-bit level: exactly 128·257
  write_image(Image{w, h, rgb}, path("a.png"), 16);
  const Png16 got = read_png_raw(path("a.png"));
  ASSERT_EQ(got.bit_depth, 16);
  ASSERT_EQ(got.color_type, PNG_COLOR_TYPE_RGB);
  ASSERT_EQ(got.width, png_uint_32(w));
  ASSERT_EQ(got.height, png_uint_32(h));
  ASSERT_EQ(got.samples.size(), rgb.size());
  EXPECT_EQ(got.samples[0], 0u);  // NaN
  EXPECT_EQ(got.samples[1], 65535u);
  EXPECT_EQ(got.samples[2], 0u);
  EXPECT_EQ(got.samples[3], 128u * 257u);
  for (std::size_t i = 1; i < rgb.size(); ++i) {
    const double v = std::min(255.0, std::max(0.0, double(rgb[i])));
    EXPECT_LE(std::fabs(got.samples[i] - v * 65535.0 / 255.0), 0.5) << i << ": " << rgb[i];
  }
  // nst reads 16-bit PNGs as 8 bits: each sample v·255/65535, rounded.
  const Image back = read_image(path("a.png"));
  for (std::size_t i = 0; i < rgb.size(); ++i)
    EXPECT_EQ(back.rgb[i], std::round(got.samples[i] * 255.0 / 65535.0)) << i;
}

TEST_F(Png16Output, AJpegOf16BitsIsRefusedAndNothingIsWritten) {
  const Image image{2, 2, std::vector<float>(12, 100.0f)};
  try {
    write_image(image, path("a.jpg"), 16);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find(path("a.jpg")), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("JPEG holds 8 bits"), std::string::npos) << e.message();
  }
  EXPECT_TRUE(fs::is_empty(scratch_.dir()));
}

}  // namespace
}  // namespace nst::testing

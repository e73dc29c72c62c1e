// Image files (apps/image.h): PNG and JPEG round trips, the PNG and JPEG layouts that must become
// RGB (fixtures written here with libpng and libjpeg), damaged and foreign files, the atomic
// write; and the demo photo.
#include <png.h>

#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <jpeglib.h>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "engine/error.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"
#include "tests/support/scratch_dir.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

Image random_image(int width, int height, std::uint64_t seed) {
  return {width, height, random_integers(std::int64_t(width) * height * 3, seed, 0, 255)};
}

// `action` throws an nst::Error whose message names `path`.
void expect_error_naming(const std::function<void()>& action, const std::string& path) {
  try {
    action();
    ADD_FAILURE() << "no error for " << path;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

// A PNG exactly as described: colour type, bit depth and the raw rows (big-endian 16-bit samples,
// packed sub-byte ones), with libpng's classic interface. False when libpng reports an error.
bool write_png_fixture(const std::string& path, int width, int height, int color_type, int bit_depth,
                       const std::vector<png_byte>& rows, const std::vector<png_color>& palette = {}) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return false;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(file);
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), bit_depth, color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty()) png_set_PLTE(png, info, palette.data(), int(palette.size()));
  png_write_info(png, info);
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  for (int y = 0; y < height; ++y) png_write_row(png, rows.data() + std::size_t(y) * row_bytes);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return std::fclose(file) == 0;
}

// A JPEG of `components` samples per pixel in `color_space` (grey or CMYK) at quality 95, with
// or without libjpeg's Adobe marker. libjpeg's default error handler exits: a loud failure.
void write_jpeg_fixture(const std::string& path, int width, int height, int components, J_COLOR_SPACE color_space,
                        const std::vector<JSAMPLE>& samples, bool adobe_marker = true) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr error{};
  cinfo.err = jpeg_std_error(&error);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, file);
  cinfo.image_width = JDIMENSION(width);
  cinfo.image_height = JDIMENSION(height);
  cinfo.input_components = components;
  cinfo.in_color_space = color_space;
  jpeg_set_defaults(&cinfo);  // CMYK: stored as CMYK, with an Adobe marker unless switched off
  jpeg_set_quality(&cinfo, 95, TRUE);
  cinfo.write_Adobe_marker = cinfo.write_Adobe_marker && adobe_marker;
  jpeg_start_compress(&cinfo, TRUE);
  for (int y = 0; y < height; ++y) {
    JSAMPROW row = const_cast<JSAMPLE*>(samples.data() + std::size_t(y) * std::size_t(width * components));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::fclose(file);
}

TEST(ImageFile, PngRoundTripIsExact) {
  const ScratchDir dir("nst_image_test");
  for (const auto& [w, h] : {std::pair{7, 5}, {1, 1}, {33, 2}}) {
    const Image image = random_image(w, h, 11);
    write_image(image, dir.path("a.png"));
    const Image back = read_image(dir.path("a.png"));
    ASSERT_EQ(back.width, w);
    ASSERT_EQ(back.height, h);
    EXPECT_TRUE(all_equal(back.rgb, image.rgb)) << w << "x" << h;
  }
  write_image(random_image(3, 2, 12), dir.path("upper.PNG"));  // the extension's case does not matter
  EXPECT_EQ(read_image(dir.path("upper.PNG")).width, 3);
}

TEST(ImageFile, WriteRoundsAndClampsToBytes) {
  const ScratchDir dir("nst_image_test");
  const Image image{2, 2, {-3.0f, 300.0f, 12.4f, 12.6f, NAN, 254.5f, 0.49f, 255.0f, 1.0f, 99.5f, -0.0f, 7.0f}};
  write_image(image, dir.path("clamped.png"));
  EXPECT_TRUE(all_equal(read_image(dir.path("clamped.png")).rgb,
                        {0.0f, 255.0f, 12.0f, 13.0f, 0.0f, 255.0f, 0.0f, 255.0f, 1.0f, 100.0f, 0.0f, 7.0f}));
}

// Quality 95 with full-resolution chroma on a smooth image: quantisation and the YCbCr round
// trip leave a mean error under 2 levels and none over 8 (measured: mean 1.30, max 6).
TEST(ImageFile, JpegRoundTripIsCloseAtQuality95) {
  const ScratchDir dir("nst_image_test");
  Image image{37, 21, {}};
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      for (int c = 0; c < 3; ++c)
        image.rgb.push_back(std::round(float(128 + 80 * std::sin(0.15 * x + 0.2 * y + 2.0 * c) + 2 * c)));
  for (const char* name : {"a.jpg", "b.JPEG"}) {
    write_image(image, dir.path(name));
    const Image back = read_image(dir.path(name));
    ASSERT_EQ(back.width, image.width);
    ASSERT_EQ(back.height, image.height);
    double total = 0.0, worst = 0.0;
    for (std::size_t i = 0; i < image.rgb.size(); ++i) {
      total += std::fabs(back.rgb[i] - image.rgb[i]);
      worst = std::max(worst, double(std::fabs(back.rgb[i] - image.rgb[i])));
    }
    EXPECT_LT(total / double(image.rgb.size()), 2.0) << name;
    EXPECT_LE(worst, 8.0) << name;
  }
}

TEST(ImageFile, PngLayoutsBecomeRgb) {
  const ScratchDir dir("nst_image_test");
  const auto expect_rgb = [&](const char* name, const std::vector<float>& rgb) {
    const Image image = read_image(dir.path(name));
    EXPECT_EQ(image.width * image.height * 3, int(rgb.size())) << name;
    EXPECT_TRUE(all_equal(image.rgb, rgb)) << name;
  };
  // Three pixels in one row per file.
  ASSERT_TRUE(write_png_fixture(dir.path("grey.png"), 3, 1, PNG_COLOR_TYPE_GRAY, 8, {0, 100, 255}));
  expect_rgb("grey.png", {0, 0, 0, 100, 100, 100, 255, 255, 255});
  ASSERT_TRUE(write_png_fixture(dir.path("grey1.png"), 3, 1, PNG_COLOR_TYPE_GRAY, 1, {0b10100000}));
  expect_rgb("grey1.png", {255, 255, 255, 0, 0, 0, 255, 255, 255});
  ASSERT_TRUE(
      write_png_fixture(dir.path("grey_alpha.png"), 3, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8, {10, 0, 20, 128, 30, 255}));
  expect_rgb("grey_alpha.png", {10, 10, 10, 20, 20, 20, 30, 30, 30});  // alpha dropped, not composited
  ASSERT_TRUE(write_png_fixture(dir.path("rgba.png"), 3, 1, PNG_COLOR_TYPE_RGBA, 8,
                                {1, 2, 3, 0, 40, 50, 60, 128, 200, 210, 220, 255}));
  expect_rgb("rgba.png", {1, 2, 3, 40, 50, 60, 200, 210, 220});
  ASSERT_TRUE(write_png_fixture(dir.path("palette.png"), 3, 1, PNG_COLOR_TYPE_PALETTE, 8, {2, 0, 1},
                                {{9, 8, 7}, {100, 150, 200}, {255, 0, 128}}));
  expect_rgb("palette.png", {255, 0, 128, 9, 8, 7, 100, 150, 200});
  // 16-bit samples scale by 255/65535 and round: 0x00FF → 1 and 0xFF00 → 254 (taking the high
  // byte would give 0 and 255), 0x8080 → 128, 0xFFFF → 255.
  ASSERT_TRUE(
      write_png_fixture(dir.path("rgb16.png"), 3, 1, PNG_COLOR_TYPE_RGB, 16,
                        {0x00, 0xFF, 0xFF, 0x00, 0x80, 0x80, 0xFF, 0xFF, 0, 0, 0x12, 0x34, 0, 0, 0, 1, 0, 0x80}));
  expect_rgb("rgb16.png", {1, 254, 128, 255, 0, 18, 0, 0, 0});
  ASSERT_TRUE(
      write_png_fixture(dir.path("grey16.png"), 3, 1, PNG_COLOR_TYPE_GRAY, 16, {0x00, 0xFF, 0xFF, 0x00, 0xFF, 0xFF}));
  expect_rgb("grey16.png", {1, 1, 1, 254, 254, 254, 255, 255, 255});
}

// JPEG error at quality 95 on a smooth or constant image: within 3 levels.
TEST(ImageFile, GreyAndCmykJpegsBecomeRgb) {
  const ScratchDir dir("nst_image_test");
  std::vector<JSAMPLE> grey;
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 16; ++x) grey.push_back(JSAMPLE(40 + 8 * x + 2 * y));
  write_jpeg_fixture(dir.path("grey.jpg"), 16, 8, 1, JCS_GRAYSCALE, grey);
  const Image grey_image = read_image(dir.path("grey.jpg"));
  ASSERT_EQ(grey_image.width * grey_image.height, 16 * 8);
  for (std::size_t p = 0; p < grey.size(); ++p) {
    EXPECT_NEAR(grey_image.rgb[p * 3 + 0], grey[p], 3.0) << p;
    EXPECT_EQ(grey_image.rgb[p * 3 + 1], grey_image.rgb[p * 3 + 0]);
    EXPECT_EQ(grey_image.rgb[p * 3 + 2], grey_image.rgb[p * 3 + 0]);
  }
  // Stored (C, M, Y, K) = (200, 100, 50, 230). With the Adobe marker the inks are inverted,
  // R = 200·230/255, …; without it they are plain inks, R = (255 − 200)(255 − 230)/255, ….
  std::vector<JSAMPLE> cmyk;
  for (int p = 0; p < 8 * 8; ++p) cmyk.insert(cmyk.end(), {200, 100, 50, 230});
  for (const bool adobe : {true, false}) {
    write_jpeg_fixture(dir.path("cmyk.jpg"), 8, 8, 4, JCS_CMYK, cmyk, adobe);
    const Image cmyk_image = read_image(dir.path("cmyk.jpg"));
    ASSERT_EQ(cmyk_image.width * cmyk_image.height, 64);
    for (std::size_t p = 0; p < 64; ++p)
      for (std::size_t c = 0; c < 3; ++c) {
        const double ink = adobe ? cmyk[c] : 255 - cmyk[c], black = adobe ? cmyk[3] : 255 - cmyk[3];
        EXPECT_NEAR(cmyk_image.rgb[p * 3 + c], ink * black / 255, 3.0) << "adobe " << adobe << ", channel " << c;
      }
  }
}

TEST(ImageFile, DamagedAndForeignFilesAreErrorsNamingThePath) {
  const ScratchDir dir("nst_image_test");
  write_image(random_image(16, 16, 21), dir.path("good.png"));
  write_image(random_image(16, 16, 22), dir.path("good.jpg"));
  const std::string png = read_bytes(dir.path("good.png")), jpeg = read_bytes(dir.path("good.jpg"));
  std::string corrupt_png = png;
  corrupt_png[png.size() / 2] = char(corrupt_png[png.size() / 2] ^ 0x55);  // inside IDAT: bad data, bad CRC
  write_bytes(dir.path("truncated.png"), png.substr(0, png.size() / 2));
  write_bytes(dir.path("corrupt.png"), corrupt_png);
  write_bytes(dir.path("truncated.jpg"), jpeg.substr(0, jpeg.size() * 2 / 3));
  write_bytes(dir.path("corrupt.jpg"), "\xFF\xD8\xFF this is not a JPEG header");
  write_bytes(dir.path("text.png"), "just some text\n");
  write_bytes(dir.path("empty.jpg"), "");
  for (const char* name :
       {"truncated.png", "corrupt.png", "truncated.jpg", "corrupt.jpg", "text.png", "empty.jpg", "missing.png"})
    expect_error_naming([&] { read_image(dir.path(name)); }, dir.path(name));
  expect_error_naming([&] { read_image(dir.path("")); }, dir.path(""));  // a directory
}

TEST(ImageFile, WriteIsAtomic) {
  const ScratchDir dir("nst_image_test");
  const std::string target = dir.path("out.png");
  write_image(random_image(4, 3, 31), target);
  write_image(random_image(4, 3, 32), target);  // replaces it
  EXPECT_TRUE(all_equal(read_image(target).rgb, random_image(4, 3, 32).rgb));
  EXPECT_EQ(dir.names(), std::vector<std::string>{"out.png"});  // no temporary left behind

  const std::string jpeg_target = dir.path("out.jpg");
  write_image(random_image(4, 3, 33), jpeg_target);
  const std::string before = read_bytes(jpeg_target);
  // libjpeg refuses a side over 65500 pixels while encoding: the temporary is already open.
  const Image too_wide{65501, 1, std::vector<float>(65501 * 3, 0.0f)};
  expect_error_naming([&] { write_image(too_wide, jpeg_target); }, jpeg_target);
  const Image inconsistent{4, 3, std::vector<float>(5)};
  expect_error_naming([&] { write_image(inconsistent, target); }, target);
  EXPECT_EQ(read_bytes(jpeg_target), before);
  expect_error_naming([&] { write_image(random_image(2, 2, 34), dir.path("out.bmp")); }, dir.path("out.bmp"));
  expect_error_naming([&] { write_image(random_image(2, 2, 34), dir.path("no_dir/out.png")); },
                      dir.path("no_dir/out.png"));
  EXPECT_EQ(dir.names(), (std::vector<std::string>{"out.jpg", "out.png"}));  // sorted
}

// The demo photo, when the shared folder is there: size, an 8-bit photo's statistics, an exact
// PNG round trip, and the working size the command line would use.
TEST(ImageFile, ReadsTheTubingenPhoto) {
  const char* shared = std::getenv("NST_SHARED_DIR");
  const std::string path = shared ? std::string(shared) + "/images/tubingen.jpg"
                                  : std::string(NST_SOURCE_DIR) + "/../shared/images/tubingen.jpg";
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path << " (set NST_SHARED_DIR to the shared folder)";
  const Image photo = read_image(path);
  ASSERT_EQ(photo.width, 1024);
  ASSERT_EQ(photo.height, 768);
  double sum = 0, sum_sq = 0;
  for (const float v : photo.rgb) {
    ASSERT_TRUE(v >= 0 && v <= 255 && v == std::round(v)) << v;
    sum += v;
    sum_sq += double(v) * v;
  }
  const double n = double(photo.rgb.size()), mean = sum / n, deviation = std::sqrt(sum_sq / n - mean * mean);
  EXPECT_GT(mean, 40.0);
  EXPECT_LT(mean, 215.0);
  EXPECT_GT(deviation, 20.0);
  const ScratchDir dir("nst_image_test");
  write_image(photo, dir.path("tubingen.png"));
  EXPECT_TRUE(all_equal(read_image(dir.path("tubingen.png")).rgb, photo.rgb));
  const Image small = resize_longer_side(photo, 256);
  EXPECT_EQ(small.width, 256);
  EXPECT_EQ(small.height, 192);
  double small_sum = 0;
  for (const float v : small.rgb) small_sum += v;
  EXPECT_NEAR(small_sum / double(small.rgb.size()), mean, 1.0);  // shrinking averages: the mean stays
}

}  // namespace
}  // namespace nst::testing

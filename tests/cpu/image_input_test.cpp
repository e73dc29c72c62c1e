// Input files that must be refused before they cost anything (apps/input_file.h, the pixel limit
// in apps/image_codecs.h): a PNG or JPEG whose header claims 50000 × 50000 pixels (refused before
// a byte of pixels is allocated), a FIFO (refused at once, never waited on), a directory and
// /dev/zero (refused before reading). Each error names the file and the problem.
#include <png.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <jpeglib.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "apps/image_codecs.h"
#include "engine/error.h"
#include "tests/support/expect_mentions.h"
#include "tests/support/scratch_dir.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

class InputFile : public ScratchDirTest {
 protected:
};

// The message of the nst::Error read_image(path) throws; a test failure when it throws none.
std::string read_error(const std::string& path) {
  try {
    read_image(path);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "read_image accepted " << path;
  return "";
}

// A whole 1 × 1 PNG whose IHDR is then patched to claim width × height (and its CRC fixed, which
// libpng checks): 69 bytes, the file of issue 11.
void write_png_claiming(const std::string& path, png_uint_32 width, png_uint_32 height) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  ASSERT_EQ(setjmp(png_jmpbuf(png)), 0) << "libpng failed writing the fixture";
  png_init_io(png, file);
  png_set_IHDR(png, info, 1, 1, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_byte pixel[3] = {1, 2, 3};
  png_write_row(png, pixel);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  ASSERT_EQ(std::fclose(file), 0);
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // 8-byte signature, then IHDR: length (4), "IHDR" (4), width (4), height (4), 5 more bytes, CRC (4).
  ASSERT_GT(bytes.size(), 33u);
  for (int i = 0; i < 4; ++i) {
    bytes[std::size_t(16 + i)] = static_cast<unsigned char>(width >> (24 - 8 * i));
    bytes[std::size_t(20 + i)] = static_cast<unsigned char>(height >> (24 - 8 * i));
  }
  const uLong crc = crc32(crc32(0, nullptr, 0), bytes.data() + 12, 17);  // over the type and the data
  for (int i = 0; i < 4; ++i) bytes[std::size_t(29 + i)] = static_cast<unsigned char>(crc >> (24 - 8 * i));
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// A whole 16 × 16 baseline JPEG whose frame header (SOF0: FF C0, length, precision, height,
// width) is then patched to claim width × height: a file of a few hundred bytes.
std::vector<unsigned char> small_jpeg_claiming(unsigned width, unsigned height) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr error{};
  cinfo.err = jpeg_std_error(&error);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = cinfo.image_height = 16;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<JSAMPLE> row(16 * 3, 128);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::vector<unsigned char> bytes(buffer, buffer + size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);
  for (std::size_t i = 2; i + 9 < bytes.size(); ++i) {
    if (bytes[i] != 0xFF || bytes[i + 1] != 0xC0) continue;
    bytes[i + 5] = static_cast<unsigned char>(height >> 8), bytes[i + 6] = static_cast<unsigned char>(height);
    bytes[i + 7] = static_cast<unsigned char>(width >> 8), bytes[i + 8] = static_cast<unsigned char>(width);
    return bytes;
  }
  ADD_FAILURE() << "no SOF0 marker in the fixture";
  return bytes;
}

void write_file(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Runs `action` in a child process and reports how it ended: its exit code, or -1 when it was
// still running after `seconds` (then killed). A read that blocks cannot hang the test itself.
int exit_code_within(double seconds, const std::function<int()>& action) {
  const pid_t child = fork();
  if (child == 0) _exit(action());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(child, &status, WNOHANG) == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
  return -1;
}

TEST_F(InputFile, PngHeaderClaimingTooManyPixelsIsRefusedBeforeDecoding) {
  const std::string file = path("huge.png");
  write_png_claiming(file, 50000, 50000);
  EXPECT_LT(fs::file_size(file), 100u);
  expect_mentions(read_error(file), {file, "PNG header says 50000×50000 = 2500000000 pixels",
                                     "above the limit of 268435456", "refused before decoding"});
}

TEST_F(InputFile, JpegHeaderClaimingTooManyPixelsIsRefusedBeforeDecoding) {
  const std::string file = path("huge.jpg");
  write_file(file, small_jpeg_claiming(50000, 50000));
  EXPECT_LT(fs::file_size(file), 2000u);
  expect_mentions(read_error(file), {file, "JPEG header says 50000×50000 = 2500000000 pixels",
                                     "above the limit of 268435456", "refused before decoding"});
}

// The limit itself: 2^28 pixels pass the check (and then fail as the truncated files they are,
// which says the size check let them through), 2^28 + 16384 do not.
TEST_F(InputFile, PixelLimitIsTwoToTheTwentyEight) {
  EXPECT_EQ(kMaxImagePixels, 268435456u);
  EXPECT_NO_THROW(check_pixel_limit(16384, 16384, "f", "PNG"));
  EXPECT_NO_THROW(check_pixel_limit(65536, 4096, "f", "PNG"));
  EXPECT_THROW(check_pixel_limit(16384, 16385, "f", "PNG"), Error);
  EXPECT_THROW(check_pixel_limit(4294967295u, 4294967295u, "f", "PNG"), Error);  // no overflow in the product
  const std::string file = path("small_claim.jpg");
  write_file(file, small_jpeg_claiming(64, 64));  // within the limit: decoded, found truncated
  const std::string message = read_error(file);
  EXPECT_EQ(message.find("limit"), std::string::npos) << message;
  expect_mentions(message, {file, "bad JPEG"});
}

// Within the pixel limit but beyond the memory at hand: a 16000 × 16000 claim (2.56e8 pixels, 732
// MiB of 8-bit RGB) read in a child whose address space may grow by only 256 MiB. The error names
// the file and the buffer, never a bare std::bad_alloc.
TEST_F(InputFile, OutOfMemoryNamesTheFileAndTheBuffer) {
  const std::string file = path("big.png");
  write_png_claiming(file, 16000, 16000);
  const int code = exit_code_within(60.0, [&] {
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;  // the address space in use, in pages
    const rlim_t limit = rlim_t(pages) * rlim_t(sysconf(_SC_PAGESIZE)) + (rlim_t{256} << 20);
    const rlimit address_space{limit, limit};
    if (pages == 0 || setrlimit(RLIMIT_AS, &address_space) != 0) return 2;
    try {
      read_image(file);
    } catch (const Error& e) {
      const std::string message = e.what();
      const bool named = message.find("image '" + file +
                                      "': out of memory allocating 732 MiB for the decoded 8-bit "
                                      "RGB of its 16000×16000 pixels") != std::string::npos;
      if (!named) std::fprintf(stderr, "message: %s\n", message.c_str());
      return named ? 0 : 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "not an nst::Error: %s\n", e.what());
      return 3;
    }
    return 4;
  });
  EXPECT_EQ(code, 0) << "1: the message does not name the file and buffer; 2: no limit set; 3: a bare exception; "
                        "4: no error";
}

TEST_F(InputFile, FifoIsRefusedAtOnceNotWaitedOn) {
  const std::string fifo = path("pipe.png");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int code = exit_code_within(10.0, [&] {
    const std::string message = read_error(fifo);
    return message.find(fifo) != std::string::npos &&
                   message.find("a FIFO (named pipe), not a regular file") != std::string::npos
               ? 0
               : 1;
  });
  EXPECT_NE(code, -1) << "read_image blocked on the FIFO for 10 s";
  EXPECT_EQ(code, 0) << "the error did not name the FIFO as one";
}

TEST_F(InputFile, DirectoryAndDeviceAreRefusedBeforeReading) {
  fs::create_directory(path("photo.jpg"));
  expect_mentions(read_error(path("photo.jpg")), {path("photo.jpg"), "a directory, not a regular file"});
  // /dev/zero never ends: read whole it ran until bad_alloc.
  if (fs::exists("/dev/zero")) expect_mentions(read_error("/dev/zero"), {"/dev/zero", "a character device"});
}

TEST_F(InputFile, MissingFileIsNamed) {
  expect_mentions(read_error(path("absent.png")), {path("absent.png"), "cannot open", "No such file"});
}

}  // namespace
}  // namespace nst::testing

// read_image and write_image: the file's bytes, the format, float ↔ 8-bit, and the atomic write.
// The codecs themselves are in png_file.cpp and jpeg_file.cpp.
#include "apps/image.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "apps/image_check.h"
#include "apps/image_codecs.h"
#include "engine/error.h"

namespace nst {

namespace {

constexpr int kJpegQuality = 95;

std::string describe_errno(int error_number) { return std::strerror(error_number); }

FileBytes read_file_bytes(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  const int open_errno = errno;
  NST_CHECK(file, "image '" << path << "': cannot open: " << describe_errno(open_errno));
  FileBytes bytes;
  std::uint8_t chunk[1 << 16];
  std::size_t got = 0;
  while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0) bytes.insert(bytes.end(), chunk, chunk + got);
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  NST_CHECK(!failed, "image '" << path << "': cannot read: " << describe_errno(read_errno));
  return bytes;
}

// round(v), clamped to [0, 255]; NaN becomes 0.
std::uint8_t to_byte(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 255.0f) return 255;
  return static_cast<std::uint8_t>(std::lround(v));
}

Rgb8Image to_rgb8(const Image& image) {
  Rgb8Image rgb8{image.width, image.height, std::vector<std::uint8_t>(image.rgb.size())};
  for (std::size_t i = 0; i < image.rgb.size(); ++i) rgb8.bytes[i] = to_byte(image.rgb[i]);
  return rgb8;
}

Image to_float(const Rgb8Image& rgb8) {
  Image image{rgb8.width, rgb8.height, std::vector<float>(rgb8.bytes.size())};
  for (std::size_t i = 0; i < rgb8.bytes.size(); ++i) image.rgb[i] = rgb8.bytes[i];
  return image;
}

enum class ImageFormat { png, jpeg };

ImageFormat format_from_extension(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  std::string extension = (dot == std::string::npos || (slash != std::string::npos && dot < slash)) ? "" : path.substr(dot);
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension == ".png") return ImageFormat::png;
  if (extension == ".jpg" || extension == ".jpeg") return ImageFormat::jpeg;
  NST_FAIL("image '" << path << "': cannot tell the format from the extension '" << extension
                     << "' (use .png, .jpg or .jpeg)");
}

// A new file beside the target, named "<target>.tmp.<pid>.<n>", removed on destruction unless it
// has been renamed over the target by commit().
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& target) : target_(target) {
    static std::atomic<unsigned> counter{0};
    int error_number = 0;
    for (int attempt = 0; attempt < 100 && !file_; ++attempt) {
      path_ = target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
      const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd < 0) {
        error_number = errno;
        if (error_number == EEXIST) continue;
        break;
      }
      file_ = ::fdopen(fd, "wb");
      if (!file_) {
        error_number = errno;
        ::close(fd);
        std::remove(path_.c_str());
        break;
      }
    }
    NST_CHECK(file_, "image '" << target << "': cannot create a temporary file beside it: "
                               << describe_errno(error_number));
  }

  ~TemporaryFile() {
    if (file_) std::fclose(file_);
    if (!committed_) std::remove(path_.c_str());
  }

  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  std::FILE* stream() { return file_; }

  // Flushes to disk, closes and renames over the target; the target is replaced whole or not at all.
  void commit() {
    const bool written = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
    int error_number = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (written && !closed) error_number = errno;
    NST_CHECK(written && closed, "image '" << target_ << "': writing failed: " << describe_errno(error_number));
    const bool renamed = std::rename(path_.c_str(), target_.c_str()) == 0;
    error_number = errno;
    NST_CHECK(renamed, "image '" << target_ << "': cannot rename the temporary file over it: "
                                 << describe_errno(error_number));
    committed_ = true;
  }

 private:
  std::string target_;
  std::string path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

}  // namespace

Image read_image(const std::string& path) {
  const FileBytes bytes = read_file_bytes(path);
  if (has_png_signature(bytes)) return to_float(decode_png(bytes, path));
  if (has_jpeg_signature(bytes)) return to_float(decode_jpeg(bytes, path));
  NST_FAIL("image '" << path << "': not a PNG or JPEG file (" << bytes.size() << " bytes, unknown signature)");
}

void write_image(const Image& image, const std::string& path) {
  const ImageFormat format = format_from_extension(path);
  check_image(image, ("image '" + path + "'").c_str());
  const Rgb8Image rgb8 = to_rgb8(image);
  TemporaryFile temporary(path);
  if (format == ImageFormat::png) {
    encode_png(rgb8, temporary.stream(), path);
  } else {
    encode_jpeg(rgb8, kJpegQuality, temporary.stream(), path);
  }
  temporary.commit();
}

void write_file_atomically(const std::string& path, const std::function<void(std::FILE*)>& write) {
  TemporaryFile temporary(path);
  write(temporary.stream());
  temporary.commit();
}

}  // namespace nst

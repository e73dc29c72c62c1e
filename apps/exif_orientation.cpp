#include "apps/exif_orientation.h"

#include <cstring>

namespace nst {

namespace {

// Bounds-checked reads of a TIFF structure in its byte order.
class TiffReader {
 public:
  TiffReader(const std::uint8_t* data, std::size_t size, bool big_endian)
      : data_(data), size_(size), big_endian_(big_endian) {}
  bool has(std::size_t offset, std::size_t length) const { return offset <= size_ && length <= size_ - offset; }
  std::uint32_t u16(std::size_t offset) const {  // callers check has(offset, 2)
    const std::uint32_t a = data_[offset], b = data_[offset + 1];
    return big_endian_ ? (a << 8 | b) : (b << 8 | a);
  }
  std::uint32_t u32(std::size_t offset) const {  // callers check has(offset, 4)
    return big_endian_ ? (u16(offset) << 16 | u16(offset + 2)) : (u16(offset + 2) << 16 | u16(offset));
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  bool big_endian_;
};

constexpr std::uint8_t kExifHeader[6] = {'E', 'x', 'i', 'f', 0, 0};
constexpr std::uint32_t kOrientationTag = 0x0112;
constexpr std::uint32_t kTypeShort = 3;

}  // namespace

int exif_orientation(const std::uint8_t* segment, std::size_t size) {
  if (segment == nullptr || size < sizeof kExifHeader + 8 || std::memcmp(segment, kExifHeader, sizeof kExifHeader) != 0)
    return 1;
  const std::uint8_t* tiff = segment + sizeof kExifHeader;  // offsets below count from here
  const std::size_t tiff_size = size - sizeof kExifHeader;
  const bool little = tiff[0] == 'I' && tiff[1] == 'I', big = tiff[0] == 'M' && tiff[1] == 'M';
  if (!little && !big) return 1;
  const TiffReader tiff_reader(tiff, tiff_size, big);
  if (tiff_reader.u16(2) != 42) return 1;
  const std::size_t ifd0 = tiff_reader.u32(4);
  if (!tiff_reader.has(ifd0, 2)) return 1;
  const std::uint32_t entries = tiff_reader.u16(ifd0);
  // Each entry: tag (2), type (2), count (4), value or offset (4); a SHORT value sits in the first
  // two bytes of the value field.
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t entry = ifd0 + 2 + std::size_t{i} * 12;
    if (!tiff_reader.has(entry, 12)) return 1;
    if (tiff_reader.u16(entry) != kOrientationTag) continue;
    if (tiff_reader.u16(entry + 2) != kTypeShort || tiff_reader.u32(entry + 4) != 1) return 1;
    const std::uint32_t value = tiff_reader.u16(entry + 8);
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

Rgb8Image apply_exif_orientation(const Rgb8Image& stored, int orientation) {
  if (orientation < 2 || orientation > 8) return stored;
  const int w = stored.width, h = stored.height;
  const bool swaps = orientation >= 5;
  Rgb8Image upright{swaps ? h : w, swaps ? w : h, std::vector<std::uint8_t>(stored.bytes.size())};
  // Upright pixel (x, y) comes from stored pixel (sx, sy).
  for (int y = 0; y < upright.height; ++y) {
    for (int x = 0; x < upright.width; ++x) {
      int sx = x, sy = y;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          break;
        case 3:
          sx = w - 1 - x, sy = h - 1 - y;
          break;
        case 4:
          sy = h - 1 - y;
          break;
        case 5:
          sx = y, sy = x;
          break;
        case 6:
          sx = y, sy = h - 1 - x;
          break;
        case 7:
          sx = w - 1 - y, sy = h - 1 - x;
          break;
        case 8:
          sx = w - 1 - y, sy = x;
          break;
        default:
          break;
      }
      const std::size_t to = (std::size_t(y) * std::size_t(upright.width) + std::size_t(x)) * 3;
      const std::size_t from = (std::size_t(sy) * std::size_t(w) + std::size_t(sx)) * 3;
      for (int c = 0; c < 3; ++c) upright.bytes[to + std::size_t(c)] = stored.bytes[from + std::size_t(c)];
    }
  }
  return upright;
}

}  // namespace nst

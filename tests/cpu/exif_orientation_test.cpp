// EXIF orientation (apps/exif_orientation.h): JPEGs written here with an Exif APP1 segment
// (libjpeg's jpeg_write_marker), one per orientation and byte order, decode upright; the stored
// images are made from the upright one by the TIFF 6.0 table (which side of the scene the stored
// row 0 and column 0 are), a formulation independent of the decoder's pixel mapping. Malformed
// segments are ignored: every prefix of a valid one, offsets and counts pointing outside it,
// wrong types and values.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <jpeglib.h>

#include <gtest/gtest.h>

#include "apps/exif_orientation.h"
#include "apps/image.h"
#include "tests/support/random.h"
#include "tests/support/scratch_dir.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

enum class Side { top, bottom, left, right };

struct OrientationRow {
  int value;
  Side row0, column0;  // the scene's side that the stored row 0 / column 0 shows
};

// TIFF 6.0, tag 274 (Orientation).
const OrientationRow kTiffTable[8] = {
    {1, Side::top, Side::left},     {2, Side::top, Side::right},   {3, Side::bottom, Side::right},
    {4, Side::bottom, Side::left},  {5, Side::left, Side::top},    {6, Side::right, Side::top},
    {7, Side::right, Side::bottom}, {8, Side::left, Side::bottom},
};

// The image a camera stores for the upright scene `scene` under `row`: stored rows run from the
// scene's row0 side inward, stored columns from its column0 side.
Rgb8Image stored_for(const Rgb8Image& scene, const OrientationRow& row) {
  const int w = scene.width, h = scene.height;
  const bool rows_are_scene_rows = row.row0 == Side::top || row.row0 == Side::bottom;
  Rgb8Image stored{rows_are_scene_rows ? w : h, rows_are_scene_rows ? h : w,
                   std::vector<std::uint8_t>(scene.bytes.size())};
  for (int r = 0; r < stored.height; ++r) {
    for (int c = 0; c < stored.width; ++c) {
      int x = 0, y = 0;
      if (rows_are_scene_rows) {
        y = row.row0 == Side::top ? r : h - 1 - r;
        x = row.column0 == Side::left ? c : w - 1 - c;
      } else {
        x = row.row0 == Side::left ? r : w - 1 - r;
        y = row.column0 == Side::top ? c : h - 1 - c;
      }
      for (int k = 0; k < 3; ++k)
        stored.bytes[(std::size_t(r) * std::size_t(stored.width) + std::size_t(c)) * 3 + std::size_t(k)] =
            scene.bytes[(std::size_t(y) * std::size_t(w) + std::size_t(x)) * 3 + std::size_t(k)];
    }
  }
  return stored;
}

void put16(std::vector<std::uint8_t>& out, std::uint32_t v, bool big) {
  if (big)
    out.insert(out.end(), {std::uint8_t(v >> 8), std::uint8_t(v)});
  else
    out.insert(out.end(), {std::uint8_t(v), std::uint8_t(v >> 8)});
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v, bool big) {
  put16(out, big ? v >> 16 : v & 0xFFFF, big);
  put16(out, big ? v & 0xFFFF : v >> 16, big);
}

struct IfdEntry {
  std::uint32_t tag, type, count, value;
};

// An APP1 payload: "Exif\0\0", a TIFF header in the byte order, IFD0 at offset 8 with `entries`
// (a SHORT value in the value field's first two bytes), no next IFD.
std::vector<std::uint8_t> exif_segment(bool big, const std::vector<IfdEntry>& entries) {
  std::vector<std::uint8_t> out{'E', 'x', 'i', 'f', 0, 0};
  out.insert(out.end(),
             big ? std::initializer_list<std::uint8_t>{'M', 'M'} : std::initializer_list<std::uint8_t>{'I', 'I'});
  put16(out, 42, big);
  put32(out, 8, big);
  put16(out, std::uint32_t(entries.size()), big);
  for (const IfdEntry& e : entries) {
    put16(out, e.tag, big);
    put16(out, e.type, big);
    put32(out, e.count, big);
    if (e.type == 3) {
      put16(out, e.value, big);
      put16(out, 0, big);
    } else {
      put32(out, e.value, big);
    }
  }
  put32(out, 0, big);
  return out;
}

// A segment as cameras write it: other tags around the orientation (make, resolution).
std::vector<std::uint8_t> orientation_segment(bool big, int orientation) {
  return exif_segment(big, {{0x010F, 2, 4, 0}, {0x0112, 3, 1, std::uint32_t(orientation)}, {0x011A, 5, 1, 0}});
}

// 24 × 16 in 8 × 8 blocks of six distinct colours: no flip or rotation maps it onto itself, and a
// quality-100 4:4:4 JPEG keeps flat 8 × 8 blocks within a level or two.
Rgb8Image blocks_scene() {
  const std::uint8_t colours[6][3] = {{250, 10, 10},  {10, 250, 10},  {10, 10, 250},
                                      {250, 250, 10}, {10, 250, 250}, {128, 128, 128}};
  Rgb8Image scene{24, 16, std::vector<std::uint8_t>(24 * 16 * 3)};
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 24; ++x)
      for (int k = 0; k < 3; ++k)
        scene.bytes[(std::size_t(y) * 24 + std::size_t(x)) * 3 + std::size_t(k)] = colours[(y / 8) * 3 + x / 8][k];
  return scene;
}

void write_jpeg_with_app1(const std::string& path, const Rgb8Image& image, const std::vector<std::uint8_t>& app1) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr error{};
  cinfo.err = jpeg_std_error(&error);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, file);
  cinfo.image_width = JDIMENSION(image.width);
  cinfo.image_height = JDIMENSION(image.height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 100, TRUE);
  for (int c = 0; c < 3; ++c) cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  cinfo.write_JFIF_header = FALSE;  // Exif files start with APP1
  jpeg_start_compress(&cinfo, TRUE);
  if (!app1.empty()) jpeg_write_marker(&cinfo, JPEG_APP0 + 1, app1.data(), unsigned(app1.size()));
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row =
        const_cast<JSAMPLE*>(image.bytes.data() + std::size_t(cinfo.next_scanline) * std::size_t(image.width) * 3);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  ASSERT_EQ(std::fclose(file), 0);
}

// Largest |decoded − expected| over all samples; sizes must match.
double largest_difference(const Image& decoded, const Rgb8Image& expected) {
  EXPECT_EQ(decoded.width, expected.width);
  EXPECT_EQ(decoded.height, expected.height);
  if (decoded.rgb.size() != expected.bytes.size()) return 1e9;
  double largest = 0;
  for (std::size_t i = 0; i < decoded.rgb.size(); ++i)
    largest = std::max(largest, std::abs(double(decoded.rgb[i]) - expected.bytes[i]));
  return largest;
}

class ExifOrientation : public ScratchDirTest {
 protected:
};

TEST_F(ExifOrientation, EachOrientationInBothByteOrdersDecodesUpright) {
  const Rgb8Image scene = blocks_scene();
  for (const bool big : {false, true}) {
    for (const OrientationRow& row : kTiffTable) {
      const std::string file = path("o" + std::to_string(row.value) + (big ? "_mm" : "_ii") + ".jpg");
      write_jpeg_with_app1(file, stored_for(scene, row), orientation_segment(big, row.value));
      const Image decoded = read_image(file);
      // 6 colours at least 118 apart in some channel; a JPEG error of 4 cannot confuse them.
      EXPECT_LE(largest_difference(decoded, scene), 4.0) << "orientation " << row.value << (big ? " MM" : " II");
    }
  }
}

// The pixel mapping alone, exactly, on a random image.
TEST_F(ExifOrientation, ApplyingTheTagUndoesWhatTheCameraStored) {
  const std::vector<float> values = random_integers(5 * 3 * 3, 7, 0, 255);
  Rgb8Image scene{5, 3, std::vector<std::uint8_t>(values.begin(), values.end())};
  for (const OrientationRow& row : kTiffTable) {
    const Rgb8Image upright = apply_exif_orientation(stored_for(scene, row), row.value);
    EXPECT_EQ(upright.width, 5) << row.value;
    EXPECT_EQ(upright.height, 3) << row.value;
    EXPECT_EQ(upright.bytes, scene.bytes) << "orientation " << row.value;
  }
  EXPECT_EQ(apply_exif_orientation(scene, 0).bytes, scene.bytes);  // out of range: as stored
  EXPECT_EQ(apply_exif_orientation(scene, 9).bytes, scene.bytes);
}

TEST_F(ExifOrientation, TagIsFoundInBothByteOrders) {
  for (int v = 1; v <= 8; ++v) {
    for (const bool big : {false, true}) {
      const std::vector<std::uint8_t> segment = orientation_segment(big, v);
      EXPECT_EQ(exif_orientation(segment.data(), segment.size()), v) << (big ? "MM " : "II ") << v;
    }
  }
}

TEST_F(ExifOrientation, MalformedSegmentsAreIgnored) {
  const std::vector<std::uint8_t> valid = orientation_segment(true, 6);
  // Every prefix, each copied into a buffer of exactly that size (a read past it is out of
  // bounds, which AddressSanitizer reports): 6 once the orientation entry (the second, after
  // "Exif\0\0", the 8-byte TIFF header and the 2-byte count) is whole, 1 before.
  const std::size_t through_tag = 6 + 8 + 2 + 2 * 12;
  for (std::size_t n = 0; n < valid.size(); ++n) {
    const std::vector<std::uint8_t> prefix(valid.begin(), valid.begin() + std::ptrdiff_t(n));
    EXPECT_EQ(exif_orientation(prefix.empty() ? nullptr : prefix.data(), n), n >= through_tag ? 6 : 1) << n << " bytes";
  }
  struct Case {
    std::string what;
    std::vector<std::uint8_t> segment;
  };
  std::vector<Case> cases{
      {"wrong type (LONG)", exif_segment(false, {{0x0112, 4, 1, 6}})},
      {"count 2", exif_segment(false, {{0x0112, 3, 2, 6}})},
      {"value 0", exif_segment(false, {{0x0112, 3, 1, 0}})},
      {"value 9", exif_segment(true, {{0x0112, 3, 1, 9}})},
      {"value 65535", exif_segment(true, {{0x0112, 3, 1, 65535}})},
      {"no orientation tag", exif_segment(true, {{0x010F, 2, 4, 0}})},
      {"no entries", exif_segment(false, {})},
  };
  std::vector<std::uint8_t> bad_magic = orientation_segment(false, 6);
  bad_magic[8] = 43;
  cases.push_back({"TIFF magic 43", bad_magic});
  std::vector<std::uint8_t> bad_order = orientation_segment(false, 6);
  bad_order[6] = 'I', bad_order[7] = 'M';
  cases.push_back({"byte order IM", bad_order});
  std::vector<std::uint8_t> ifd_outside = orientation_segment(false, 6);
  ifd_outside[10] = 0xF0, ifd_outside[11] = 0xFF, ifd_outside[12] = 0xFF, ifd_outside[13] = 0xFF;  // IFD0 at 2^32 − 16
  cases.push_back({"IFD0 offset beyond the segment", ifd_outside});
  std::vector<std::uint8_t> many_entries = orientation_segment(false, 6);
  many_entries[14] = 0xFF, many_entries[15] = 0xFF;  // 65535 entries claimed, 3 there (the 2nd is the tag)
  cases.push_back({"entry count beyond the segment, tag found first", many_entries});
  std::vector<std::uint8_t> not_exif = orientation_segment(false, 6);
  not_exif[0] = 'X';
  cases.push_back({"not Exif (XMP, say)", not_exif});
  for (const Case& c : cases) {
    const int found = exif_orientation(c.segment.data(), c.segment.size());
    if (c.what.find("tag found first") != std::string::npos)
      EXPECT_EQ(found, 6) << c.what;  // entries are read one at a time, each checked, until the tag
    else
      EXPECT_EQ(found, 1) << c.what;
  }
  std::vector<std::uint8_t> many_no_tag = exif_segment(false, {{0x010F, 2, 4, 0}});
  many_no_tag[14] = 0xFF, many_no_tag[15] = 0xFF;
  EXPECT_EQ(exif_orientation(many_no_tag.data(), many_no_tag.size()), 1) << "65535 entries claimed, one there";

  // In a real file: decoded as stored, no crash, no error.
  const Rgb8Image scene = blocks_scene();
  for (const Case& c : cases) {
    if (c.what.find("tag found first") != std::string::npos) continue;
    write_jpeg_with_app1(path("bad.jpg"), scene, c.segment);
    EXPECT_LE(largest_difference(read_image(path("bad.jpg")), scene), 4.0) << c.what;
  }
}

}  // namespace
}  // namespace nst::testing

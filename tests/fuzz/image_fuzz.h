#pragma once
// The body shared by the PNG and JPEG fuzz targets: the input, as a file, through read_image — the
// reader the command line uses, with everything it does before and after the codec. A damaged file
// must give an nst::Error (anything else thrown, a crash or a sanitizer report is a finding); a file
// that reads must give a whole image with every value a byte.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "apps/image.h"
#include "engine/error.h"
#include "tests/fuzz/memory_file.h"

namespace nst::fuzz {

inline void check_read_image(const std::uint8_t* data, std::size_t size) {
  static MemoryFile file("nst_image_fuzz");
  file.assign(data, size);
  Image image;
  try {
    image = read_image(file.path());
  } catch (const Error&) {
    return;  // refused with a message: what a damaged file must get
  }
  const bool whole = image.width > 0 && image.height > 0 &&
                     image.rgb.size() == std::size_t(image.width) * std::size_t(image.height) * 3;
  bool bytes = true;
  for (const float v : image.rgb) bytes = bytes && v >= 0.0f && v <= 255.0f && v == float(int(v));
  if (!whole || !bytes) {
    std::fprintf(stderr, "read_image returned a %dx%d image of %zu values%s\n", image.width, image.height,
                 image.rgb.size(), bytes ? "" : ", not all of them bytes");
    std::abort();
  }
}

}  // namespace nst::fuzz

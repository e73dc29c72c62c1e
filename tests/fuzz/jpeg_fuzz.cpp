// libFuzzer target: JPEG files through read_image (tests/fuzz/README.md).
#include "tests/fuzz/image_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Without the start-of-image marker read_image takes another path: keep such inputs out of the corpus.
  if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) return -1;
  nst::fuzz::check_read_image(data, size);
  return 0;
}

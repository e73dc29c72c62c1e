// libFuzzer target: PNG files through read_image (tests/fuzz/README.md).
#include <cstring>

#include "tests/fuzz/image_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  // Without the signature read_image takes another path (or none): keep such inputs out of the corpus.
  if (size < sizeof kSignature || std::memcmp(data, kSignature, sizeof kSignature) != 0) return -1;
  nst::fuzz::check_read_image(data, size);
  return 0;
}

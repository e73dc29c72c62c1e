// libFuzzer target: .nstate checkpoints through parse_checkpoint (layers/checkpoint.h), the reader
// --resume uses (tests/fuzz/README.md). A damaged file must give an nst::Error; a file that parses
// must write back to bytes that parse to the same checkpoint (the writer's format is the reader's).
// The input is parsed as it is, and then its body framed anew (header with the input's version and
// size, a matching checksum), so that mutations reach the body's parser past the checksum.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/error.h"
#include "layers/checkpoint.h"

namespace {

std::vector<std::uint8_t> bytes_of(const nst::Checkpoint& checkpoint) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  nst::write_checkpoint(checkpoint, out, "written.nstate");
  std::fclose(out);
  std::vector<std::uint8_t> bytes(buffer, buffer + size);
  std::free(buffer);
  return bytes;
}

// The input's body (after its 20 header bytes, less its last 8) behind a valid header and checksum.
std::vector<std::uint8_t> reframed(const std::uint8_t* data, std::size_t size) {
  if (size < 28) return {};
  std::vector<std::uint8_t> file(data, data + 12);  // magic and version as they are
  const std::uint64_t body = size - 28;
  file.insert(file.end(), reinterpret_cast<const std::uint8_t*>(&body),
              reinterpret_cast<const std::uint8_t*>(&body) + 8);
  file.insert(file.end(), data + 20, data + size - 8);
  nst::Fnv1a64 hash;
  hash.add(data + 20, body);
  file.insert(file.end(), reinterpret_cast<const std::uint8_t*>(&hash.hash),
              reinterpret_cast<const std::uint8_t*>(&hash.hash) + 8);
  return file;
}

void check(const std::uint8_t* data, std::size_t size) {
  nst::Checkpoint checkpoint;
  try {
    checkpoint = nst::parse_checkpoint(data, size, "fuzz.nstate");
  } catch (const nst::Error&) {
    return;  // refused with a message: what a damaged file must get
  }
  // Written as the current version: it must parse again to the same iteration, scale and sizes.
  const std::vector<std::uint8_t> again = bytes_of(checkpoint);
  const nst::Checkpoint reread = nst::parse_checkpoint(again.data(), again.size(), "written.nstate");
  if (reread.iteration != checkpoint.iteration || reread.scale != checkpoint.scale ||
      reread.settings != checkpoint.settings || reread.image.shape() != checkpoint.image.shape() ||
      reread.optimizer.tensors.size() != checkpoint.optimizer.tensors.size() ||
      reread.optimizer.scalars.size() != checkpoint.optimizer.scalars.size() ||
      reread.kept.tensors.size() != checkpoint.kept.tensors.size() ||
      (checkpoint.image.numel() > 0 &&  // bit for bit: NaN pixels included
       std::memcmp(reread.image.data(), checkpoint.image.data(),
                   static_cast<std::size_t>(checkpoint.image.numel()) * sizeof(float)) != 0)) {
    std::fprintf(stderr, "a parsed checkpoint did not survive writing and parsing again\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check(data, size);
  const std::vector<std::uint8_t> framed = reframed(data, size);
  if (!framed.empty()) check(framed.data(), framed.size());
  return 0;
}

#pragma once
// A run's checkpoint: everything a resumed run needs to continue with the same bits as a run that
// never stopped — the scale and the iteration reached in it, the image x as float32 (the PNG beside
// it is 8-bit), the optimizer's state, the state of the image the run keeps (layers/kept_image.h:
// the best image so far or the iterates' average, and the evaluations counted), and the run's
// settings and inputs (so that a resume with other ones is refused rather than continued into a
// different objective).
//
// The .nstate file, all integers and floats little-endian:
//   header   "NSTSTATE" (8 bytes), format version (u32, = 3), body size in bytes (u64)
//   body     iteration                                   u32
//            scale (1-based, layers/scales.h)            u32   (not in version 1: its files are scale 1)
//            settings: count (u32), then key, value      string, string
//            image                                       tensor
//            optimizer state                             state
//            kept image state                            state (not in versions 1 and 2)
//   trailer  FNV-1a 64 of the body's bytes               u64
//   state:   name (string), tensors: count (u32), then name, tensor (string, tensor),
//            scalars: count (u32), then name, value (string, f64)
//   string:  length (u32, at most 65536), the bytes (UTF-8)
//   tensor:  rank (u32, at most 8), each dimension (i64), the values (f32, row-major)
// A file of any other size than header + body + trailer, another magic or version (1 to 3), a
// checksum that does not match, or a body that does not parse to its last byte is refused. Files of
// versions 1 and 2 are read with no kept image state, which a resume refuses (apps/resume.h): it
// could not give a --keep best or ema run the image an uninterrupted one keeps.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "layers/optimizer_state.h"

namespace nst {

// FNV-1a, 64 bits (Fowler, Noll, Vo): h ← (h ⊕ byte) · 1099511628211 from 14695981039346656037.
// The file's checksum, and a fingerprint of a run's inputs.
struct Fnv1a64 {
  std::uint64_t hash = 14695981039346656037ull;
  void add(const void* data, std::size_t size);
};

// What a resumed run must share with the saved one: (what, its value), e.g. ("--style-weight", "100").
using RunSettings = std::vector<std::pair<std::string, std::string>>;

struct Checkpoint {
  int iteration = 0;     // iterations done at `scale`
  int scale = 1;         // of a coarse-to-fine run (layers/scales.h), 1-based
  RunSettings settings;  // of the run that saved it
  Tensor image;          // x after `iteration`, on the host
  OptimizerState optimizer;
  OptimizerState kept;        // KeptImage::export_state(): the same named tensors and scalars
  std::uint32_t version = 3;  // of the file read; written: always the current one
};

// Writes the file's bytes to `out`; throws an nst::Error naming `path` when a write fails.
void write_checkpoint(const Checkpoint& checkpoint, std::FILE* out, const std::string& path);

// Parses a whole file's bytes, checking every length against what is left before using it;
// throws an nst::Error naming `path` and what is wrong.
Checkpoint parse_checkpoint(const std::uint8_t* bytes, std::size_t size, const std::string& path);

// Reads and parses the file at `path`.
Checkpoint read_checkpoint(const std::string& path);

// Throws an nst::Error naming `path` and every setting that differs between the checkpoint's
// run and this one (`current`).
void check_same_run(const Checkpoint& checkpoint, const RunSettings& current, const std::string& path);

}  // namespace nst

#pragma once
// The run's memory, before its network is allocated: the peak estimated by layers/memory_estimate.h,
// printed in the run's header, against what the machine has available; a run that would not fit is
// refused with the estimate, what is available and what to lower, instead of being killed midway.
//   host: MemAvailable (/proc/meminfo), or less when the cgroup's limit leaves less
//         (/sys/fs/cgroup/memory.max − memory.current) or the address-space limit does (ulimit -v);
//   CUDA: cudaMemGetInfo's free bytes, plus what the caching allocator holds cached.
// NST_MEMORY_AVAILABLE_MIB, when set, replaces both (so that a test can force a refusal).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "apps/image.h"
#include "apps/options.h"
#include "engine/device.h"
#include "layers/memory_estimate.h"
#include "layers/tile_plan.h"

namespace nst {

struct AvailableMemory {
  std::size_t bytes = 0;
  std::string source;  // "MemAvailable", "the cgroup's limit", "NST_MEMORY_AVAILABLE_MIB", "cudaMemGetInfo"
};
// What a run may still allocate on `device` (Device::cpu: the host).
AvailableMemory available_memory(Device device);

// The run's configuration for memory_estimate, for an output of `image_size` pixels on its longer
// side: `content` is the content image's size at o.image_size, `style_originals` the style images'
// sizes as decoded.
RunMemoryConfig run_memory_config(const Options& o, int image_size, ImageSize content,
                                  const std::vector<ImageSize>& style_originals, std::vector<Tap> content_taps,
                                  std::vector<Tap> style_taps, Device device);

// For --help: what a run with the default options needs, on a square image with the full VGG19.
std::string default_run_memory_note();

// Whether the scale of `size` (the content at that size; `styles` the style images at --image-size,
// resized per scale as the run resizes them) is optimised in tiles: with --tile-size, always; else
// when its estimate is over the memory limit, in the largest tiles that fit. Throws nst::Error when
// not even the smallest tiles fit.
std::optional<TilePlan> scale_tiles(const Options& o, ImageSize size, const std::vector<ImageSize>& styles,
                                    const std::vector<Tap>& content_taps, const std::vector<Tap>& style_taps,
                                    Device device);

// "24G", "800M", "512K", "1.5GiB", "2000000000" (bytes) → bytes, binary units; on a malformed or
// out-of-range size, 0 and `problem` says why.
std::size_t parse_memory_size(const std::string& text, std::string* problem);

// The most a run may take on `device`: --max-memory, or what is available less kMemoryMarginPercent.
struct MemoryLimit {
  std::size_t bytes = 0;
  std::string source;  // "--max-memory", or "23.4 GiB available (MemAvailable) less 10%"
};
inline constexpr int kMemoryMarginPercent = 10;
MemoryLimit memory_limit(const Options& o, Device device);

// Prints the estimate ("memory: ~412 MiB estimated (host, limit 21.1 GiB: …)" and its parts). When it
// is over the limit and `allow_tiles`, returns the plan of tiles that fit (printed too); otherwise,
// or when not even the smallest tile fits, throws nst::Error naming the estimate, the limit and
// where it comes from, and what to lower (with the largest --image-size that would fit whole).
std::optional<TilePlan> check_run_memory(const Options& o, ImageSize content,
                                         const std::vector<ImageSize>& style_originals,
                                         const std::vector<Tap>& content_taps, const std::vector<Tap>& style_taps,
                                         Device device, bool allow_tiles);

}  // namespace nst

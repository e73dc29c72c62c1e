#include "apps/run_memory.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

#include <sys/resource.h>
#include <unistd.h>

#include "apps/image_size_check.h"
#include "apps/layer_choice.h"
#include "apps/vgg_image.h"
#include "engine/error.h"
#include "engine/gpu.h"
#include "weights/vgg19_spec.h"

namespace nst {

namespace {

constexpr std::size_t kMib = std::size_t{1} << 20;

// The first number of a file (a cgroup's memory.max or memory.current), or nothing when it cannot
// be read or says "max".
bool read_bytes(const std::string& path, std::size_t& bytes) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return false;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(word.c_str(), &end, 10);
  if (end == word.c_str() || *end != '\0') return false;
  bytes = static_cast<std::size_t>(value);
  return true;
}

// MemAvailable from /proc/meminfo: what the kernel can hand out without swapping.
bool mem_available(std::size_t& bytes) {
  std::ifstream in("/proc/meminfo");
  std::string key;
  unsigned long long kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") {
      bytes = static_cast<std::size_t>(kib) * 1024;
      return true;
    }
  }
  return false;
}

// What the cgroup v2 limits leave to this process: min over its cgroup and every parent of
// memory.max − memory.current. False when no level has a limit.
bool cgroup_room(std::size_t& bytes) {
  std::ifstream in("/proc/self/cgroup");
  std::string line, path;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  if (path.empty()) return false;
  bool limited = false;
  while (true) {
    const std::string dir = "/sys/fs/cgroup" + (path == "/" ? std::string() : path);
    std::size_t max = 0, current = 0;
    if (read_bytes(dir + "/memory.max", max) && read_bytes(dir + "/memory.current", current)) {
      const std::size_t room = max > current ? max - current : 0;
      bytes = limited ? std::min(bytes, room) : room;
      limited = true;
    }
    if (path == "/" || path.empty()) break;
    const std::size_t slash = path.find_last_of('/');
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
  return limited;
}

// What the address-space limit (ulimit -v, RLIMIT_AS) leaves: the limit less the address space in
// use now (/proc/self/statm's first field, in pages). False when there is no limit.
bool address_space_room(std::size_t& bytes) {
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return false;
  std::ifstream in("/proc/self/statm");
  std::size_t pages = 0;
  if (!(in >> pages)) return false;
  const std::size_t used = pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  bytes = limit.rlim_cur > used ? static_cast<std::size_t>(limit.rlim_cur) - used : 0;
  return true;
}

// Whether a run's estimate keeps within the limit on its device and, for a GPU run, within what
// the host has available (a CPU run's limit is its host's).
bool fits(const MemoryEstimate& estimate, const MemoryLimit& limit, const AvailableMemory& host) {
  if (estimate.device == Device::cpu) return estimate.host_peak() <= limit.bytes;
  return estimate.device_peak() <= limit.bytes && (host.source.empty() || estimate.host_peak() <= host.bytes);
}

}  // namespace

AvailableMemory available_memory(Device device) {
  if (const char* text = std::getenv("NST_MEMORY_AVAILABLE_MIB"); text != nullptr && *text != '\0') {
    char* end = nullptr;
    const double mib = std::strtod(text, &end);
    NST_CHECK(*end == '\0' && std::isfinite(mib) && mib >= 0 && mib < 1e12,
              "NST_MEMORY_AVAILABLE_MIB='" << text << "' is not a number of MiB");
    return {static_cast<std::size_t>(mib * kMib), "NST_MEMORY_AVAILABLE_MIB"};
  }
  if (device == Device::cuda) return {cuda_free_memory(), "cudaMemGetInfo"};
  AvailableMemory available;
  if (mem_available(available.bytes)) available.source = "MemAvailable";
  std::size_t room = 0;
  if (cgroup_room(room) && (available.source.empty() || room < available.bytes)) {
    available.bytes = room;
    available.source = "the cgroup's limit";
  }
  if (address_space_room(room) && (available.source.empty() || room < available.bytes)) {
    available.bytes = room;
    available.source = "the address-space limit, ulimit -v";
  }
  return available;  // source empty: unknown
}

RunMemoryConfig run_memory_config(const Options& o, int image_size, ImageSize content,
                                  const std::vector<ImageSize>& style_originals, std::vector<Tap> content_taps,
                                  std::vector<Tap> style_taps, Device device) {
  RunMemoryConfig config;
  const ImageSize image =
      image_size == o.image_size ? content : longer_side_size(content.width, content.height, image_size);
  config.image = {image.height, image.width};
  for (const ImageSize& style : style_originals) {
    const ImageSize s = longer_side_size(style.width, style.height, style_side(image_size, o.style_scale));
    config.styles.push_back({s.height, s.width});
  }
  config.content_taps = std::move(content_taps);
  config.style_taps = std::move(style_taps);
  const ChannelBounds bounds = o.pixel_bounds == "on" ? vgg_input_bounds() : ChannelBounds{};
  if (o.optimizer == "adam") {
    AdamOptions adam;
    adam.bounds = bounds;
    config.optimizer = adam;
  } else {
    LbfgsOptions lbfgs;
    lbfgs.history_size = o.lbfgs_history;
    lbfgs.line_search = parse_lbfgs_line_search(o.lbfgs_line_search);
    lbfgs.bounds = bounds;
    config.optimizer = lbfgs;
  }
  config.device = device;
  config.saves_checkpoints = o.save_every > 0;
  config.keep = parse_keep_image(o.keep);
  std::error_code unknown;  // a missing file is refused by the resume itself, naming it
  if (!o.resume.empty())
    config.resume_file_bytes = static_cast<std::size_t>(std::filesystem::file_size(o.resume, unknown));
  if (unknown) config.resume_file_bytes = 0;
  return config;
}

std::string default_run_memory_note() {
  const Options defaults;
  const LayerChoice layers = default_layers(static_cast<int>(vgg19_conv_specs().size()));
  const ImageSize square{defaults.image_size, defaults.image_size};
  const auto estimate_on = [&](Device device) {
    return format_bytes(estimate_run_memory(run_memory_config(defaults, defaults.image_size, square, {square},
                                                              parse_taps(layers.content_layers),
                                                              parse_taps(layers.style_layers), device))
                            .device_peak());
  };
  return "with the other defaults, the full VGG19 and square images, " + std::to_string(defaults.image_size) +
         " px needs about " + estimate_on(Device::cpu) + " on the CPU, " + estimate_on(Device::cuda) +
         " on a GPU; each run prints its estimate, and one over --max-memory is optimised in tiles that fit";
}

std::size_t parse_memory_size(const std::string& text, std::string* problem) {
  const auto refuse = [&](const std::string& why) {
    if (problem) *problem = "'" + text + "' " + why;
    return std::size_t{0};
  };
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(value) || value <= 0)
    return refuse("is not a memory size (a positive number with K, M, G or T, e.g. 24G or 800M)");
  std::string unit(end);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() == 3 && unit.substr(1) == "IB") unit = unit.substr(0, 1);
  if (unit.size() == 2 && unit[1] == 'B') unit = unit.substr(0, 1);
  const std::string units = "BKMGT";  // B: bytes, then powers of 1024
  const std::size_t power = unit.empty() ? 0 : units.find(unit);
  if (unit.size() > 1 || power == std::string::npos) return refuse("has an unknown unit (use K, M, G or T)");
  const double bytes = value * std::pow(1024.0, static_cast<double>(power));
  if (bytes < static_cast<double>(kMib)) return refuse("is below 1 MiB");
  if (bytes > std::pow(1024.0, 5)) return refuse("is above 1024 TiB");
  if (problem) problem->clear();
  return static_cast<std::size_t>(bytes);
}

MemoryLimit memory_limit(const Options& o, Device device) {
  if (!o.max_memory.empty()) {
    std::string problem;
    const std::size_t bytes = parse_memory_size(o.max_memory, &problem);
    NST_CHECK(problem.empty(), "--max-memory " << problem);
    return {bytes, "--max-memory " + o.max_memory};
  }
  const AvailableMemory available = available_memory(device);
  if (available.source.empty()) return {std::numeric_limits<std::size_t>::max(), "available memory unknown"};
  return {available.bytes / 100 * (100 - kMemoryMarginPercent), format_bytes(available.bytes) + " available (" +
                                                                    available.source + ") less " +
                                                                    std::to_string(kMemoryMarginPercent) + "%"};
}

std::optional<TilePlan> scale_tiles(const Options& o, ImageSize size, const std::vector<ImageSize>& styles,
                                    const std::vector<Tap>& content_taps, const std::vector<Tap>& style_taps,
                                    Device device) {
  const RunMemoryConfig config =
      run_memory_config(o, std::max(size.width, size.height), size, styles, content_taps, style_taps, device);
  if (o.tile_size > 0) return plan_tiles_of(config, o.tile_size);
  const MemoryLimit limit = memory_limit(o, device);
  const AvailableMemory host = device == Device::cuda ? available_memory(Device::cpu) : AvailableMemory{};
  if (fits(estimate_run_memory(config), limit, host)) return std::nullopt;
  std::optional<TilePlan> plan = plan_tiles(config, limit.bytes);
  NST_CHECK(plan && fits(plan->estimate, limit, host), "not enough memory for the scale of "
                                                           << size.width << "x" << size.height
                                                           << " px, not even in tiles (" << limit.source << ")");
  return plan;
}

std::optional<TilePlan> check_run_memory(const Options& o, ImageSize content,
                                         const std::vector<ImageSize>& style_originals,
                                         const std::vector<Tap>& content_taps, const std::vector<Tap>& style_taps,
                                         Device device, bool allow_tiles) {
  const auto config_at = [&](int image_size) {
    return run_memory_config(o, image_size, content, style_originals, content_taps, style_taps, device);
  };
  const MemoryEstimate estimate = estimate_run_memory(config_at(o.image_size));
  const MemoryLimit limit = memory_limit(o, device);
  const AvailableMemory host = device == Device::cuda ? available_memory(Device::cpu) : AvailableMemory{};
  const auto limit_text = [&] {
    return limit.bytes == std::numeric_limits<std::size_t>::max()
               ? limit.source
               : "limit " + format_bytes(limit.bytes) + ": " + limit.source;
  };
  if (device == Device::cpu)
    std::printf("memory: ~%s estimated (host, %s)\n", format_bytes(estimate.host_peak()).c_str(), limit_text().c_str());
  else
    std::printf("memory: ~%s estimated (GPU, %s; host ~%s, %s)\n", format_bytes(estimate.device_peak()).c_str(),
                limit_text().c_str(), format_bytes(estimate.host_peak()).c_str(),
                host.source.empty() ? "available memory unknown" : (format_bytes(host.bytes) + " available").c_str());
  std::printf("  %s\n", estimate.describe_peak().c_str());
  std::fflush(stdout);
  const bool tiles_asked = allow_tiles && o.tile_size > 0;
  if (!tiles_asked && fits(estimate, limit, host)) return std::nullopt;

  std::string tiles_note;
  if (allow_tiles) {
    std::optional<TilePlan> plan = tiles_asked ? plan_tiles_of(config_at(o.image_size), o.tile_size)
                                               : plan_tiles(config_at(o.image_size), limit.bytes);
    if (plan && fits(plan->estimate, limit, host)) {
      std::printf(
          "tiles: %s, so optimised in %zu tiles, windows up to %lldx%lld px (core %lld, "
          "overlap %lld, margin %lld: the receptive span of the deepest layer), %d passes; ~%s estimated\n"
          "  %s\n",
          tiles_asked ? "--tile-size given" : "over the limit whole", plan->tiles,
          static_cast<long long>(plan->window.width), static_cast<long long>(plan->window.height),
          static_cast<long long>(plan->layout.core), static_cast<long long>(plan->layout.overlap),
          static_cast<long long>(plan->layout.margin), o.tile_passes,
          format_bytes(plan->estimate.device_peak()).c_str(), plan->estimate.describe_peak().c_str());
      std::fflush(stdout);
      return plan;
    }
    tiles_note = tiles_asked ? ", not even in tiles of --tile-size " + std::to_string(o.tile_size)
                             : ", not even in the smallest tiles";
  }

  const bool gpu_short = device == Device::cuda && estimate.device_peak() > limit.bytes;
  const std::size_t needed = device == Device::cuda && !gpu_short ? estimate.host_peak() : estimate.device_peak();
  const std::string allowed = device == Device::cuda && !gpu_short
                                  ? format_bytes(host.bytes) + " is available (" + host.source + ")"
                                  : "the limit is " + format_bytes(limit.bytes) + " (" + limit.source + ")";
  int largest = 0;  // the largest --image-size that fits whole (the estimate grows with it)
  for (int low = 16, high = o.image_size - 1; low <= high;) {
    const int middle = low + (high - low) / 2;
    if (fits(estimate_run_memory(config_at(middle)), limit, host))
      largest = middle, low = middle + 1;
    else
      high = middle - 1;
  }
  std::ostringstream advice;
  advice << "lower --image-size (now " << o.image_size;
  if (largest > 0)
    advice << "; " << largest << " would fit";
  else
    advice << "; not even 16 would fit with the other settings";
  advice << "), --style-scale (now " << o.style_scale << ")";
  if (o.optimizer != "adam") advice << " or --lbfgs-history (now " << o.lbfgs_history << ")";
  NST_FAIL("not enough memory: the run needs about "
           << format_bytes(needed) << " of " << (device == Device::cuda && gpu_short ? "GPU" : "host") << " memory ("
           << estimate.describe_peak() << "), but " << allowed << tiles_note << "; " << advice.str());
}

}  // namespace nst

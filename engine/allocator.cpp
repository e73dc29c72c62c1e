#include "engine/allocator.h"

#include <sanitizer/asan_interface.h>  // ASAN_POISON_MEMORY_REGION: nothing without AddressSanitizer

#include <atomic>
#include <cstdlib>

#include "engine/error.h"
#include "engine/gpu.h"

namespace nst {

namespace {

std::size_t round_up(std::size_t bytes, std::size_t granule) { return (bytes + granule - 1) / granule * granule; }

// Host memory aligned to 64 bytes (a cache line, the widest vector load), counted in rounded bytes.
class CpuAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes) override {
    constexpr std::size_t alignment = 64;
    const std::size_t rounded = allocation_bytes(bytes, Device::cpu);
    void* ptr = std::aligned_alloc(alignment, rounded);
    NST_CHECK(ptr != nullptr, "out of host memory: asked for " << bytes << " bytes");
    // Under AddressSanitizer (build-asan) the rounding past `bytes` is unaddressable too, so that an
    // access just past a tensor is reported rather than landing unseen in the rounding.
    ASAN_POISON_MEMORY_REGION(static_cast<char*>(ptr) + bytes, rounded - bytes);
    const std::size_t in_use = in_use_.fetch_add(rounded) + rounded;
    std::size_t peak = peak_.load();
    while (in_use > peak && !peak_.compare_exchange_weak(peak, in_use)) {}
    return ptr;
  }
  void deallocate(void* ptr, std::size_t bytes) noexcept override {
    std::free(ptr);
    in_use_.fetch_sub(allocation_bytes(bytes, Device::cpu));
  }

  HostMemoryStats stats() const { return {in_use_.load(), peak_.load()}; }
  void reset_peak() { peak_.store(in_use_.load()); }

 private:
  std::atomic<std::size_t> in_use_{0}, peak_{0};
};

CpuAllocator& cpu_allocator() {
  static CpuAllocator cpu;
  return cpu;
}

}  // namespace

Allocator& allocator_for(Device device) {
  if (device == Device::cpu) return cpu_allocator();
  return cuda_allocator();
}

std::size_t allocation_bytes(std::size_t bytes, Device device) {
  if (device == Device::cpu) return round_up(bytes, 64);
  constexpr std::size_t mib = std::size_t{1} << 20;
  return round_up(bytes, bytes < mib ? 512 : 2 * mib);
}

HostMemoryStats host_memory_stats() { return cpu_allocator().stats(); }

void reset_host_memory_peak() { cpu_allocator().reset_peak(); }

}  // namespace nst

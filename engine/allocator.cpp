#include "engine/allocator.h"

#include <cstdlib>

#include "engine/error.h"
#include "engine/gpu.h"

namespace nst {

namespace {

// Host memory aligned to 64 bytes (a cache line, the widest vector load).
class CpuAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes) override {
    constexpr std::size_t alignment = 64;
    const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    void* ptr = std::aligned_alloc(alignment, rounded);
    NST_CHECK(ptr != nullptr, "out of host memory: asked for " << bytes << " bytes");
    return ptr;
  }
  void deallocate(void* ptr, std::size_t) noexcept override { std::free(ptr); }
};

}  // namespace

Allocator& allocator_for(Device device) {
  static CpuAllocator cpu;
  if (device == Device::cpu) return cpu;
  return cuda_allocator();
}

}  // namespace nst

#pragma once
// Allocator: where Buffers get their bytes. The CPU allocator hands out 64-byte-aligned host memory
// and counts what it has handed out; the CUDA backend plugs in a caching allocator so that no
// cudaMalloc happens inside the loop.
#include <cstddef>

#include "engine/device.h"

namespace nst {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(std::size_t bytes) = 0;  // throws nst::Error when out of memory
  virtual void deallocate(void* ptr, std::size_t bytes) noexcept = 0;
};

// The allocator that serves `device` (for cuda: the caching allocator; throws when built without CUDA).
Allocator& allocator_for(Device device);

// The bytes a request of `bytes` takes from `device`'s allocator, rounded as it rounds: a multiple
// of 64 on the host (the alignment), of 512 below 1 MiB and of 2 MiB above on CUDA (the caching
// allocator's size classes). 0 for 0: a Buffer of no bytes asks for nothing. Memory estimates
// (layers/memory_estimate.h) add these up, so they match what the allocators count.
std::size_t allocation_bytes(std::size_t bytes, Device device);

// What the CPU allocator has handed out to live buffers (rounded by allocation_bytes), now and at
// the most since the program started or since the last reset_host_memory_peak().
struct HostMemoryStats {
  std::size_t in_use_bytes = 0;
  std::size_t peak_in_use_bytes = 0;
};
HostMemoryStats host_memory_stats();
void reset_host_memory_peak();  // the peak starts again from what is in use now

}  // namespace nst

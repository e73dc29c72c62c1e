#pragma once
// Allocator: where Buffers get their bytes. The CPU allocator hands out 64-byte-aligned host memory;
// the CUDA backend plugs in a caching allocator so that no cudaMalloc happens inside the loop.
#include <cstddef>

#include "engine/device.h"

namespace nst {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(std::size_t bytes) = 0;          // throws nst::Error when out of memory
  virtual void deallocate(void* ptr, std::size_t bytes) noexcept = 0;
};

// The allocator that serves `device` (for cuda: the caching allocator; throws when built without CUDA).
Allocator& allocator_for(Device device);

}  // namespace nst

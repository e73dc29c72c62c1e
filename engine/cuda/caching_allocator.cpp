// A caching allocator for device memory. Freed blocks go to a free list keyed by their rounded
// size and are handed out again for the next request of that size; cudaMalloc runs only when no
// cached block fits. A style-transfer loop asks for the same sizes every iteration, so after the
// first iteration it never calls cudaMalloc. Out of memory is reported with the bytes asked for
// and the bytes free. All work is on one stream, so a freed block may be reused at once.
#include <cstddef>
#include <map>
#include <mutex>
#include <sstream>

#include "engine/cuda/cuda_check.h"
#include "engine/gpu.h"

namespace nst {

namespace {

// Round to 512 bytes below 1 MiB, to 2 MiB above: few distinct sizes, little waste.
std::size_t rounded_size(std::size_t bytes) {
  const std::size_t granule = bytes < (std::size_t{1} << 20) ? 512 : (std::size_t{2} << 20);
  return (bytes + granule - 1) / granule * granule;
}

class CachingAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes) override {
    // A recorded CUDA graph would keep using the block after its owner let it go (engine/cuda_graph.h).
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    NST_CUDA_CHECK(cudaStreamIsCapturing(cuda_stream(), &capture));
    NST_CHECK(capture == cudaStreamCaptureStatusNone,
              "allocation of " << bytes << " bytes while a CUDA graph is recorded: recorded work must reuse its buffers");
    const std::size_t size = rounded_size(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    void* ptr = nullptr;
    const auto cached = free_blocks_.find(size);
    if (cached != free_blocks_.end()) {
      ptr = cached->second;
      free_blocks_.erase(cached);
      stats_.cached_bytes -= size;
    } else {
      ptr = device_malloc(bytes, size);
    }
    stats_.in_use_bytes += size;
    if (stats_.in_use_bytes > stats_.peak_in_use_bytes) stats_.peak_in_use_bytes = stats_.in_use_bytes;
    return ptr;
  }

  void deallocate(void* ptr, std::size_t bytes) noexcept override {
    const std::size_t size = rounded_size(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    free_blocks_.emplace(size, ptr);
    stats_.in_use_bytes -= size;
    stats_.cached_bytes += size;
  }

  CudaMemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  void* device_malloc(std::size_t bytes, std::size_t size) {
    void* ptr = nullptr;
    cudaError_t status = cudaMalloc(&ptr, size);
    if (status == cudaErrorMemoryAllocation && !free_blocks_.empty()) {
      release_cached();  // give the cache back to the driver and try once more
      status = cudaMalloc(&ptr, size);
    }
    if (status != cudaSuccess) {
      cudaGetLastError();
      std::size_t free_bytes = 0, total_bytes = 0;
      cudaMemGetInfo(&free_bytes, &total_bytes);
      std::ostringstream message;
      message << "out of GPU memory: asked for " << bytes << " bytes, " << free_bytes << " of " << total_bytes
              << " bytes free (" << stats_.in_use_bytes << " in use by nst): " << cudaGetErrorString(status);
      throw Error(message.str(), __FILE__, __LINE__);
    }
    ++stats_.device_allocations;
    return ptr;
  }

  void release_cached() {
    cudaStreamSynchronize(cuda_stream());
    for (const auto& [size, ptr] : free_blocks_) cudaFree(ptr);
    free_blocks_.clear();
    stats_.cached_bytes = 0;
  }

  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_blocks_;
  CudaMemoryStats stats_;
};

CachingAllocator& caching_allocator() {
  // Never destroyed: buffers in static objects may be freed after main returns.
  static auto* allocator = new CachingAllocator();
  return *allocator;
}

}  // namespace

Allocator& cuda_allocator() { return caching_allocator(); }

CudaMemoryStats cuda_memory_stats() { return caching_allocator().stats(); }

}  // namespace nst

// A caching allocator for device memory. Freed blocks go to a free list keyed by their rounded
// size and are handed out again for the next request of that size; cudaMalloc runs only when no
// cached block fits. A style-transfer loop asks for the same sizes every iteration, so after the
// first iteration it never calls cudaMalloc. Out of memory is reported with the bytes asked for
// and the bytes free. All work is on one stream, so a freed block may be reused at once — except a
// block freed while a CUDA graph records, which the graph's replays still use: that one is held
// until the graph is destroyed (engine/cuda/block_cache.h, engine/cuda/caching_allocator.h).
#include "engine/cuda/caching_allocator.h"

#include <cstddef>
#include <mutex>
#include <sstream>

#include "engine/cuda/block_cache.h"
#include "engine/cuda/cuda_check.h"
#include "engine/gpu.h"
#ifdef NST_CUDA_EMULATOR
#include "emu/memory_checks.h"  // tests/emu: NaN-fill each handed-out block, fence off its rounded tail
#endif

namespace nst {

namespace {

// Round to 512 bytes below 1 MiB, to 2 MiB above: few distinct sizes, little waste. The rule lives
// in allocation_bytes (engine/allocator.cpp), where memory estimates read it too.
std::size_t rounded_size(std::size_t bytes) { return allocation_bytes(bytes, Device::cuda); }

class CachingAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes) override {
    // A recorded CUDA graph would keep using the block after its owner let it go (engine/cuda_graph.h).
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    NST_CUDA_CHECK(cudaStreamIsCapturing(cuda_stream(), &capture));
    NST_CHECK(
        capture == cudaStreamCaptureStatusNone,
        "allocation of " << bytes << " bytes while a CUDA graph is recorded: recorded work must reuse its buffers");
    const std::size_t size = rounded_size(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    void* ptr = cache_.take(size);
    if (ptr == nullptr) ptr = device_malloc(bytes, size);
#ifdef NST_CUDA_EMULATOR
    emu::device_block_handed_out(ptr, bytes, size);
#endif
    handed_out_bytes_ += size;
    const std::size_t in_use = handed_out_bytes_ + cache_.held_bytes();
    if (in_use > stats_.peak_in_use_bytes) stats_.peak_in_use_bytes = in_use;
    return ptr;
  }

  // Never throws: the block is cached, or held while a graph records (BlockCache::give_back).
  void deallocate(void* ptr, std::size_t bytes) noexcept override {
    const std::size_t size = rounded_size(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.give_back(ptr, size);
    handed_out_bytes_ -= size;
  }

  void begin_capture() {
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.begin_hold();
  }

  std::uint64_t end_capture() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cache_.end_hold();
  }

  void release_hold(std::uint64_t hold) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.release(hold);
  }

  // Held blocks count as in use: a graph still uses them.
  CudaMemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    CudaMemoryStats s = stats_;
    s.in_use_bytes = handed_out_bytes_ + cache_.held_bytes();
    s.cached_bytes = cache_.cached_bytes();
    return s;
  }

 private:
  void* device_malloc(std::size_t bytes, std::size_t size) {
    void* ptr = nullptr;
    cudaError_t status = cudaMalloc(&ptr, size);
    if (status == cudaErrorMemoryAllocation && cache_.has_cached()) {
      release_cached();  // give the cache back to the driver and try once more
      status = cudaMalloc(&ptr, size);
    }
    if (status != cudaSuccess) {
      cudaGetLastError();
      std::size_t free_bytes = 0, total_bytes = 0;
      cudaMemGetInfo(&free_bytes, &total_bytes);
      std::ostringstream message;
      message << "out of GPU memory: asked for " << bytes << " bytes, " << free_bytes << " of " << total_bytes
              << " bytes free (" << handed_out_bytes_ + cache_.held_bytes()
              << " in use by nst): " << cudaGetErrorString(status);
      throw Error(message.str(), __FILE__, __LINE__);
    }
    ++stats_.device_allocations;
    return ptr;
  }

  void release_cached() {
    cudaStreamSynchronize(cuda_stream());
    cache_.clear([](void* ptr) { cudaFree(ptr); });
  }

  std::mutex mutex_;
  BlockCache cache_;
  std::size_t handed_out_bytes_ = 0;  // in live buffers
  CudaMemoryStats stats_;             // the peak and the cudaMalloc count; the rest is computed
};

CachingAllocator& caching_allocator() {
  // Never destroyed: buffers in static objects may be freed after main returns.
  static auto* allocator = new CachingAllocator();
  return *allocator;
}

}  // namespace

Allocator& cuda_allocator() { return caching_allocator(); }

CudaMemoryStats cuda_memory_stats() { return caching_allocator().stats(); }

void cuda_allocator_begin_capture() { caching_allocator().begin_capture(); }
std::uint64_t cuda_allocator_end_capture() { return caching_allocator().end_capture(); }
void cuda_allocator_release_hold(std::uint64_t hold) noexcept { caching_allocator().release_hold(hold); }

}  // namespace nst

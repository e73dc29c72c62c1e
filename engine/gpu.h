#pragma once
// The CUDA side of the engine, as the rest of the program sees it. In a build without CUDA
// cuda_available() is false and everything else throws a clear nst::Error.
#include <cstddef>
#include <string>

#include "engine/allocator.h"
#include "kernels/stream.h"

namespace nst {

bool cuda_available();                  // built with CUDA and a GPU can be used
std::string cuda_unavailable_reason();  // why not, for skip messages and --device errors
std::string cuda_device_description();  // e.g. "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)"
Stream cuda_stream();                   // the one stream every kernel runs on
Allocator& cuda_allocator();            // the caching allocator

// The device scratch of the two-pass reductions (kReductionScratchFloats floats, kernels/reduce.h)
// that run on cuda_stream(). One suffices because that stream runs one kernel after another, so no
// two reductions hold it at once; a second stream would need a scratch of its own. It is allocated
// with the stream, when the CUDA context opens: before any CUDA graph can record (capture needs the
// stream) and before cuda_free_memory() is first read, so no run's memory estimate counts it.
float* cuda_reduction_scratch();

// After a kernel launch: turn a launch error into an nst::Error naming the op.
void cuda_check_launch(const char* op, const char* file, int line);

void cuda_copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes);

struct CudaMemoryStats {
  std::size_t in_use_bytes = 0;  // handed out to live buffers
  std::size_t peak_in_use_bytes = 0;
  std::size_t cached_bytes = 0;        // held by the caching allocator, free for reuse
  std::size_t device_allocations = 0;  // cudaMalloc calls so far
};
CudaMemoryStats cuda_memory_stats();

// The GPU's free memory now (cudaMemGetInfo), plus what the caching allocator holds cached: what
// a run could allocate.
std::size_t cuda_free_memory();

}  // namespace nst

// The CUDA entry points of a build configured without CUDA (-DNST_CUDA=OFF or no nvcc).
#include "engine/error.h"
#include "engine/gpu.h"

namespace nst {

namespace {
[[noreturn]] void no_cuda(const char* what) {
  NST_FAIL(what << ": this nst was built without CUDA (configure with -DNST_CUDA=ON on a machine "
                   "with the CUDA toolkit)");
}
}  // namespace

bool cuda_available() { return false; }
std::string cuda_unavailable_reason() { return "this nst was built without CUDA"; }
std::string cuda_device_description() { no_cuda("cuda_device_description"); }
Stream cuda_stream() { no_cuda("cuda_stream"); }
float* cuda_reduction_scratch() { no_cuda("cuda_reduction_scratch"); }
Allocator& cuda_allocator() { no_cuda("cuda_allocator"); }
void cuda_check_launch(const char* op, const char*, int) { no_cuda(op); }
void cuda_copy_bytes(void*, Device, const void*, Device, std::size_t) { no_cuda("copy to or from the GPU"); }
CudaMemoryStats cuda_memory_stats() { return {}; }
std::size_t cuda_free_memory() { no_cuda("cuda_free_memory"); }

}  // namespace nst

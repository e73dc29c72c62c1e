// The CUDA context of the process: device 0 (or $NST_CUDA_DEVICE), one non-blocking stream and its
// reduction scratch, launch checks and host<->device copies.
#include <cstdlib>
#include <sstream>
#include <string>

#include "engine/cuda/cuda_check.h"
#include "engine/gpu.h"
#include "kernels/reduce.h"

namespace nst {

namespace {

struct CudaContext {
  bool available = false;
  std::string reason;
  int device = 0;
  cudaStream_t stream = nullptr;
  float* reduction_scratch = nullptr;  // kReductionScratchFloats floats for the reductions on `stream`

  CudaContext() {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      reason = std::string("no usable CUDA device (") + cudaGetErrorString(status) + ")";
      cudaGetLastError();  // clear the sticky error state
      return;
    }
    if (count == 0) {
      reason = "no CUDA device is present";
      return;
    }
    if (const char* chosen = std::getenv("NST_CUDA_DEVICE")) device = std::atoi(chosen);
    if (device < 0 || device >= count) {
      reason = "NST_CUDA_DEVICE=" + std::to_string(device) + " but only " + std::to_string(count) +
               " CUDA device(s) are present";
      return;
    }
    if (cudaSetDevice(device) != cudaSuccess ||
        cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess) {
      reason = "could not open CUDA device " + std::to_string(device);
      cudaGetLastError();
      return;
    }
    void* scratch = nullptr;
    if (cudaMalloc(&scratch, kReductionScratchFloats * sizeof(float)) != cudaSuccess) {
      reason = "could not allocate the reduction scratch on CUDA device " + std::to_string(device);
      cudaGetLastError();
      return;
    }
    reduction_scratch = static_cast<float*>(scratch);
    available = true;
  }
  // The stream and its scratch live as long as the process; the driver reclaims them at exit.
};

CudaContext& context() {
  static CudaContext ctx;
  return ctx;
}

const CudaContext& usable_context() {
  const CudaContext& ctx = context();
  NST_CHECK(ctx.available, "CUDA requested but " << ctx.reason);
  return ctx;
}

}  // namespace

bool cuda_available() { return context().available; }

std::string cuda_unavailable_reason() { return context().available ? std::string() : context().reason; }

std::string cuda_device_description() {
  const CudaContext& ctx = usable_context();
  cudaDeviceProp prop{};
  NST_CUDA_CHECK(cudaGetDeviceProperties(&prop, ctx.device));
  std::ostringstream out;
  out.precision(1);
  out << prop.name << " (sm_" << prop.major << prop.minor << ", " << std::fixed
      << static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0) << " GiB)";
  return out.str();
}

Stream cuda_stream() { return usable_context().stream; }

float* cuda_reduction_scratch() { return usable_context().reduction_scratch; }

std::size_t cuda_free_memory() {
  usable_context();
  std::size_t free_bytes = 0, total_bytes = 0;
  NST_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  return free_bytes + cuda_memory_stats().cached_bytes;
}

void cuda_check_launch(const char* op, const char* file, int line) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess)
    throw Error(std::string("CUDA kernel launch for ") + op + " failed: " + cudaGetErrorName(status) + " (" +
                    cudaGetErrorString(status) + ")",
                file, line);
}

void cuda_copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes) {
  const cudaStream_t stream = usable_context().stream;
  cudaMemcpyKind kind = cudaMemcpyDeviceToDevice;
  if (dst_device == Device::cpu) kind = cudaMemcpyDeviceToHost;
  if (src_device == Device::cpu) kind = cudaMemcpyHostToDevice;
  NST_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, stream));
  // A copy that touches the host completes before we return: the host may read or free it next.
  if (kind != cudaMemcpyDeviceToDevice) NST_CUDA_CHECK(cudaStreamSynchronize(stream));
}

}  // namespace nst

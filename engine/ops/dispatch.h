#pragma once
// The one place an op chooses between its CPU and CUDA kernels, and the checks every op makes on
// its arguments before it calls either.
#include <initializer_list>
#include <utility>

#include "engine/error.h"
#include "engine/gpu.h"
#include "engine/tensor.h"

namespace nst::ops {

// Run `cpu()` or `cuda(stream)` for tensors on `device`; after a CUDA launch, check it.
// In a build without CUDA the CUDA lambda is never instantiated into a call, so its kernel
// symbols need not exist.
template <class CpuCall, class CudaCall>
void dispatch(const char* op, Device device, CpuCall&& cpu, CudaCall&& cuda) {
  if (device == Device::cpu) {
    std::forward<CpuCall>(cpu)();
    return;
  }
#ifdef NST_HAVE_CUDA
  std::forward<CudaCall>(cuda)(cuda_stream());
  cuda_check_launch(op, __FILE__, __LINE__);
#else
  (void)cuda;
  NST_FAIL(op << " on cuda: " << cuda_unavailable_reason());
#endif
}

// All tensors on one device; returns it.
inline Device common_device(const char* op, std::initializer_list<const Tensor*> tensors) {
  const Device device = (*tensors.begin())->device();
  for (const Tensor* t : tensors)
    NST_CHECK(t->device() == device, op << ": tensors on different devices (" << to_string(device) << " and "
                                        << to_string(t->device()) << ")");
  return device;
}

inline void check_shape(const char* op, const char* name, const Tensor& t, const Shape& expected) {
  NST_CHECK(t.shape() == expected,
            op << ": " << name << " has shape " << to_string(t.shape()) << ", expected " << to_string(expected));
}

inline void check_rank(const char* op, const char* name, const Tensor& t, int rank) {
  NST_CHECK(t.rank() == rank,
            op << ": " << name << " has shape " << to_string(t.shape()) << ", expected rank " << rank);
}

inline void check_same_numel(const char* op, const Tensor& a, const Tensor& b) {
  NST_CHECK(a.numel() == b.numel(),
            op << ": element counts differ, " << to_string(a.shape()) << " vs " << to_string(b.shape()));
}

inline void check_scalar(const char* op, const char* name, const Tensor& t) {
  NST_CHECK(t.numel() == 1, op << ": " << name << " must hold one element, has shape " << to_string(t.shape()));
}

}  // namespace nst::ops

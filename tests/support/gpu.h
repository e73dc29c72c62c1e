#pragma once
// Tests that need a GPU skip, saying why, on machines without one; on the GPU machine
// (NST_REQUIRE_GPU=1, which tests/gpu/run_on_device.sh sets) they fail instead, with the same
// reason, so that a GPU the tests cannot use is never reported as a clean run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/gpu.h"
#include "engine/tensor.h"

namespace nst::testing {
// t copied to the GPU over a NaN poison: a value a kernel should write but skips stays NaN.
inline Tensor cuda_copy_over_poison(const Tensor& t) {
  Tensor copy = Tensor::filled(t.shape(), NAN, Device::cuda);
  copy.copy_from(t);
  return copy;
}

inline bool gpu_required() {
  const char* value = std::getenv("NST_REQUIRE_GPU");
  return value != nullptr && std::strcmp(value, "1") == 0;
}
}  // namespace nst::testing

#define NST_REQUIRE_CUDA()                                                                         \
  do {                                                                                             \
    if (!::nst::cuda_available()) {                                                                \
      if (::nst::testing::gpu_required())                                                          \
        GTEST_FAIL() << "NST_REQUIRE_GPU=1 but no CUDA GPU: " << ::nst::cuda_unavailable_reason(); \
      GTEST_SKIP() << "needs a CUDA GPU: " << ::nst::cuda_unavailable_reason();                    \
    }                                                                                              \
  } while (0)

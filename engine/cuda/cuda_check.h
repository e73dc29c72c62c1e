#pragma once
// NST_CUDA_CHECK(expr): turn a failed CUDA runtime call into an nst::Error with the call's text,
// the CUDA error name and message, and file:line. Only engine/cuda/*.cpp include this header.
#include <cuda_runtime.h>

#include "engine/error.h"

#define NST_CUDA_CHECK(expr)                                                                            \
  do {                                                                                                  \
    const cudaError_t nst_cuda_status_ = (expr);                                                        \
    if (nst_cuda_status_ != cudaSuccess)                                                                \
      throw ::nst::Error(std::string(#expr) + " failed: " + cudaGetErrorName(nst_cuda_status_) + " (" + \
                             cudaGetErrorString(nst_cuda_status_) + ")",                                \
                         __FILE__, __LINE__);                                                           \
  } while (0)

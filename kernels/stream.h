#pragma once
// The opaque CUDA stream handle that CUDA launchers take. Declared the way cuda_runtime.h declares
// cudaStream_t, so headers seen by .cpp files never need the CUDA headers.
struct CUstream_st;

namespace nst {
using Stream = CUstream_st*;
}  // namespace nst

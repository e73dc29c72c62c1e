#pragma once
// NST_HOST_DEVICE marks a function that runs on the GPU and on the host: `__host__ __device__`
// where nvcc compiles, nothing where a plain C++ compiler does (the CPU tests, which check the
// CUDA kernels' index arithmetic without a GPU, and the emulator of tests/emu). A macro of our own
// rather than defining __host__ and __device__ away, so that it never clashes with the CUDA
// headers' or the emulator's definitions of those in the same translation unit.
#ifdef __CUDACC__
#define NST_HOST_DEVICE __host__ __device__
#else
#define NST_HOST_DEVICE
#endif

#pragma once
// Included first into every CUDA source that translate_cuda.py rewrites for the emulator: what
// nvcc makes visible to a .cu file without an include (the runtime API, the built-in variables,
// the device functions), plus the launch and __shared__ replacements and the emulated
// bodies of the inline PTX that kernels/cuda/ptx_wrappers.cuh wraps (emu/ptx.h).
#include "cuda_runtime.h"
#include "emu/device.h"
#include "emu/launch.h"
#include "emu/ptx.h"

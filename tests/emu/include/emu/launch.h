#pragma once
// A kernel launch, as translate_cuda.py rewrites `kernel<<<grid, block, shared, stream>>>(args)`:
//   ::emu::launch(::emu::LaunchConfig("kernel", __FILE__, __LINE__, grid, block, shared, stream),
//                 [](auto... a) { kernel(a...); }, args...);
// The arguments are copied once, as the runtime copies them to the GPU, and every thread of the
// grid calls the kernel with its own copy of them.
#include <cstddef>
#include <functional>
#include <tuple>

#include "cuda_runtime.h"

namespace emu {

struct LaunchConfig {
  const char* kernel;
  const char* file;
  int line;
  dim3 grid;
  dim3 block;
  std::size_t shared_bytes;
  cudaStream_t stream;

  LaunchConfig(const char* kernel_name, const char* source_file, int source_line, dim3 grid_dim, dim3 block_dim,
               std::size_t dynamic_shared_bytes = 0, cudaStream_t launch_stream = nullptr)
      : kernel(kernel_name),
        file(source_file),
        line(source_line),
        grid(grid_dim),
        block(block_dim),
        shared_bytes(dynamic_shared_bytes),
        stream(launch_stream) {}
};

// Runs the launch now or, while its stream is captured, records it. `thread` runs one thread's
// share of the kernel; `arguments`/`argument_bytes` are the launch's copied arguments, which the
// race check scans for device pointers (src/grid.cpp).
void submit(const LaunchConfig& config, std::function<void()> thread, const void* arguments,
            std::size_t argument_bytes);

template <class Kernel, class... Args>
void launch(const LaunchConfig& config, Kernel kernel, const Args&... args) {
  const auto arguments = std::make_tuple(args...);
  submit(
      config, [kernel, arguments] { std::apply(kernel, arguments); }, &arguments, sizeof arguments);
}

// A `__shared__` declaration, as translate_cuda.py rewrites it: the variable is static (the blocks
// of a grid run one after another, so one copy serves each block in turn) and the first thread of
// each block that reaches the declaration fills it with NaN, as uninitialised as on a GPU.
void shared_declared(void* variable, std::size_t bytes);

// A namespace-scope `__device__` variable: registered so that the race check compares it too.
bool device_variable_declared(void* variable, std::size_t bytes, const char* name);

}  // namespace emu

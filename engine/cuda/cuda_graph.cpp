#include "engine/cuda_graph.h"

#include <exception>
#include <utility>

#include "engine/cuda/caching_allocator.h"
#include "engine/cuda/cuda_check.h"
#include "engine/error.h"
#include "engine/gpu.h"

namespace nst {

namespace {

// Ends a capture that went wrong and throws why, leaving the stream out of capture mode. Nothing
// recorded will run, so the blocks freed while recording return to reuse at once.
[[noreturn]] void abandon_capture(cudaStream_t stream, const std::string& why) {
  cudaGraph_t partial = nullptr;
  cudaStreamEndCapture(stream, &partial);
  if (partial) cudaGraphDestroy(partial);
  cudaGetLastError();  // the capture's errors are reported here, not left for the next launch
  cuda_allocator_release_hold(cuda_allocator_end_capture());
  NST_FAIL("could not record a CUDA graph: " << why);
}

}  // namespace

CudaGraph CudaGraph::capture(const std::function<void()>& enqueue) {
  const cudaStream_t stream = cuda_stream();
  // Thread-local mode: an unsafe call from this thread (cudaMalloc, a synchronisation) fails the
  // capture instead of silently escaping it.
  NST_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  cuda_allocator_begin_capture();  // a buffer freed inside enqueue() stays the graph's
  try {
    enqueue();
  } catch (const std::exception& e) {
    abandon_capture(stream, e.what());
  }
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  if (ended != cudaSuccess) abandon_capture(stream, cudaGetErrorString(ended));

  CudaGraph recorded;
  recorded.hold_ = cuda_allocator_end_capture();  // released by ~CudaGraph, also if what follows throws
  cudaGraphGetNodes(graph, nullptr, &recorded.nodes_);
  cudaGraphExec_t executable = nullptr;
  const cudaError_t instantiated = cudaGraphInstantiate(&executable, graph, 0);
  cudaGraphDestroy(graph);
  NST_CUDA_CHECK(instantiated);
  recorded.executable_ = executable;
  return recorded;
}

// The held blocks return to reuse only after the executable is gone. A replay still in flight is
// no hazard: whatever reuses them is enqueued on the same stream, after it.
CudaGraph::~CudaGraph() {
  if (executable_) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(executable_));
  if (hold_) cuda_allocator_release_hold(hold_);
}

CudaGraph::CudaGraph(CudaGraph&& other) noexcept
    : executable_(std::exchange(other.executable_, nullptr)),
      nodes_(std::exchange(other.nodes_, 0)),
      hold_(std::exchange(other.hold_, 0)) {}

CudaGraph& CudaGraph::operator=(CudaGraph&& other) noexcept {
  if (this != &other) {
    if (executable_) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(executable_));
    if (hold_) cuda_allocator_release_hold(hold_);
    executable_ = std::exchange(other.executable_, nullptr);
    nodes_ = std::exchange(other.nodes_, 0);
    hold_ = std::exchange(other.hold_, 0);
  }
  return *this;
}

void CudaGraph::replay() {
  NST_CHECK(executable_, "replay of an empty CUDA graph");
  NST_CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(executable_), cuda_stream()));
}

}  // namespace nst

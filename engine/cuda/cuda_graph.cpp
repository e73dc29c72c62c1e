#include "engine/cuda_graph.h"

#include <exception>
#include <utility>

#include "engine/cuda/cuda_check.h"
#include "engine/error.h"
#include "engine/gpu.h"

namespace nst {

namespace {

// Ends a capture that went wrong and throws why, leaving the stream out of capture mode.
[[noreturn]] void abandon_capture(cudaStream_t stream, const std::string& why) {
  cudaGraph_t partial = nullptr;
  cudaStreamEndCapture(stream, &partial);
  if (partial) cudaGraphDestroy(partial);
  cudaGetLastError();  // the capture's errors are reported here, not left for the next launch
  NST_FAIL("could not record a CUDA graph: " << why);
}

}  // namespace

CudaGraph CudaGraph::capture(const std::function<void()>& enqueue) {
  const cudaStream_t stream = cuda_stream();
  // Thread-local mode: an unsafe call from this thread (cudaMalloc, a synchronisation) fails the
  // capture instead of silently escaping it.
  NST_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  try {
    enqueue();
  } catch (const std::exception& e) {
    abandon_capture(stream, e.what());
  }
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  if (ended != cudaSuccess) abandon_capture(stream, cudaGetErrorString(ended));

  CudaGraph recorded;
  cudaGraphGetNodes(graph, nullptr, &recorded.nodes_);
  cudaGraphExec_t executable = nullptr;
  const cudaError_t instantiated = cudaGraphInstantiate(&executable, graph, 0);
  cudaGraphDestroy(graph);
  NST_CUDA_CHECK(instantiated);
  recorded.executable_ = executable;
  return recorded;
}

CudaGraph::~CudaGraph() {
  if (executable_) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(executable_));
}

CudaGraph::CudaGraph(CudaGraph&& other) noexcept
    : executable_(std::exchange(other.executable_, nullptr)), nodes_(std::exchange(other.nodes_, 0)) {}

CudaGraph& CudaGraph::operator=(CudaGraph&& other) noexcept {
  if (this != &other) {
    if (executable_) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(executable_));
    executable_ = std::exchange(other.executable_, nullptr);
    nodes_ = std::exchange(other.nodes_, 0);
  }
  return *this;
}

void CudaGraph::replay() {
  NST_CHECK(executable_, "replay of an empty CUDA graph");
  NST_CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(executable_), cuda_stream()));
}

}  // namespace nst

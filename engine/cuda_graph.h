#pragma once
// A CUDA graph: the kernels and copies that some code enqueues on the stream, recorded once and
// then replayed with one launch, so the per-kernel launch cost is paid once per replay instead of
// once per kernel. Only stationary work may be recorded: the same kernels with the same arguments
// every time, no allocation, nothing read back to the host (each of those makes capture fail).
// The buffers that the recorded work uses must outlive the graph, except those freed while it
// recorded: the caching allocator keeps those out of reuse until the graph is destroyed.
#include <cstddef>
#include <cstdint>
#include <functional>

namespace nst {

class CudaGraph {
 public:
  // Records what `enqueue` enqueues on cuda_stream(); nothing runs until replay(). Throws
  // nst::Error, leaving the stream usable and nothing enqueued, if the work cannot be recorded.
  static CudaGraph capture(const std::function<void()>& enqueue);

  CudaGraph() = default;
  ~CudaGraph();
  CudaGraph(CudaGraph&& other) noexcept;
  CudaGraph& operator=(CudaGraph&& other) noexcept;
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  void replay();                                // enqueue the recorded work once more
  std::size_t nodes() const { return nodes_; }  // kernels and copies recorded

 private:
  void* executable_ = nullptr;  // cudaGraphExec_t
  std::size_t nodes_ = 0;
  std::uint64_t hold_ = 0;  // the blocks freed while recording, held for this graph (0: none)
};

}  // namespace nst

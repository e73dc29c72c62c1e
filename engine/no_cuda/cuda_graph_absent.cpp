// CudaGraph in a build without CUDA: nothing can be recorded.
#include "engine/cuda_graph.h"

#include "engine/error.h"

namespace nst {

CudaGraph CudaGraph::capture(const std::function<void()>&) { NST_FAIL("CUDA graphs: this nst was built without CUDA"); }
CudaGraph::~CudaGraph() = default;
CudaGraph::CudaGraph(CudaGraph&&) noexcept = default;
CudaGraph& CudaGraph::operator=(CudaGraph&&) noexcept = default;
void CudaGraph::replay() { NST_FAIL("CUDA graphs: this nst was built without CUDA"); }

}  // namespace nst

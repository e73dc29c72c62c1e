// CudaGraph (engine/cuda_graph.h): recording runs nothing, each replay runs the recorded work once,
// and work that cannot be recorded (an allocation, a read back to the host) fails with a message
// that says so, leaving the stream usable. A buffer freed while recording stays out of reuse for
// the graph's life.
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "engine/cuda_graph.h"
#include "engine/error.h"
#include "engine/ops/vector_ops.h"
#include "tests/support/error_of.h"
#include "tests/support/gpu.h"

namespace nst::testing {
namespace {

// After a failed capture the stream must still run work.
void expect_stream_usable() {
  Tensor t = Tensor::zeros({3}, Device::cuda);
  ops::fill(t, 2.0f);
  EXPECT_EQ(ops::asum(t).item(), 6.0f);
}

TEST(CudaGraph, RecordsWithoutRunningAndReplaysOnceEachTime) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = 1001;
  Tensor x = Tensor::zeros({n}, Device::cuda);
  const Tensor ones = Tensor::filled({n}, 1.0f, Device::cuda);
  Tensor total = Tensor::zeros({1}, Device::cuda);
  CudaGraph graph = CudaGraph::capture([&] {
    ops::axpy(1.0f, ones, x);  // x += 1
    ops::asum(x, total);       // x ≥ 0: its sum
  });
  EXPECT_EQ(graph.nodes(), 3u);  // axpy, and the reduction's two passes
  EXPECT_EQ(ops::asum(x).item(), 0.0f) << "recording ran the work";
  for (int replay = 1; replay <= 3; ++replay) {
    graph.replay();
    EXPECT_EQ(total.item(), float(replay * n)) << "replay " << replay;
  }
}

TEST(CudaGraph, RefusesAnAllocation) {
  NST_REQUIRE_CUDA();
  const std::string message = error_of([] { CudaGraph::capture([] { Tensor t({256}, Device::cuda); }); });
  EXPECT_NE(message.find("allocation of 1024 bytes while a CUDA graph is recorded"), std::string::npos) << message;
  expect_stream_usable();
}

TEST(CudaGraph, RefusesAReadBackToTheHost) {
  NST_REQUIRE_CUDA();
  const Tensor x = Tensor::filled({1}, 1.0f, Device::cuda);
  const std::string message = error_of([&] { CudaGraph::capture([&] { (void)x.item(); }); });
  EXPECT_NE(message.find("could not record a CUDA graph"), std::string::npos) << message;
  expect_stream_usable();
}

// The recorded work writes a scratch buffer that is freed while recording. Each replay still
// writes it, so until the graph is destroyed the caching allocator must not hand that block to a
// later buffer, whose contents the replay would overwrite.
TEST(CudaGraph, KeepsABufferFreedWhileRecordingOutOfReuseWhileTheGraphLives) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = 123457;  // a size no other test asks for: the cache holds no other such block
  Tensor x = Tensor::zeros({n}, Device::cuda);
  auto scratch = std::make_unique<Tensor>(Tensor::zeros({n}, Device::cuda));
  const void* const scratch_block = scratch->data();
  std::optional<CudaGraph> graph = CudaGraph::capture([&] {
    ops::fill(*scratch, 1.0f);
    ops::axpy(1.0f, *scratch, x);  // x += scratch
    scratch.reset();               // freed while recording
  });
  const Tensor later = Tensor::filled({n}, 5.0f, Device::cuda);
  EXPECT_NE(later.data(), scratch_block) << "a block the graph still writes was handed out again";
  graph->replay();
  EXPECT_EQ(ops::asum(x).item(), float(n));
  EXPECT_EQ(ops::asum(later).item(), 5.0f * float(n)) << "the replay wrote into a later buffer";
  graph.reset();  // now the block may be reused
  const Tensor after({n}, Device::cuda);
  EXPECT_EQ(after.data(), scratch_block) << "the block stayed held after its graph was destroyed";
}

}  // namespace
}  // namespace nst::testing

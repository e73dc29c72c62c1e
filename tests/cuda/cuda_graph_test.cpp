// CudaGraph (engine/cuda_graph.h): recording runs nothing, each replay runs the recorded work once,
// and work that cannot be recorded (an allocation, a read back to the host) fails with a message
// that says so, leaving the stream usable.
#include <string>

#include <gtest/gtest.h>

#include "engine/cuda_graph.h"
#include "engine/error.h"
#include "engine/ops/vector_ops.h"
#include "tests/support/gpu.h"

namespace nst::testing {
namespace {

// The message of the nst::Error that `call` throws, or "" if it throws none.
template <class Call>
std::string error_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

// After a failed capture the stream must still run work.
void expect_stream_usable() {
  Tensor t = Tensor::zeros({3}, Device::cuda);
  ops::fill(t, 2.0f);
  EXPECT_EQ(ops::sum(t).item(), 6.0f);
}

TEST(CudaGraph, RecordsWithoutRunningAndReplaysOnceEachTime) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = 1001;
  Tensor x = Tensor::zeros({n}, Device::cuda);
  const Tensor ones = Tensor::filled({n}, 1.0f, Device::cuda);
  Tensor total = Tensor::zeros({1}, Device::cuda);
  CudaGraph graph = CudaGraph::capture([&] {
    ops::axpy(1.0f, ones, x);  // x += 1
    ops::sum(x, total);
  });
  EXPECT_EQ(graph.nodes(), 3u);  // axpy, and the sum's two passes
  EXPECT_EQ(ops::sum(x).item(), 0.0f) << "recording ran the work";
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

}  // namespace
}  // namespace nst::testing

// The 64-px, 30-iteration demo run on the GPU follows the CPU run's loss curve. The two devices
// sum in different orders (float rounding ~1e-6 relative per op), and L-BFGS feeds each
// difference into the next step, so the curves drift apart slowly: each iteration's total loss
// must stay within 1% of the CPU's for the first 10 iterations and within 5% after that, and both
// must fall tenfold. The GPU run must also be bitwise repeatable.
#include <cmath>

#include <gtest/gtest.h>

#include "tests/support/compare.h"
#include "tests/support/demo_run.h"
#include "tests/support/gpu.h"
#include "tests/support/shared_files.h"

namespace nst::testing {
namespace {

TEST(CudaEndToEnd, FollowsTheCpuLossCurve) {
  NST_REQUIRE_CUDA();
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const DemoRun cpu = run_demo_pair(weights, content, style, Device::cpu, 64, 30);
  const DemoRun gpu = run_demo_pair(weights, content, style, Device::cuda, 64, 30);
  ASSERT_EQ(gpu.losses.size(), cpu.losses.size());
  for (std::size_t i = 0; i < cpu.losses.size(); ++i) {
    const double bound = (i < 10 ? 0.01 : 0.05) * cpu.losses[i];
    EXPECT_NEAR(gpu.losses[i], cpu.losses[i], bound) << "iteration " << i + 1;
  }
  EXPECT_LE(gpu.losses.back() * 10.0f, gpu.losses.front());
  const DemoRun again = run_demo_pair(weights, content, style, Device::cuda, 64, 30);
  EXPECT_EQ(again.losses, gpu.losses);
}

TEST(CudaEndToEnd, ReplayingTheRecordedIterationGivesTheSameBits) {
  // From the third iteration on, the graph replays exactly the kernels the loop would launch.
  NST_REQUIRE_CUDA();
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const DemoRun eager = run_demo_pair(weights, content, style, Device::cuda, 64, 30);
  const DemoRun replayed = run_demo_pair(weights, content, style, Device::cuda, 64, 30, LoopOptions{true});
  EXPECT_EQ(replayed.loop.replayed_iterations, 28) << replayed.loop.graph_not_used;
  EXPECT_GT(replayed.loop.graph_nodes, 100u);
  EXPECT_EQ(replayed.losses, eager.losses);
  EXPECT_TRUE(all_equal(replayed.image.to_host(), eager.image.to_host()));
}

}  // namespace
}  // namespace nst::testing

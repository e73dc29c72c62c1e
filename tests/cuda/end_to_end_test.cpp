// The 64-px, 30-iteration demo run on the GPU follows the CPU run's loss curve. Under the emulator
// (tests/support/emulated_gpu.h) the run is 5 iterations keeping 4 L-BFGS pairs, where the CPU's
// loss falls 2.3-fold (the run is bounded, as nst's default, and its third step overshoots: 4
// iterations end only 1.3-fold down); smaller images are no cheaper choice: below 64 px L-BFGS's
// first steps overshoot wildly (to 7e20 at 32 px), and such a curve amplifies every rounding difference.
// The two devices sum in different orders (float rounding ~1e-6 relative per op), and L-BFGS feeds
// each difference into the next step, so the curves drift apart slowly: each iteration's total
// loss must stay within 1% of the CPU's for the first 10 iterations and within 5% after that, and
// the loss must fall tenfold (twofold in the emulator's 5 iterations). The GPU run must also be
// bitwise repeatable, and a run that records its iteration as a CUDA graph and replays it must give
// the eager run's bits.
#include <cmath>

#include <gtest/gtest.h>

#include "tests/support/compare.h"
#include "tests/support/demo_run.h"
#include "tests/support/emulated_gpu.h"
#include "tests/support/gpu.h"
#include "tests/support/shared_files.h"

namespace nst::testing {
namespace {

const int kSize = 64;
const int kIterations = gpu_or_emulated(30, 5);
const int kHistory = gpu_or_emulated(LbfgsOptions{}.history_size, 4);
const float kFall = gpu_or_emulated(10.0f, 2.0f);  // the loss falls at least this much

// Each iteration's total loss within 1% of the CPU's for the first 10 iterations, 5% after that, and
// the loss falling kFall-fold.
void expect_follows_cpu_loss_curve(const DemoRun& gpu, const DemoRun& cpu) {
  ASSERT_EQ(gpu.losses.size(), cpu.losses.size());
  for (std::size_t i = 0; i < cpu.losses.size(); ++i) {
    const double bound = (i < 10 ? 0.01 : 0.05) * cpu.losses[i];
    EXPECT_NEAR(gpu.losses[i], cpu.losses[i], bound) << "iteration " << i + 1;
  }
  EXPECT_LE(gpu.losses.back() * kFall, gpu.losses.front());
}

// From the third iteration on, the graph replays exactly the kernels the loop would launch: the
// replayed run has the eager run's losses and image, bit for bit.
void expect_replay_gives_the_same_bits(const DemoRun& replayed, const DemoRun& eager) {
  EXPECT_EQ(replayed.loop.replayed_iterations, kIterations - 2) << replayed.loop.graph_not_used;
  EXPECT_GT(replayed.loop.graph_nodes, 50u);  // the network's forward and backward alone launch more
  EXPECT_EQ(replayed.losses, eager.losses);
  EXPECT_TRUE(all_equal(replayed.image.to_host(), eager.image.to_host()));
}

#ifndef NST_CUDA_EMULATOR
TEST(CudaEndToEnd, FollowsTheCpuLossCurve) {
  NST_REQUIRE_CUDA();
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const DemoRun cpu = run_demo_pair(weights, content, style, Device::cpu, kSize, kIterations, {}, kHistory);
  const DemoRun gpu = run_demo_pair(weights, content, style, Device::cuda, kSize, kIterations, {}, kHistory);
  expect_follows_cpu_loss_curve(gpu, cpu);
  const DemoRun again = run_demo_pair(weights, content, style, Device::cuda, kSize, kIterations, {}, kHistory);
  EXPECT_EQ(again.losses, gpu.losses);
}

TEST(CudaEndToEnd, ReplayingTheRecordedIterationGivesTheSameBits) {
  NST_REQUIRE_CUDA();
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const DemoRun eager = run_demo_pair(weights, content, style, Device::cuda, kSize, kIterations, {}, kHistory);
  const DemoRun replayed =
      run_demo_pair(weights, content, style, Device::cuda, kSize, kIterations, LoopOptions{true}, kHistory);
  expect_replay_gives_the_same_bits(replayed, eager);
}
#else
// Under the emulator a GPU run costs a minute or more, so one eager run serves both checks above,
// and the replayed run is also the repeat: its first two iterations launch what the eager run
// launched, under different thread and block orders (each launch shuffles with a seed of its own,
// tests/emu/README.md), so a result that is not bitwise repeatable differs there too. The two runs
// share one problem (the network and its content and style targets: two of a run's seven forward
// passes); each starts afresh from the content image with a fresh L-BFGS.
TEST(CudaEndToEnd, FollowsTheCpuLossCurveAndReplaysTheRecordedIterationBitwise) {
  NST_REQUIRE_CUDA();
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const DemoRun cpu = run_demo_pair(weights, content, style, Device::cpu, kSize, kIterations, {}, kHistory);
  DemoProblem gpu(weights, content, style, Device::cuda, kSize);
  const DemoRun eager = run_demo(gpu, kIterations, {}, kHistory);
  expect_follows_cpu_loss_curve(eager, cpu);
  const DemoRun replayed = run_demo(gpu, kIterations, LoopOptions{true}, kHistory);
  expect_replay_gives_the_same_bits(replayed, eager);
}
#endif

}  // namespace
}  // namespace nst::testing

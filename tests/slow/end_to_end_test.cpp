// The whole program on the shared demo pair with the real (partial) VGG19 weights, on the CPU:
// a 64-px run of 30 L-BFGS iterations must lower the total loss at least tenfold, keep every value
// within what a picture holds (the run is bounded, as nst's default) and write a valid PNG. (That
// runs give the same bits is tested on 1, 2 and 3 threads by tests/cpu/thread_count_test and
// through the command line by CommandLine.SameSeedGivesTheSameImageOnAnyThreadCount; what
// --cuda-graph says on the CPU by CommandLine.CudaGraphSaysWhatItDidOrWhyNot.)
#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "apps/vgg_image.h"
#include "tests/support/demo_run.h"
#include "tests/support/shared_files.h"

namespace nst::testing {
namespace {

TEST(EndToEnd, SixtyFourPixelRunLowersTheLossTenfoldAndWritesAPng) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const DemoRun run = run_demo_pair(weights, content, style, Device::cpu, 64, 30);
  ASSERT_EQ(run.losses.size(), 30u);
  EXPECT_GT(run.losses.front(), 0.0f);
  EXPECT_LE(run.losses.back() * 10.0f, run.losses.front())
      << "loss went from " << run.losses.front() << " to " << run.losses.back();
  const ChannelBounds bounds = vgg_input_bounds();
  const std::vector<float> x = run.image.to_host();
  const std::int64_t plane = run.image.dim(2) * run.image.dim(3);
  int outside = 0, on_a_bound = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = i / plane;
    outside += x[i] < bounds.lower[c] || x[i] > bounds.upper[c];
    on_a_bound += x[i] == bounds.lower[c] || x[i] == bounds.upper[c];
  }
  EXPECT_EQ(outside, 0);
  EXPECT_GT(on_a_bound, 0) << "no value reached 0 or 255: the bounds were not exercised";

  const std::string out = (std::filesystem::temp_directory_path() / "nst_end_to_end.png").string();
  write_image(from_vgg_input(run.image), out);
  const Image written = read_image(out);
  EXPECT_EQ(written.width, 64);
  EXPECT_EQ(written.height, 48);
  std::filesystem::remove(out);
}

}  // namespace
}  // namespace nst::testing

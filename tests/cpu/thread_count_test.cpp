// "Same seed and device, same image" (--help) must hold for any OMP_NUM_THREADS: a short
// stylisation through VGG19's first five convolutions (random weights in their real shapes), with
// L-BFGS and with Adam, on 1, 2 and 3 OpenMP threads (the kernels' loops and OpenBLAS's), must give
// the same losses and the same image bit for bit. A reduction whose order follows the thread count
// (an OpenMP reduction clause, per-thread partial sums, OpenBLAS's own threading) breaks it within
// an iteration or two, and L-BFGS amplifies the last-bit difference into another picture.
// The shapes reach every path that sums: conv1_1 by im2col (10 column tiles), Winograd from conv1_2
// on, Grams of 64 channels over 2 chunks of columns and of 256 channels (conv3_1) in 2 × 2 tiles,
// multi-block ordered sums (content at relu2_2: 152064 elements), L-BFGS's dot products and Adam.
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "layers/adam.h"
#include "layers/lbfgs.h"
#include "layers/style_objective.h"
#include "layers/stylizer.h"
#include "layers/vgg19.h"
#include "tests/support/random.h"
#include "tests/support/random_vgg.h"
#include "tests/support/threads.h"

namespace nst::testing {
namespace {

struct Outcome {
  std::vector<float> losses;  // the total at the start of each iteration
  std::vector<float> image;
};

Outcome stylise(Optimizer& optimizer, int iterations) {
  const std::vector<Tap> content_taps = parse_taps("relu2_2");
  const std::vector<Tap> style_taps = parse_taps("relu1_1,relu2_1,relu3_1");
  std::vector<Tap> taps = content_taps;
  taps.insert(taps.end(), style_taps.begin(), style_taps.end());
  Vgg19 net(random_vgg_weights(5, 300), ops::PoolKind::max, Device::cpu, taps);
  const Tensor content = random_tensor({1, 3, 73, 66}, 31, Device::cpu, -60.0f, 60.0f);
  std::vector<Tensor> styles;
  styles.push_back(random_tensor({1, 3, 61, 70}, 32, Device::cpu, -60.0f, 60.0f));
  const ObjectiveWeights weights{{1e-3f}, {1e3f, 1e2f, 1e1f}, 1e-2f};
  StyleObjective objective(net, content_taps, style_taps, content, styles, {1.0f}, weights);
  Tensor x = random_tensor(content.shape(), 33, Device::cpu, -60.0f, 60.0f);
  Outcome outcome;
  stylize(objective, optimizer, x, iterations,
          [&](int, const Tensor&) { outcome.losses.push_back(objective.read_losses().total); });
  outcome.image = x.to_host();
  return outcome;
}

template <class MakeOptimizer>
void expect_same_bits_on_one_two_and_three_threads(MakeOptimizer make_optimizer, int iterations) {
  Outcome outcomes[3];
  for (int threads = 1; threads <= 3; ++threads)
    with_threads(threads, [&] {
      auto optimizer = make_optimizer();
      outcomes[threads - 1] = stylise(*optimizer, iterations);
    });
  ASSERT_EQ(outcomes[0].losses.size(), std::size_t(iterations));
  EXPECT_LT(outcomes[0].losses.back(), outcomes[0].losses.front()) << "the run must move the image";
  for (int t = 1; t < 3; ++t) {
    EXPECT_EQ(outcomes[t].losses, outcomes[0].losses) << t + 1 << " threads against 1: the losses";
    std::size_t differ = 0;
    for (std::size_t i = 0; i < outcomes[0].image.size(); ++i) differ += outcomes[t].image[i] != outcomes[0].image[i];
    EXPECT_EQ(differ, 0u) << t + 1 << " threads against 1: pixels that differ, of " << outcomes[0].image.size();
  }
}

TEST(ThreadCount, LbfgsRunGivesTheSameBitsOnOneTwoAndThreeThreads) {
  expect_same_bits_on_one_two_and_three_threads([] { return std::make_unique<Lbfgs>(); }, 4);
}

TEST(ThreadCount, AdamRunGivesTheSameBitsOnOneTwoAndThreeThreads) {
  AdamOptions options;
  options.learning_rate = 1.0f;  // the default 10 overshoots on this problem's first steps
  expect_same_bits_on_one_two_and_three_threads([&] { return std::make_unique<Adam>(options); }, 3);
}

}  // namespace
}  // namespace nst::testing

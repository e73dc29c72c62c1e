// The memory estimate (layers/memory_estimate.h) against what the CPU allocator counts: each
// configuration is set up as the nst command sets it up (weights as read, the network, the VGG
// inputs, the objective, x, LastFiniteImage, 3 iterations with a checkpoint copied out at the
// second, the output copied out), and the allocator's peak must lie in [estimate / 1.1, estimate].
// Not over the estimate: the command refuses runs by it, so one it lets through must not run out.
// Within 10%: the estimate models every allocation, and its only slack is what it counts before it
// exists (the resident images and targets while the weights load, the gradient during the style
// passes) — measured ≤ 2% here — so dropping any term the size of an image or of a layer's
// activation fails a case (the optimizer's state, the gradient, the Winograd filters, a "conv…"
// tap's z, the order in which buffers are resized). Also: the allocator's accounting itself, and
// the rounding rules the estimate shares with it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "engine/allocator.h"
#include "layers/memory_estimate.h"
#include "layers/style_objective.h"
#include "layers/stylizer.h"
#include "layers/vgg19.h"
#include "tests/support/random.h"
#include "weights/vgg19_spec.h"

namespace nst::testing {
namespace {

TEST(HostAllocatorAccounting, CountsRoundedBytesInUseAndThePeak) {
  reset_host_memory_peak();
  const HostMemoryStats before = host_memory_stats();
  EXPECT_EQ(before.peak_in_use_bytes, before.in_use_bytes);
  {
    const Tensor a({1000}, Device::cpu);  // 4000 bytes → 4032
    EXPECT_EQ(host_memory_stats().in_use_bytes - before.in_use_bytes, 4032u);
    { const Tensor b({1}, Device::cpu); }  // 4 → 64, freed at once
    EXPECT_EQ(host_memory_stats().in_use_bytes - before.in_use_bytes, 4032u);
    EXPECT_EQ(host_memory_stats().peak_in_use_bytes - before.in_use_bytes, 4096u);
  }
  EXPECT_EQ(host_memory_stats().in_use_bytes, before.in_use_bytes);
  EXPECT_EQ(host_memory_stats().peak_in_use_bytes - before.in_use_bytes, 4096u);
  reset_host_memory_peak();
  EXPECT_EQ(host_memory_stats().peak_in_use_bytes, before.in_use_bytes);
}

TEST(AllocationBytes, RoundsAsEachAllocatorRounds) {
  constexpr std::size_t mib = std::size_t{1} << 20;
  EXPECT_EQ(allocation_bytes(0, Device::cpu), 0u);
  EXPECT_EQ(allocation_bytes(1, Device::cpu), 64u);
  EXPECT_EQ(allocation_bytes(128, Device::cpu), 128u);
  EXPECT_EQ(allocation_bytes(1, Device::cuda), 512u);
  EXPECT_EQ(allocation_bytes(mib - 1, Device::cuda), mib);
  EXPECT_EQ(allocation_bytes(mib, Device::cuda), 2 * mib);
  EXPECT_EQ(allocation_bytes(2 * mib + 1, Device::cuda), 4 * mib);
  EXPECT_EQ(tensor_bytes({1, 3, 10, 10}, Device::cpu), 1216u);  // 1200 → 1216
}

std::vector<ConvWeights> random_weights(int depth) {
  std::vector<ConvWeights> weights;
  for (int k = 0; k < depth; ++k) {
    const VggConvSpec& spec = vgg19_conv_specs()[static_cast<std::size_t>(k)];
    const float he = std::sqrt(6.0f / static_cast<float>(spec.in_channels * 9));
    weights.push_back({spec.keras_name,
                       random_tensor({spec.out_channels, spec.in_channels, 3, 3}, 10 + k, Device::cpu, -he, he),
                       random_tensor({spec.out_channels}, 50 + k, Device::cpu, -0.1f, 0.1f)});
  }
  return weights;
}

// As Vgg19::from_file: the weights as read live until the network has its own copies.
Vgg19 network(const RunMemoryConfig& config) {
  std::vector<Tap> taps = config.content_taps;
  taps.insert(taps.end(), config.style_taps.begin(), config.style_taps.end());
  int depth = 0;
  for (const Tap& tap : taps) depth = std::max(depth, tap.conv_index + 1);
  return Vgg19(random_weights(depth), ops::PoolKind::max, config.device, taps);
}

Tensor random_image(PlaneSize size, std::uint64_t seed) {
  return random_tensor({1, 3, size.height, size.width}, seed, Device::cpu, -100.0f, 100.0f);
}

// The peak the CPU allocator counts over a run set up as apps/stylize_command.cpp sets it up.
std::size_t measured_peak(const RunMemoryConfig& config, int iterations) {
  reset_host_memory_peak();
  const std::size_t before = host_memory_stats().in_use_bytes;
  {
    Vgg19 net = network(config);
    const Tensor content = random_image(config.image, 1);
    std::vector<Tensor> styles;
    for (std::size_t s = 0; s < config.styles.size(); ++s) styles.push_back(random_image(config.styles[s], 2 + s));
    ObjectiveWeights weights{std::vector<float>(config.content_taps.size(), 1.0f),
                             std::vector<float>(config.style_taps.size(), 1e-6f), 1e-3f};
    StyleObjective objective(net, config.content_taps, config.style_taps, content, styles,
                             std::vector<float>(styles.size(), 1.0f), weights);
    Tensor x = content.clone();
    std::unique_ptr<Optimizer> optimizer;
    if (const auto* lbfgs = std::get_if<LbfgsOptions>(&config.optimizer))
      optimizer = std::make_unique<Lbfgs>(*lbfgs);
    else
      optimizer = std::make_unique<Adam>(std::get<AdamOptions>(config.optimizer));
    LastFiniteImage last_finite(x);
    KeptImage kept(config.keep, x);
    stylize(objective, *optimizer, x, kept, iterations, [&](int iteration, const Tensor& image) {
      last_finite.losses_read(iteration, losses_are_finite(objective.read_losses()), image);
      if (iteration == 2) {  // --save-every: inside the loop, as StateSaver::save
        const Tensor checkpoint = image.to(Device::cpu);
        if (config.saves_checkpoints) {
          const OptimizerState state = optimizer->export_state();
          const OptimizerState kept_state = kept.export_state();
        }
      }
    });
    const Tensor output = x.to(Device::cpu);
  }
  EXPECT_EQ(host_memory_stats().in_use_bytes, before) << "the run left buffers behind";
  return host_memory_stats().peak_in_use_bytes - before;
}

struct Case {
  std::string name;
  RunMemoryConfig config;
};

std::vector<Case> cases() {
  LbfgsOptions short_history;
  short_history.history_size = 5;
  const ChannelBounds pixels{{-1.0f, -2.0f, -3.0f}, {1.0f, 2.0f, 3.0f}};
  LbfgsOptions bounded_lbfgs;
  bounded_lbfgs.history_size = 2;
  bounded_lbfgs.bounds = pixels;
  LbfgsOptions bounded_search = bounded_lbfgs;
  bounded_search.line_search = LbfgsLineSearch::strong_wolfe;
  AdamOptions bounded_adam;
  bounded_adam.bounds = pixels;
  return {
      // Activations dominate; the style image is smaller than the content.
      {"shallow_lbfgs5",
       {{150, 200}, {{90, 120}}, parse_taps("relu2_2"), parse_taps("relu1_1,relu2_1"), short_history, Device::cpu}},
      // A "conv…" tap keeps z too; two styles, one larger than the content: the style passes peak.
      {"conv_tap_two_styles_adam",
       {{128, 96},
        {{160, 160}, {48, 64}},
        parse_taps("conv1_2"),
        parse_taps("relu1_1,relu3_1"),
        AdamOptions{},
        Device::cpu}},
      // One layer and a larger style: the network's buffers, resized tensor by tensor, hold the
      // style's new activation and the content's old gradient at once.
      {"one_layer_style_larger",
       {{128, 128}, {{192, 192}}, parse_taps("relu1_1"), parse_taps("relu1_1"), AdamOptions{}, Device::cpu}},
      // L-BFGS's 2m + 4 image-sized vectors dominate.
      {"lbfgs100_one_layer",
       {{128, 128}, {{128, 128}}, parse_taps("relu1_1"), parse_taps("relu1_1"), LbfgsOptions{}, Device::cpu}},
      // --save-every: each checkpoint exports L-BFGS's ring (full after 2 steps of a 2-pair history).
      {"lbfgs_checkpoints",
       {{128, 128},
        {{128, 128}},
        parse_taps("relu1_1"),
        parse_taps("relu1_1"),
        LbfgsOptions{2, 1.0f},
        Device::cpu,
        true}},
      // --pixel-bounds on: the projected gradient and the bounds (the history kept short, so that the
      // extra vector is 1/9 of L-BFGS's state).
      {"lbfgs_bounded",
       {{128, 128}, {{128, 128}}, parse_taps("relu1_1"), parse_taps("relu1_1"), bounded_lbfgs, Device::cpu}},
      // ... and with the line search, its path's −d and d̃ (layers/projected_path.h).
      {"lbfgs_bounded_line_search",
       {{128, 128}, {{128, 128}}, parse_taps("relu1_1"), parse_taps("relu1_1"), bounded_search, Device::cpu}},
      {"adam_bounded",
       {{128, 128}, {{128, 128}}, parse_taps("relu1_1"), parse_taps("relu1_1"), bounded_adam, Device::cpu}},
      {"adam_checkpoints",
       {{128, 128}, {{128, 128}}, parse_taps("relu1_1"), parse_taps("relu1_1"), AdamOptions{}, Device::cpu, true}},
      // The kept image's buffer, and its state at each checkpoint: --keep best, then ema.
      {"adam_keep_best_checkpoints",
       {{128, 128},
        {{128, 128}},
        parse_taps("relu1_1"),
        parse_taps("relu1_1"),
        AdamOptions{},
        Device::cpu,
        true,
        KeepImage::best}},
      {"lbfgs_keep_ema_checkpoints",
       {{128, 128},
        {{128, 128}},
        parse_taps("relu1_1"),
        parse_taps("relu1_1"),
        LbfgsOptions{2, 1.0f},
        Device::cpu,
        true,
        KeepImage::average}},
      // The full network's defaults (Gatys' layers) at a small odd size: the weights dominate.
      {"full_defaults_odd",
       {{45, 61},
        {{64, 50}},
        parse_taps("relu4_2"),
        parse_taps("relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"),
        LbfgsOptions{},
        Device::cpu}},
  };
}

class MemoryEstimateTest : public ::testing::TestWithParam<Case> {};

TEST_P(MemoryEstimateTest, BoundsTheCpuAllocatorsPeakWithin10Percent) {
  const RunMemoryConfig& config = GetParam().config;
  const std::size_t estimate = estimate_run_memory(config).allocator_peak(Device::cpu);
  const std::size_t measured = measured_peak(config, 3);
  EXPECT_LE(measured, estimate) << "the estimate is below the measured peak";
  EXPECT_LE(static_cast<double>(estimate), 1.10 * static_cast<double>(measured))
      << "the estimate is over 1.1 times the measured peak";
  RecordProperty("measured_bytes", std::to_string(measured));
  RecordProperty("estimated_bytes", std::to_string(estimate));
  std::printf("%s: measured %zu, estimated %zu (%.3f)\n", GetParam().name.c_str(), measured, estimate,
              static_cast<double>(estimate) / static_cast<double>(measured));
}

INSTANTIATE_TEST_SUITE_P(Configurations, MemoryEstimateTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) { return param.param.name; });

TEST(MemoryEstimate, OptimizerStateIsTheOptimizersOwnCount) {
  RunMemoryConfig config{{100, 80},      {{100, 80}}, parse_taps("relu1_1"), parse_taps("relu1_1"),
                         LbfgsOptions{}, Device::cpu};
  LbfgsOptions history_10;
  history_10.history_size = 10;
  const std::size_t with_100 = estimate_run_memory(config).host_peak();
  config.optimizer = history_10;
  const std::size_t with_10 = estimate_run_memory(config).host_peak();
  EXPECT_EQ(with_100 - with_10, Lbfgs::state_bytes(3 * 100 * 80, LbfgsOptions{}, Device::cpu) -
                                    Lbfgs::state_bytes(3 * 100 * 80, history_10, Device::cpu));
}

// A 16×2 image does not reach relu4_1 (the run is refused for that, after the estimate): the
// layers it does not reach take nothing, and the CPU scratch of their convolutions is not asked
// for (it would divide by their zero width).
TEST(MemoryEstimate, ImageTooSmallForTheDeepestLayerIsEstimatedUpToWhereItReaches) {
  const RunMemoryConfig config{{2, 16},       {{2, 16}},  parse_taps("relu4_1"), parse_taps("relu1_1,relu4_1"),
                               AdamOptions{}, Device::cpu};
  const MemoryEstimate estimate = estimate_run_memory(config);
  EXPECT_GT(estimate.host_peak(), 0u);
  EXPECT_GE(estimate.host_peak(), estimate.allocator_peak(Device::cpu));
}

}  // namespace
}  // namespace nst::testing

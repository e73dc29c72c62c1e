// Export and import of optimizer state (layers/optimizer_state.h, layers/lbfgs_state.cpp,
// layers/adam_state.cpp): an optimizer stopped after k steps, its state exported and imported into
// a fresh one, continues with exactly the bits of one that never stopped, for every k; state that
// does not fit is refused and leaves the optimizer untouched.
#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "layers/adam.h"
#include "layers/lbfgs.h"
#include "tests/support/compare.h"

namespace nst::testing {
namespace {

using Gradient = std::function<std::vector<float>(const std::vector<float>&)>;

// Σ ½x_i² + 3·sin(2x_i) from (−2, −1.5, −1): with lr 0.5 and history 3, L-BFGS turns away pairs of
// negative curvature at steps 6, 7, 10 and 11 and its ring wraps (tests/cpu/optimizer_test.cpp).
std::vector<float> rippled_bowl_gradient(const std::vector<float>& x) {
  std::vector<float> g(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) g[i] = x[i] + 6.0f * std::cos(2.0f * x[i]);
  return g;
}
const std::vector<float> kStart{-2.0f, -1.5f, -1.0f};

void take_steps(Optimizer& optimizer, Tensor& x, int steps, const Gradient& gradient) {
  for (int k = 0; k < steps; ++k) optimizer.step(x, Tensor::from_host(x.shape(), gradient(x.to_host()), Device::cpu));
}

// Runs `make()` for `total` steps in one go, and again stopped after `stop` steps, its state moved
// into a fresh make() that takes the rest; returns whether both end on the same bits. `inspect`
// sees the state and both optimizers at the stop.
template <class Make, class Inspect>
::testing::AssertionResult resumes_exactly(Make make, int stop, int total, Inspect inspect) {
  auto whole = make();
  Tensor x_whole = Tensor::from_host({3}, kStart, Device::cpu);
  take_steps(whole, x_whole, total, rippled_bowl_gradient);

  auto first = make();
  Tensor x = Tensor::from_host({3}, kStart, Device::cpu);
  take_steps(first, x, stop, rippled_bowl_gradient);
  const OptimizerState state = first.export_state();
  auto second = make();
  second.import_state(state, x);
  inspect(state, first, second);
  take_steps(second, x, total - stop, rippled_bowl_gradient);
  return all_equal(x.to_host(), x_whole.to_host());
}

TEST(OptimizerState, LbfgsResumedAfterAnyStepTakesTheSameSteps) {
  const auto make = [] { return Lbfgs({/*history_size=*/3, /*learning_rate=*/0.5f}); };
  for (int stop = 0; stop <= 14; ++stop) {
    EXPECT_TRUE(resumes_exactly(make, stop, 16,
                                [&](const OptimizerState& state, const Lbfgs& first, const Lbfgs& second) {
                                  EXPECT_EQ(second.stored_pairs(), first.stored_pairs()) << "stop " << stop;
                                  if (stop > 0) {
                                    EXPECT_EQ(state.tensors.at("pairs_s").dim(0), first.stored_pairs());
                                  }
                                }))
        << "stopped after " << stop << " steps";
  }
}

TEST(OptimizerState, LbfgsKeepsItsPairsNewestFirst) {
  // After 5 steps with history 3 and no pair turned away (steps 2-5 of the bowl each offer the pair
  // of the step before): 3 pairs kept of 4, so the ring has wrapped. The newest pair's s is step
  // 4's, x_4 − x_3, the oldest's step 2's; step 5's is the one to be offered next.
  Lbfgs lbfgs({/*history_size=*/3, /*learning_rate=*/0.5f});
  Tensor x = Tensor::from_host({3}, kStart, Device::cpu);
  std::vector<std::vector<float>> iterates{x.to_host()};
  for (int k = 0; k < 5; ++k) {
    take_steps(lbfgs, x, 1, rippled_bowl_gradient);
    iterates.push_back(x.to_host());
  }
  const OptimizerState state = lbfgs.export_state();
  ASSERT_EQ(lbfgs.stored_pairs(), 3);
  EXPECT_EQ(state.scalar("steps_taken"), 5);
  const Tensor& s = state.tensor("pairs_s", {3, 3});
  const Tensor& step = state.tensor("step", {3});
  for (int i = 0; i < 3; ++i) {  // x_k − x_{k−1} rounds once more than s_k: a float's rounding
    const auto bound = [](float v) { return 1e-6f * (1.0f + std::fabs(v)); };
    EXPECT_NEAR(step.data()[i], iterates[5][i] - iterates[4][i], bound(iterates[5][i]));
    for (int age = 0; age < 3; ++age)
      EXPECT_NEAR(s.data()[age * 3 + i], iterates[4 - age][i] - iterates[3 - age][i], bound(iterates[4 - age][i]))
          << "age " << age;
  }
  EXPECT_EQ(state.tensor("pairs_ys", {3}).data()[0], state.tensor("newest_ys", {1}).data()[0]);
}

TEST(OptimizerState, AdamResumedAfterAnyStepTakesTheSameSteps) {
  const auto make = [] {
    AdamOptions options;
    options.learning_rate = 0.1f;
    return Adam(options);
  };
  for (int stop = 0; stop <= 12; ++stop) {
    EXPECT_TRUE(resumes_exactly(make, stop, 14,
                                [&](const OptimizerState& state, const Adam&, const Adam&) {
                                  EXPECT_EQ(state.scalar("steps_taken"), stop);
                                  if (stop == 0) {
                                    EXPECT_TRUE(state.tensors.empty());
                                  }
                                }))
        << "stopped after " << stop << " steps";
  }
}

TEST(OptimizerState, AdamExportsItsMoments) {
  // One step from m = v = 0: m = (1 − β1)·g, v = (1 − β2)·g², as floats.
  Adam adam;
  Tensor x = Tensor::from_host({3}, kStart, Device::cpu);
  take_steps(adam, x, 1, rippled_bowl_gradient);
  const OptimizerState state = adam.export_state();
  const std::vector<float> g = rippled_bowl_gradient(kStart);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FLOAT_EQ(state.tensor("first_moment", {3}).data()[i], 0.1f * g[i]);
    EXPECT_NEAR(state.tensor("second_moment", {3}).data()[i], 0.001f * g[i] * g[i], 1e-6f * g[i] * g[i]);
  }
}

// The message of the Error `f` throws, or "" when it throws none.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

TEST(OptimizerState, StateThatDoesNotFitIsRefusedNamingWhy) {
  Lbfgs lbfgs({/*history_size=*/3, /*learning_rate=*/0.5f});
  Tensor x = Tensor::from_host({3}, kStart, Device::cpu);
  take_steps(lbfgs, x, 4, rippled_bowl_gradient);
  const OptimizerState good = lbfgs.export_state();
  const auto refusal = [&](const OptimizerState& state, const Tensor& at, LbfgsOptions options = {3, 0.5f}) {
    Lbfgs fresh(options);
    const std::string message = error_of([&] { fresh.import_state(state, at); });
    if (!message.empty()) {
      EXPECT_EQ(fresh.stored_pairs(), 0) << "a refused import leaves the optimizer fresh";
    }
    return message;
  };
  EXPECT_EQ(refusal(good, x), "");
  EXPECT_NE(refusal(good, x, {4, 0.5f}).find("history size 3, this run has 4"), std::string::npos);
  EXPECT_NE(refusal(good, x, {3, 1.0f}).find("learning rate 0.5, this run has 1"), std::string::npos);
  EXPECT_NE(refusal(good, Tensor::zeros({4}, Device::cpu)).find("tensor 'step' is (3,), expected (4,)"),
            std::string::npos);
  OptimizerState missing = lbfgs.export_state();
  missing.tensors.erase("newest_yy");
  EXPECT_NE(refusal(missing, x).find("no tensor 'newest_yy'"), std::string::npos);
  OptimizerState too_many_pairs = lbfgs.export_state();
  too_many_pairs.tensors["pairs_ys"] = Tensor::zeros({4}, Device::cpu);
  EXPECT_NE(refusal(too_many_pairs, x).find("4 pairs, more than the history size 3"), std::string::npos);
  OptimizerState fractional = lbfgs.export_state();
  fractional.scalars["steps_taken"] = 4.5;
  EXPECT_NE(refusal(fractional, x).find("'steps_taken' is 4.5"), std::string::npos);

  Adam adam;
  EXPECT_NE(error_of([&] { adam.import_state(good, x); }).find("state is of the lbfgs optimizer, not adam"),
            std::string::npos);
  EXPECT_NE(error_of([&] { lbfgs.import_state(good, x); }).find("only before the first step"), std::string::npos);
}

}  // namespace
}  // namespace nst::testing

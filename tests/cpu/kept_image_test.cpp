// Which image a run gives back (layers/kept_image.h, the end of stylize in layers/stylizer.cpp):
// ops::keep_if_lower on losses chosen by hand (a fall, a tie, NaN, +inf); the iterate average
// against a double transcription of its formula; and whole loops on a small problem whose every
// evaluation the test records — keep best must leave exactly the recorded iterate of lowest loss,
// keep last the last iterate, keep ema the average of the iterates; the report must say which.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/best_iterate.h"
#include "layers/adam.h"
#include "layers/kept_image.h"
#include "layers/lbfgs.h"
#include "layers/stylizer.h"
#include "tests/support/compare.h"
#include "tests/support/host_objective.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(KeepIfLower, KeepsTheFirstImageOfLowestLoss) {
  // Evaluation k (1-based) offers the image filled with k and the loss losses[k − 1].
  const std::vector<float> losses = {5, 3, kNaN, 3, 4, 1, kInf, 2};
  const std::vector<int> best_after = {1, 2, 2, 2, 2, 6, 6, 6};  // a tie keeps the earlier; NaN never
  Tensor best = Tensor::filled({4}, 0.0f, Device::cpu);
  Tensor state = Tensor::from_host({3}, {kInf, 0, 0}, Device::cpu);
  for (std::size_t k = 0; k < losses.size(); ++k) {
    const float evaluation = static_cast<float>(k + 1);
    ops::keep_if_lower(Tensor::filled({1}, losses[k], Device::cpu), Tensor::filled({4}, evaluation, Device::cpu), best,
                       state);
    const float expected = static_cast<float>(best_after[k]);
    EXPECT_EQ(best.to_host(), std::vector<float>(4, expected)) << "after evaluation " << k + 1;
    EXPECT_EQ(state.to_host(), (std::vector<float>{losses[best_after[k] - 1], expected, evaluation}));
  }
}

TEST(KeptImage, AverageIsTheBiasCorrectedMovingAverageOfTheIterates) {
  // a_k = δ·a_{k−1} + (1 − δ)·x_k from a_{−1} = 0, image = a_k / (1 − δ^{k+1}); in double here.
  // The float run rounds each of k updates (relative 2⁻²⁴ each on values ≤ 1): ≤ 1e-5 after 200.
  const std::int64_t n = 37;
  const double delta = kIterateAverageDecay;
  std::vector<double> average(n, 0.0);
  double power = 1;
  KeptImage kept(KeepImage::average, random_tensor({n}, 0));
  for (int k = 0; k <= 200; ++k) {
    const std::vector<float> x = random_tensor({n}, static_cast<std::uint64_t>(k)).to_host();
    if (k > 0) kept.iterated(Tensor::from_host({n}, x, Device::cpu));
    for (std::int64_t i = 0; i < n; ++i) average[i] = delta * average[i] + (1 - delta) * x[i];
    power *= delta;
    if (k == 0 || k == 1 || k == 200) {
      std::vector<double> expected(n);
      for (std::int64_t i = 0; i < n; ++i) expected[i] = average[i] / (1 - power);
      Tensor image = Tensor::filled({n}, kNaN, Device::cpu);
      kept.copy_to(image);
      EXPECT_TRUE(all_close(image.to_host(), expected, {1e-5, 1e-5})) << "after " << k << " iterates";
    }
  }
}

// f(x) = Σ (x_i − 1)² in 5 dimensions: Adam at lr 0.5 from 0 overshoots and oscillates about the
// minimum, so its loss rises and falls and the last iterate is not the best.
double bowl(const Vec& x, Vec& gradient) {
  double f = 0;
  gradient.resize(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) f += (x[i] - 1) * (x[i] - 1), gradient[i] = 2 * (x[i] - 1);
  return f;
}

struct LoopRun {
  HostObjective objective{bowl, Device::cpu};
  Tensor x = Tensor::zeros({5}, Device::cpu);
  LoopReport report;
  std::vector<std::vector<float>> iterates;  // x_1 … x_N as the callback saw them
};

LoopRun run_adam(KeepImage keep, int iterations) {
  LoopRun run;
  Adam adam({/*learning_rate=*/0.5f});
  run.report = stylize(run.objective, adam, run.x, iterations,
                       [&](int, const Tensor& x) { run.iterates.push_back(x.to_host()); }, {false, 1, keep});
  return run;
}

std::vector<float> as_float(const Vec& v) { return {v.begin(), v.end()}; }

TEST(KeptImage, KeepBestLeavesTheEvaluatedImageOfLowestLoss) {
  const int iterations = 30;
  LoopRun run = run_adam(KeepImage::best, iterations);
  // Evaluations 1 … N at x_0 … x_{N−1}, N + 1 at x_N, then the best again (its losses for the log).
  const std::vector<Evaluation>& seen = run.objective.evaluations;
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(iterations + 2)) << "the best is not the last iterate any more";
  std::size_t best = 0;
  for (std::size_t e = 0; e < iterations + 1u; ++e)
    if (static_cast<float>(seen[e].value) < static_cast<float>(seen[best].value)) best = e;
  ASSERT_LT(best, static_cast<std::size_t>(iterations)) << "the problem no longer oscillates";
  ASSERT_GT(static_cast<float>(seen[iterations].value), static_cast<float>(seen[best].value));
  EXPECT_EQ(run.x.to_host(), as_float(seen[best].x));
  EXPECT_EQ(seen.back().x, seen[best].x) << "the objective's last losses are not the kept image's";
  EXPECT_EQ(run.report.kept_evaluation, static_cast<std::int64_t>(best + 1));
  EXPECT_EQ(run.report.kept_after_iterations, static_cast<int>(best));
  EXPECT_EQ(run.report.evaluations, iterations + 2);
}

// A run whose optimizer and kept image are exported after some iteration and imported into new ones
// (what --save-every and --resume do through a checkpoint) keeps the image, and reports the
// evaluations, of a run that never stopped: bit for bit, for best (split just after the best
// image's evaluation, so that the image kept comes from the state imported) and ema.
TEST(KeptImage, ExportedStateContinuesTheRunBitForBit) {
  for (const KeepImage keep : {KeepImage::best, KeepImage::average}) {
    SCOPED_TRACE(to_string(keep));
    const LoopRun whole = run_adam(keep, 30);
    // Evaluation e is of x_{e−1}, during iteration e.
    const int split = keep == KeepImage::best ? static_cast<int>(whole.report.kept_evaluation) : 12;
    ASSERT_LT(split, 30) << "the best is the last";
    HostObjective objective{bowl, Device::cpu};
    Tensor x = Tensor::zeros({5}, Device::cpu);
    Adam first({0.5f});
    OptimizerState optimizer_state, kept_state;
    Tensor x_split;
    KeptImage first_kept(keep, x);
    stylize(objective, first, x, first_kept, split, [&](int iteration, const Tensor& image) {
      if (iteration != split) return;
      optimizer_state = first.export_state();
      kept_state = first_kept.export_state();
      x_split = image.clone();
    });
    Adam second({0.5f});
    KeptImage second_kept(keep, x_split);
    second.import_state(optimizer_state, x_split);
    second_kept.import_state(kept_state);
    const LoopReport report = stylize(objective, second, x_split, second_kept, 30, nullptr, {false, split + 1});
    EXPECT_EQ(x_split.to_host(), whole.x.to_host());
    EXPECT_EQ(report.evaluations, whole.report.evaluations);
    EXPECT_EQ(report.kept_evaluation, whole.report.kept_evaluation);
    EXPECT_EQ(report.kept_before_resume, keep == KeepImage::best);
  }
  // Another keep's state, or one of another shape, is refused.
  KeptImage ema(KeepImage::average, Tensor::zeros({5}, Device::cpu));
  KeptImage best(KeepImage::best, Tensor::zeros({5}, Device::cpu));
  EXPECT_THROW(best.import_state(ema.export_state()), Error);
  KeptImage small(KeepImage::average, Tensor::zeros({4}, Device::cpu));
  EXPECT_THROW(ema.import_state(small.export_state()), Error);
}

TEST(KeptImage, KeepLastLeavesTheLastIterateAndEvaluatesIt) {
  LoopRun run = run_adam(KeepImage::last, 30);
  EXPECT_EQ(run.x.to_host(), run.iterates.back());
  EXPECT_EQ(run.objective.evaluations.back().x, to_double(run.iterates.back()));
  EXPECT_EQ(run.report.kept_after_iterations, 30);
  EXPECT_EQ(run.report.evaluations, 31);
}

TEST(KeptImage, KeepEmaLeavesTheAverageOfTheIterates) {
  // x_0 = 0, then the iterates the callback saw; the same formula as above, in double.
  LoopRun run = run_adam(KeepImage::average, 30);
  std::vector<double> average(5, 0.0);
  double power = kIterateAverageDecay;  // after x_0 = 0: a_0 = 0
  for (const std::vector<float>& x : run.iterates) {
    for (std::size_t i = 0; i < 5; ++i)
      average[i] = kIterateAverageDecay * average[i] + (1 - kIterateAverageDecay) * x[i];
    power *= kIterateAverageDecay;
  }
  for (double& a : average) a /= 1 - power;
  EXPECT_TRUE(all_close(run.x.to_host(), average, {1e-6, 1e-5}));
  EXPECT_EQ(run.objective.evaluations.back().x, to_double(run.x.to_host())) << "the average was not evaluated";
  EXPECT_EQ(run.report.kept_evaluation, 0);
}

TEST(KeptImage, LineSearchRunEndsEvaluatedAndStopsAtItsEvaluationBudget) {
  // L-BFGS with the line search ends each iteration evaluated at x: no evaluation after the loop,
  // and keep best finds the last iterate (its loss only falls). A budget of 12 evaluations stops
  // the loop after the first iteration that reaches it.
  HostObjective objective(rosenbrock, Device::cpu);
  Tensor x = Tensor::from_host({2}, {-1.2f, 1.0f}, Device::cpu);
  Lbfgs lbfgs({/*history_size=*/10, /*learning_rate=*/1.0f, LbfgsLineSearch::strong_wolfe});
  std::vector<std::size_t> evaluations_after;
  const LoopReport report = stylize(
      objective, lbfgs, x, 100, [&](int, const Tensor&) { evaluations_after.push_back(objective.evaluations.size()); },
      {false, 1, KeepImage::best, /*max_evaluations=*/12});
  ASSERT_GE(evaluations_after.size(), 2u);
  EXPECT_LT(evaluations_after[evaluations_after.size() - 2], 12u);
  EXPECT_GE(evaluations_after.back(), 12u);
  EXPECT_EQ(report.iterations, static_cast<int>(evaluations_after.size()));
  EXPECT_EQ(report.evaluations, static_cast<std::int64_t>(objective.evaluations.size()));
  EXPECT_EQ(objective.evaluations.size(), evaluations_after.back()) << "evaluated again after the loop";
  EXPECT_EQ(report.kept_after_iterations, report.iterations);
}

}  // namespace
}  // namespace nst::testing

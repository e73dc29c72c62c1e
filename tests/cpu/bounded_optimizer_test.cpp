// The optimizers with bounds on x (LbfgsOptions::bounds, AdamOptions::bounds; layers/channel_bounds.h)
// on a problem whose constrained minimizer is known in closed form: the separable quadratic
//   f(x) = ½ xᵀDx − bᵀx,  D diagonal, condition number 100,
// on x of shape (1, 3, 4, 5), each channel c bounded to [lower_c, upper_c]. Separable and convex,
// so the minimizer over the box is the unconstrained one clamped, x̂_i = clamp(b_i / D_i) — and b
// is chosen so that about half of the b_i / D_i lie outside their channel's interval.
#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/tensor.h"
#include "layers/adam.h"
#include "layers/lbfgs.h"
#include "layers/objective.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

const Shape kShape{1, 3, 4, 5};
constexpr std::int64_t kPlane = 20, kN = 60;
const ChannelBounds kBounds{{-0.5f, 0.0f, -1.0f}, {0.5f, 1.0f, 0.1f}};

struct BoxedQuadratic {
  std::vector<double> diagonal, b;

  BoxedQuadratic() {
    const std::vector<float> r = random_values(kN, 91, -3.0f, 3.0f);
    for (std::int64_t i = 0; i < kN; ++i) {
      diagonal.push_back(std::pow(10.0, 2.0 * static_cast<double>(i % kPlane) / (kPlane - 1)));  // 1 … 100
      b.push_back(r[i] * diagonal.back());  // b_i / D_i = r_i, in [−3, 3)
    }
  }
  static double lower(std::int64_t i) { return kBounds.lower[i / kPlane]; }
  static double upper(std::int64_t i) { return kBounds.upper[i / kPlane]; }
  std::vector<double> constrained_minimizer() const {
    std::vector<double> x(kN);
    for (std::int64_t i = 0; i < kN; ++i) x[i] = std::clamp(b[i] / diagonal[i], lower(i), upper(i));
    return x;
  }
  Tensor gradient(const Tensor& x) const {
    const std::vector<float> v = x.to_host();
    std::vector<float> g(kN);
    for (std::int64_t i = 0; i < kN; ++i) g[i] = static_cast<float>(diagonal[i] * v[i] - b[i]);
    return Tensor::from_host(kShape, g, Device::cpu);
  }
};

double distance(const std::vector<float>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

// Values outside their channel's interval.
int outside(const std::vector<float>& x) {
  int count = 0;
  for (std::int64_t i = 0; i < kN; ++i) count += x[i] < BoxedQuadratic::lower(i) || x[i] > BoxedQuadratic::upper(i);
  return count;
}

// Convergence tests bound the steps at about 2.5× what the optimizer needs (measured counts in the
// comments). Without the active set (projecting x alone), L-BFGS is still 1.7 away after 60 steps.

// Steps `optimizer` from x = 0 (inside the box) until x is within 1e-4 of the constrained
// minimizer or `max_steps` are taken; requires every iterate inside the box. Returns the steps.
int steps_to_minimizer(Optimizer& optimizer, const BoxedQuadratic& f, int max_steps, std::vector<float>& x_out) {
  const std::vector<double> x_hat = f.constrained_minimizer();
  Tensor x = Tensor::zeros(kShape, Device::cpu);
  int steps = 0;
  for (; steps < max_steps && distance(x.to_host(), x_hat) > 1e-4; ++steps) {
    optimizer.step(x, f.gradient(x));
    EXPECT_EQ(outside(x.to_host()), 0) << "after step " << steps + 1;
  }
  x_out = x.to_host();
  return steps;
}

TEST(BoundedOptimizers, TheProblemPushesAgainstTheBounds) {
  // Without bounds both optimizers leave the box: the test problem exercises the projection.
  const BoxedQuadratic f;
  std::vector<float> unconstrained(f.b.size());
  for (std::size_t i = 0; i < unconstrained.size(); ++i) unconstrained[i] = static_cast<float>(f.b[i] / f.diagonal[i]);
  EXPECT_GT(outside(unconstrained), kN / 3);
  Lbfgs lbfgs;
  Adam adam({/*learning_rate=*/0.05f});
  for (Optimizer* optimizer : {static_cast<Optimizer*>(&lbfgs), static_cast<Optimizer*>(&adam)}) {
    Tensor x = Tensor::zeros(kShape, Device::cpu);
    for (int k = 0; k < 60; ++k) optimizer->step(x, f.gradient(x));
    EXPECT_GT(outside(x.to_host()), kN / 3) << optimizer->name();
  }
}

TEST(BoundedOptimizers, LbfgsReachesTheConstrainedMinimizer) {  // 21 steps
  const BoxedQuadratic f;
  LbfgsOptions options;
  options.bounds = kBounds;
  Lbfgs lbfgs(options);
  std::vector<float> x;
  const int steps = steps_to_minimizer(lbfgs, f, 50, x);
  EXPECT_LT(distance(x, f.constrained_minimizer()), 1e-4) << "after " << steps << " steps";
}

TEST(BoundedOptimizers, AdamReachesTheConstrainedMinimizer) {  // 174 steps
  const BoxedQuadratic f;
  AdamOptions options;
  options.learning_rate = 0.05f;
  options.bounds = kBounds;
  Adam adam(options);
  std::vector<float> x;
  const int steps = steps_to_minimizer(adam, f, 400, x);
  EXPECT_LT(distance(x, f.constrained_minimizer()), 1e-4) << "after " << steps << " steps";
}

TEST(BoundedOptimizers, LbfgsRemembersTheStepReallyTaken) {
  // The curvature pair's s must be x_new − x_old of the projected points, not the step before the
  // projection cut it (which differs by up to ~3 here). float: s − (x_old + s − P(x_old + s)) and
  // P(x_old + s) − x_old agree to a few roundings of values ≤ 4.
  const BoxedQuadratic f;
  LbfgsOptions options;
  options.bounds = kBounds;
  Lbfgs lbfgs(options);
  Tensor x = Tensor::zeros(kShape, Device::cpu);
  for (int k = 0; k < 8; ++k) {
    const std::vector<float> before = x.to_host();
    lbfgs.step(x, f.gradient(x));
    const std::vector<float> after = x.to_host();
    const std::vector<float> step = lbfgs.export_state().tensors.at("step").to_host();
    std::vector<float> taken(kN);
    for (std::int64_t i = 0; i < kN; ++i) taken[i] = after[i] - before[i];
    EXPECT_TRUE(all_close(step, to_double(taken), {2e-6, 0})) << "step " << k + 1;
  }
}

// f as an Objective (for the line search, which evaluates it itself), counting the points it was
// evaluated at that lie outside the box. Its value is f(x) − f(x̂), in double before the float that
// the search compares: f(x̂) ≈ −876, where a float's resolution (6e-5) is above the last decreases
// the sufficient-decrease condition must see.
class BoxedQuadraticObjective : public Objective {
 public:
  explicit BoxedQuadraticObjective(const BoxedQuadratic& f) : f_(f), minimum_(value_at(f.constrained_minimizer())) {}
  void evaluate(const Tensor& x, Tensor& gradient) override {
    const std::vector<float> v = x.to_host();
    outside_ += outside(v);
    value_ = Tensor::filled({1}, static_cast<float>(value_at({v.begin(), v.end()}) - minimum_), Device::cpu);
    gradient.copy_from(f_.gradient(x));
  }
  const Tensor& value() const override { return value_; }
  int evaluations_outside() const { return outside_; }

 private:
  double value_at(const std::vector<double>& x) const {
    double value = 0;
    for (std::int64_t i = 0; i < kN; ++i) value += 0.5 * f_.diagonal[i] * x[i] * x[i] - f_.b[i] * x[i];
    return value;
  }

  const BoxedQuadratic& f_;
  const double minimum_;
  Tensor value_;
  int outside_ = 0;
};

TEST(BoundedOptimizers, LbfgsWithTheLineSearchReachesTheConstrainedMinimizer) {  // 20 iterations
  // The search runs along the projected path: every point it evaluates lies in the box.
  const BoxedQuadratic f;
  BoxedQuadraticObjective objective(f);
  LbfgsOptions options;
  options.bounds = kBounds;
  options.line_search = LbfgsLineSearch::strong_wolfe;
  Lbfgs lbfgs(options);
  Tensor x = Tensor::zeros(kShape, Device::cpu), gradient = Tensor::zeros(kShape, Device::cpu);
  const std::vector<double> x_hat = f.constrained_minimizer();
  int iterations = 0, evaluations = 0;
  for (; iterations < 50 && distance(x.to_host(), x_hat) > 1e-4; ++iterations) {
    lbfgs.iterate(objective, x, gradient);
    evaluations += lbfgs.last_evaluations();
  }
  EXPECT_LT(distance(x.to_host(), x_hat), 1e-4) << "after " << iterations << " iterations";
  EXPECT_EQ(objective.evaluations_outside(), 0) << "of " << evaluations << " evaluations";
}

TEST(BoundedOptimizers, AStartOutsideTheBoxIsProjectedBeforeTheFirstEvaluation) {
  // A coarser scale's image, resampled, may overshoot the bounds: no point outside is evaluated.
  const BoxedQuadratic f;
  LbfgsOptions plain, searching;
  plain.bounds = searching.bounds = kBounds;
  searching.line_search = LbfgsLineSearch::strong_wolfe;
  AdamOptions adam_options;
  adam_options.bounds = kBounds;
  Lbfgs lbfgs(plain), lbfgs_searching(searching);
  Adam adam(adam_options);
  for (Optimizer* optimizer : std::vector<Optimizer*>{&lbfgs, &lbfgs_searching, &adam}) {
    BoxedQuadraticObjective objective(f);
    Tensor x = Tensor::filled(kShape, 3.0f, Device::cpu), gradient = Tensor::zeros(kShape, Device::cpu);
    for (int k = 0; k < 3; ++k) optimizer->iterate(objective, x, gradient);
    EXPECT_EQ(objective.evaluations_outside(), 0) << optimizer->name();
  }
}

TEST(BoundedOptimizers, RefuseBoundsTheyCannotKeep) {
  LbfgsOptions inverted;
  inverted.bounds = ChannelBounds{{1.0f}, {0.0f}};
  EXPECT_THROW(Lbfgs{inverted}, Error);
  AdamOptions adam_inverted;
  adam_inverted.bounds = ChannelBounds{{1.0f}, {0.0f}};
  EXPECT_THROW(Adam{adam_inverted}, Error);
  LbfgsOptions three_channels;
  three_channels.bounds = kBounds;
  Lbfgs lbfgs(three_channels);
  Tensor one_channel = Tensor::zeros({1, 1, 4, 5}, Device::cpu);
  EXPECT_THROW(lbfgs.step(one_channel, Tensor::zeros({1, 1, 4, 5}, Device::cpu)), Error);
}

}  // namespace
}  // namespace nst::testing

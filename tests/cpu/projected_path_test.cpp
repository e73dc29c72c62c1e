// ProjectedPath (layers/projected_path.h): the slope it gives, φ'(t) = ∇f(x(t))·d̃(t), against a
// central difference of φ(t) = f(P(x0 + t·d)) computed in double on the host, for
//   f(x) = Σ ½·w_i·x_i² + c_i·x_i  (w_i in [0.5, 2), c_i in [−1, 1)),
// x0 in a box of per-channel bounds with a quarter of its values on a bound, d random. φ is
// piecewise quadratic in t; each t checked lies at least 2h from every kink, so the difference
// (φ(t + h) − φ(t − h)) / 2h is exact up to rounding: relative 1e-6 (d̃ in float, the rest in double).
#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "layers/projected_path.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

const Shape kShape{2, 3, 5, 7};
constexpr std::int64_t kPlane = 35, kChannels = 3, kN = 210;
const ChannelBounds kBounds{{-1.0f, -0.5f, 0.0f}, {1.0f, 0.5f, 2.0f}};

struct PathProblem {
  std::vector<double> w, c, x0, d;
  std::vector<float> x0_float, d_float;

  PathProblem() {
    const std::vector<float> weights = random_values(kN, 71, 0.5f, 2.0f), linear = random_values(kN, 72);
    const std::vector<float> start = random_values(kN, 73, -1.0f, 2.0f), direction = random_values(kN, 74, -3.0f, 3.0f);
    for (std::int64_t i = 0; i < kN; ++i) {
      w.push_back(weights[i]);
      c.push_back(linear[i]);
      const double lower = this->lower(i), upper = this->upper(i);
      double x = std::clamp<double>(start[i], lower, upper);
      if (i % 4 == 0) x = i % 8 == 0 ? lower : upper;  // a quarter on a bound
      x0_float.push_back(static_cast<float>(x));
      d_float.push_back(direction[i]);
    }
    x0 = {x0_float.begin(), x0_float.end()};
    d = {d_float.begin(), d_float.end()};
  }
  static double lower(std::int64_t i) { return kBounds.lower[(i / kPlane) % kChannels]; }
  static double upper(std::int64_t i) { return kBounds.upper[(i / kPlane) % kChannels]; }
  // φ(t) along `direction` (start()'s: zeros where the path holds a value from the start).
  double phi(double t, const std::vector<double>& direction) const {
    double f = 0;
    for (std::int64_t i = 0; i < kN; ++i) {
      const double x = std::clamp(x0[i] + t * direction[i], lower(i), upper(i));
      f += 0.5 * w[i] * x * x + c[i] * x;
    }
    return f;
  }
  // The nearest kink to t: where some x0_i + t·d_i meets a bound.
  double distance_to_kink(double t, const std::vector<double>& direction) const {
    double nearest = INFINITY;
    for (std::int64_t i = 0; i < kN; ++i)
      if (direction[i] != 0)
        for (const double bound : {lower(i), upper(i)}) {
          const double kink = (bound - x0[i]) / direction[i];
          if (kink > 0) nearest = std::min(nearest, std::fabs(kink - t));
        }
    return nearest;
  }
};

TEST(ProjectedPath, StartHoldsTheValuesTheDirectionWouldPushOutOfTheBox) {
  const PathProblem p;
  const BoxProjection box(kBounds, Device::cpu);
  Tensor d = Tensor::from_host(kShape, p.d_float, Device::cpu);
  ProjectedPath path;
  path.start(box, Tensor::from_host(kShape, p.x0_float, Device::cpu), d);
  const std::vector<float> started = d.to_host();
  int held = 0;
  for (std::int64_t i = 0; i < kN; ++i) {
    const bool leaves =
        (p.x0[i] <= PathProblem::lower(i) && p.d[i] < 0) || (p.x0[i] >= PathProblem::upper(i) && p.d[i] > 0);
    EXPECT_EQ(started[i], leaves ? 0.0f : p.d_float[i]) << "value " << i;
    held += leaves;
  }
  EXPECT_GT(held, kN / 10);  // the case is exercised
}

TEST(ProjectedPath, SlopeIsTheDerivativeOfTheObjectiveAlongThePath) {
  const PathProblem p;
  const BoxProjection box(kBounds, Device::cpu);
  const Tensor x0 = Tensor::from_host(kShape, p.x0_float, Device::cpu);
  Tensor d = Tensor::from_host(kShape, p.d_float, Device::cpu);
  ProjectedPath path;
  path.start(box, x0, d);
  const std::vector<float> d_started = d.to_host();
  const std::vector<double> direction(d_started.begin(), d_started.end());
  int checked = 0, with_cut_values = 0;
  for (double t = 0.013; t < 2.0; t *= 1.7) {
    const double h = 1e-4 * t;
    if (p.distance_to_kink(t, direction) < 2 * h) continue;
    std::vector<float> trial(kN);  // x0 + t·d, as the search forms it
    for (std::int64_t i = 0; i < kN; ++i) trial[i] = static_cast<float>(p.x0[i] + t * direction[i]);
    Tensor x = Tensor::from_host(kShape, trial, Device::cpu);
    const std::vector<float> d_free = path.onto_path(box, x, d).to_host();
    const std::vector<float> on_path = x.to_host();
    double slope = 0;
    int cut = 0;
    for (std::int64_t i = 0; i < kN; ++i) {
      EXPECT_TRUE(on_path[i] >= PathProblem::lower(i) && on_path[i] <= PathProblem::upper(i)) << "value " << i;
      slope += (p.w[i] * on_path[i] + p.c[i]) * d_free[i];
      cut += d_free[i] == 0.0f && direction[i] != 0.0;
    }
    const double central = (p.phi(t + h, direction) - p.phi(t - h, direction)) / (2 * h);
    EXPECT_NEAR(slope, central, 1e-6 * (std::fabs(central) + 1.0)) << "t = " << t << ", " << cut << " values cut";
    ++checked;
    with_cut_values += cut > 0;
  }
  EXPECT_GE(checked, 5);
  EXPECT_GE(with_cut_values, 3);  // the slope leaves out values the projection holds
}

}  // namespace
}  // namespace nst::testing

#pragma once
// An Objective (layers/objective.h) whose f and ∇f a test computes in double on the host, for x on
// any device: x is read back, f and ∇f are written to the device as floats. Every evaluation is
// recorded, in double, so a test can check what the optimizer saw.
#include <functional>
#include <vector>

#include "engine/tensor.h"
#include "layers/objective.h"

namespace nst::testing {

using Vec = std::vector<double>;

struct Evaluation {
  Vec x;         // as the optimizer's floats, widened
  double value;  // f(x) in double (the optimizer sees it rounded to float)
  Vec gradient;
};

class HostObjective : public Objective {
 public:
  // f(x) returned, ∇f(x) into its second argument (sized like x).
  using Function = std::function<double(const Vec& x, Vec& gradient)>;
  HostObjective(Function f, Device device);

  void evaluate(const Tensor& x, Tensor& gradient) override;
  const Tensor& value() const override { return value_; }

  std::vector<Evaluation> evaluations;

 private:
  Function f_;
  Tensor value_;
};

// The chained Rosenbrock function in n ≥ 2 dimensions, Σ_{i<n−1} 100·(x_{i+1} − x_i²)² + (1 − x_i)²
// (for n = 2 the classic one), minimiser (1, …, 1).
double rosenbrock(const Vec& x, Vec& gradient);

}  // namespace nst::testing

#include "tests/support/host_objective.h"

#include <utility>

namespace nst::testing {

HostObjective::HostObjective(Function f, Device device) : f_(std::move(f)), value_(Tensor::zeros({1}, device)) {}

void HostObjective::evaluate(const Tensor& x, Tensor& gradient) {
  const std::vector<float> xf = x.to_host();
  Evaluation e{Vec(xf.begin(), xf.end()), 0.0, Vec(xf.size())};
  e.value = f_(e.x, e.gradient);
  const std::vector<float> gradient_values(e.gradient.begin(), e.gradient.end());
  gradient.copy_from(Tensor::from_host(x.shape(), gradient_values, Device::cpu));
  value_.copy_from(Tensor::from_host({1}, {static_cast<float>(e.value)}, Device::cpu));
  evaluations.push_back(std::move(e));
}

double rosenbrock(const Vec& x, Vec& gradient) {
  double f = 0;
  gradient.assign(x.size(), 0.0);
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double valley = x[i + 1] - x[i] * x[i], off = 1 - x[i];
    f += 100 * valley * valley + off * off;
    gradient[i] += -400 * x[i] * valley - 2 * off;
    gradient[i + 1] += 200 * valley;
  }
  return f;
}

}  // namespace nst::testing

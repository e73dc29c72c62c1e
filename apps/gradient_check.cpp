#include "apps/gradient_check.h"

#include <algorithm>
#include <string>
#include <cmath>
#include <random>

#include "engine/error.h"

namespace nst {

namespace {

// At one pixel: the analytic derivative and the central, forward and backward differences.
struct Sample {
  double analytic, central, forward, backward;
};

double max_abs(const std::vector<float>& values) {
  double m = 0;
  for (const float v : values) m = std::max(m, double(std::fabs(v)));
  return m;
}

// J_t's terms plus their sum J.
std::vector<double> with_total(std::vector<double> terms) {
  double total = 0;
  for (const double t : terms) total += t;
  terms.push_back(total);
  return terms;
}

// One row of the report. A sample that disagrees with the analytic derivative is excused as a
// kink — a ReLU input or a max-pool choice that changes within h, where J has only one-sided
// derivatives — when its one-sided slopes differ by more than the bound and the analytic
// derivative lies between them (within the bound): the backward then took one side, as it must.
TermCheck compare(std::string name, const std::vector<Sample>& samples, double floor,
                  const GradientCheckOptions& options) {
  TermCheck row;
  row.name = std::move(name);
  for (const Sample& s : samples) {
    const double scale = std::max({std::fabs(s.analytic), std::fabs(s.central), floor});
    const double error = scale > 0 ? std::fabs(s.analytic - s.central) / scale : 0.0;  // 0: both exactly 0
    const double slack = options.bound * scale;
    const bool kink = error > options.bound && std::fabs(s.forward - s.backward) > slack &&
                      s.analytic >= std::min(s.forward, s.backward) - slack &&
                      s.analytic <= std::max(s.forward, s.backward) + slack;
    if (kink) {
      ++row.kinks;
      continue;
    }
    ++row.compared;
    row.mean_error += error;
    if (error >= row.max_error) row.max_error = error, row.worst_analytic = s.analytic, row.worst_numeric = s.central;
  }
  if (row.compared > 0) row.mean_error /= row.compared;
  // A check that compared too little is no check: at most a quarter of the pixels may be kinks.
  row.passed = row.max_error <= options.bound && 4 * row.kinks <= int(samples.size());
  return row;
}

}  // namespace

void evaluate_gradient(StyleObjective& objective, const Tensor& x, Tensor& gradient) {
  objective.evaluate(x, gradient);
}

GradientCheckReport check_gradient(StyleObjective& objective, const DoubleObjective& reference, const Tensor& x,
                                   const GradientCheckOptions& options, const AnalyticGradient& analytic) {
  NST_CHECK(options.pixels > 0, "gradcheck needs at least one pixel, got " << options.pixels);
  NST_CHECK(options.step > 0, "gradcheck needs a positive step, got " << options.step);
  const std::vector<TermId> terms = objective_terms(objective);
  const ObjectiveWeights weights = objective.weights();

  // Analytic gradients, each term alone and then J.
  std::vector<std::vector<float>> gradients;
  Tensor gradient(x.shape(), x.device());
  for (const TermId& term : terms) {
    objective.set_weights(weights_of_term_alone(weights, term));
    analytic(objective, x, gradient);
    gradients.push_back(gradient.to_host());
  }
  objective.set_weights(weights);
  analytic(objective, x, gradient);
  gradients.push_back(gradient.to_host());

  // Random pixels (with repeats allowed: a pixel checked twice costs time, nothing else).
  std::mt19937 rng(options.seed);
  std::uniform_int_distribution<std::int64_t> pick(0, x.numel() - 1);
  std::vector<std::int64_t> pixels(static_cast<std::size_t>(options.pixels));
  for (std::int64_t& k : pixels) k = pick(rng);

  // One-sided and central differences of every term at once, J in double: two forwards per pixel.
  const std::vector<float> x_host = x.to_host();
  std::vector<double> point(x_host.begin(), x_host.end());
  const int height = static_cast<int>(x.dim(2)), width = static_cast<int>(x.dim(3));
  const std::vector<double> at_x = with_total(reference.weighted_terms(point, height, width));
  const std::size_t rows = terms.size() + 1;
  std::vector<std::vector<Sample>> samples(rows);
  for (const std::int64_t k : pixels) {
    const double x_k = point[std::size_t(k)], h = options.step;
    point[std::size_t(k)] = x_k + h;
    const std::vector<double> up = with_total(reference.weighted_terms(point, height, width));
    point[std::size_t(k)] = x_k - h;
    const std::vector<double> down = with_total(reference.weighted_terms(point, height, width));
    point[std::size_t(k)] = x_k;
    for (std::size_t r = 0; r < rows; ++r)
      samples[r].push_back(
          {gradients[r][std::size_t(k)], (up[r] - down[r]) / (2 * h), (up[r] - at_x[r]) / h, (at_x[r] - down[r]) / h});
  }

  GradientCheckReport report;
  for (std::size_t r = 0; r < rows; ++r) {
    double largest = std::max(max_abs(gradients[r]), 1e-6 * max_abs(gradients.back()));
    for (const Sample& s : samples[r]) largest = std::max(largest, std::fabs(s.central));
    report.terms.push_back(
        compare(r < terms.size() ? term_name(terms[r]) : "total", samples[r], 1e-2 * largest, options));
  }
  report.passed = std::all_of(report.terms.begin(), report.terms.end(), [](const TermCheck& t) { return t.passed; });
  return report;
}

}  // namespace nst

#include "apps/gradcheck_command.h"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "apps/style_problem.h"
#include "weights/isolated_load.h"

namespace nst {

std::optional<GradcheckOptions> parse_gradcheck_options(int argc, char** argv, int& exit_code) {
  GradcheckOptions go;
  go.run.image_size = 32;  // each pixel costs two forwards: small by default
  CLI::App app{
      "nst gradcheck: checks dJ/dx at the initial image of the run these options describe against\n"
      "central finite differences through the real network, (J(x + h e_k) - J(x - h e_k)) / 2h with J\n"
      "summed in double, at --pixels random pixels, for each term of J and for J. Error per pixel:\n"
      "|analytic - numeric| / max(|analytic|, |numeric|, 1e-2 * the term's largest gradient entry).\n"
      "Exit status 0 when every term's largest error is within --bound, 2 when one is not.",
      "nst gradcheck"};
  ProblemOptions problem(app, go.run);
  app.add_option("--pixels", go.check.pixels, "Number of random pixels (channel, row, column) to check")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--step", go.check.step, "h of the central difference, in VGG input units (pixels span 0-255)")
      ->capture_default_str()
      ->check(CLI::Range(1e-3, 16.0));
  app.add_option("--bound", go.check.bound, "Largest relative error accepted")
      ->capture_default_str()
      ->check(CLI::Range(1e-9, 1.0));
  if (!problem.parse(argc, argv, exit_code)) return std::nullopt;
  go.check.seed = go.run.seed;
  return go;
}

int run_gradcheck_command(const GradcheckOptions& go) {
  StyleProblem problem = build_style_problem(go.run);
  if (go.run.conv_math == "tf32" && problem.device == Device::cuda)
    std::printf(
        "note: --conv-math tf32 rounds the convolutions to 10-bit mantissas: expect errors near 1e-3 and more\n");
  const Tensor x = initial_image(go.run, problem);
  std::printf("checking %d pixels, h = %g, bound %g\n", go.check.pixels, go.check.step, go.check.bound);
  std::fflush(stdout);
  const DoubleObjective reference(*problem.objective,
                                  load_vgg19_conv_weights_isolated(problem.weights_path, problem.net->depth()),
                                  go.run.pooling == "avg" ? ops::PoolKind::avg : ops::PoolKind::max, problem.content,
                                  problem.styles, problem.style_blend);
  const GradientCheckReport report = check_gradient(*problem.objective, reference, x, go.check);
  std::printf("\n%-16s %8s %6s %11s %11s %13s %13s\n", "term", "compared", "kinks", "max error", "mean error",
              "analytic", "numeric");
  for (const TermCheck& t : report.terms)
    std::printf("%-16s %8d %6d %11.3e %11.3e %13.6g %13.6g  %s\n", t.name.c_str(), t.compared, t.kinks, t.max_error,
                t.mean_error, t.worst_analytic, t.worst_numeric, t.passed ? "ok" : "FAILED");
  std::printf(
      "\nerror: |analytic - numeric| / max(|analytic|, |numeric|, 1e-2 * the term's largest gradient entry);\n"
      "analytic and numeric at the pixel of the largest error; kinks: pixels that miss the bound where a\n"
      "ReLU or max-pool switch within h explains it (the analytic value lies between the one-sided slopes).\n");
  std::printf("\ngradcheck %s: largest relative error %s %g\n", report.passed ? "passed" : "FAILED",
              report.passed ? "within" : "above", go.check.bound);
  return report.passed ? 0 : 2;
}

}  // namespace nst

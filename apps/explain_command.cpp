#include "apps/explain_command.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/explanation.h"
#include "apps/hdf5_writer.h"
#include "apps/output_checks.h"
#include "apps/style_problem.h"
#include "apps/version.h"
#include "engine/ops/gram.h"

namespace nst {

namespace {

// Every formula behind the dump's numbers, as docs/MATH.md states them (section 2).
constexpr const char* kNormalisation =
    "J = sum_c alpha_c*J_content^c + sum_l beta_l*J_style^l + gamma*TV; "
    "J_content^c = 1/2 sum (F^c - P^c)^2 with P^c = /targets/content/<layer>; "
    "J_style^l = sum (G^l - A^l)^2 / (2*C_l*M_l)^2 with G^l = F^l F^l^T over the M_l = H_l*W_l positions "
    "and A^l = /targets/gram/<layer> = sum_s w_s*G^l(style_s)*M_l/M_l^s (blend weights w_s normalised to sum 1); "
    "TV = 1/2 sum over the image of the squared differences of horizontal and vertical neighbours; "
    "alpha_c = 2*content_weight/(C*H*W at layer c); beta_l = beta*lambda_l = 4*style_weight*lambda_l/C_l^2 "
    "(lambda_l: --style-layer-weights); gamma = tv_weight; "
    "images in VGG's input space: BGR, 0-255, minus the mean pixel (103.939, 116.779, 123.68)";

std::vector<double> as_doubles(const std::vector<float>& values) { return {values.begin(), values.end()}; }

std::vector<std::string> tap_names(const std::vector<Tap>& taps) {
  std::vector<std::string> names;
  for (const Tap& tap : taps) names.push_back(tap.name);
  return names;
}

void print_table(const Explanation& e) {
  std::printf("\n%-8s %-8s %14s %14s %14s %14s\n", "term", "layer", "raw loss", "weight", "weighted", "|grad|");
  float sum = 0;
  for (const TermReport& t : e.terms) {
    std::printf("%-8s %-8s %14.6g %14.6g %14.6g %14.6g\n", kind_name(t.term.kind).c_str(),
                t.term.layer.empty() ? "-" : t.term.layer.c_str(), t.raw, t.weight, t.weighted, t.gradient_norm);
    sum += t.weighted;
  }
  std::printf("%-8s %-8s %14s %14s %14.6g %14.6g\n", "total", "", "", "", e.total, e.gradient_norm);
  std::printf(
      "\nweighted: the term as it enters J; |grad|: the 2-norm of its gradient with respect to the image.\n"
      "The weighted terms sum to %.9g (J %.9g, float rounding apart).\n",
      sum, e.total);
}

void write_dump(Hdf5Writer& out, const Options& o, const StyleProblem& p, const Tensor& x, const Explanation& e) {
  out.write("/input/content", p.content);
  for (std::size_t s = 0; s < p.styles.size(); ++s) out.write("/input/style/" + std::to_string(s), p.styles[s]);
  out.write("/input/image", x);
  std::vector<Tap> layers = p.content_taps;  // every layer J reads, each once
  for (const Tap& tap : p.style_taps)
    if (std::find(layers.begin(), layers.end(), tap) == layers.end()) layers.push_back(tap);
  for (const Tap& tap : layers) {
    out.write("/features/" + tap.name, p.net->activation(tap));
    out.write("/gram/" + tap.name, ops::gram(p.net->activation(tap), p.net->conv_math()));
  }
  const StyleObjective& objective = *p.objective;
  for (const auto& term : objective.content_terms()) out.write("/targets/content/" + term.tap.name, term.target);
  for (const auto& term : objective.style_terms()) out.write("/targets/gram/" + term.tap.name, term.target);
  for (const TermReport& t : e.terms) {
    const std::string kind = kind_name(t.term.kind);
    const std::string name = t.term.kind == TermKind::tv ? "/loss/tv" : "/loss/" + kind + "/" + t.term.layer;
    out.write_scalar(name, t.weighted);
  }
  out.write_scalar("/loss/total", e.total);
  out.write("/grad", e.gradient);

  out.attribute("content_weight", o.content_weight);
  out.attribute("style_weight", o.style_weight);
  out.attribute("tv_weight", o.tv_weight);
  out.attribute("style_layer_weights",
                as_doubles(p.user_weights.style_layers.empty() ? std::vector<float>(p.style_taps.size(), 1.0f)
                                                               : p.user_weights.style_layers));
  out.attribute("style_blend_weights", as_doubles(p.style_blend));
  out.attribute("alpha", as_doubles(p.weights.content));
  out.attribute("beta", as_doubles(p.weights.style));
  out.attribute("gamma", p.weights.tv);
  out.attribute("content_layers", tap_names(p.content_taps));
  out.attribute("style_layers", tap_names(p.style_taps));
  out.attribute("normalisation", kNormalisation);
  out.attribute("mean_pixel_bgr", std::vector<double>{103.939, 116.779, 123.68});
  out.attribute("commit", git_commit());
  out.attribute("content", o.content);
  out.attribute("styles", o.styles);
  out.attribute("weights", p.weights_path);
  out.attribute("init", o.init);
  out.attribute("seed", static_cast<double>(o.seed));
  out.attribute("image_size", static_cast<double>(o.image_size));
  out.attribute("style_scale", o.style_scale);
  out.attribute("pooling", o.pooling);
  out.attribute("device", p.device == Device::cuda ? "cuda" : "cpu");
  out.attribute("conv_math", p.device == Device::cuda ? o.conv_math : std::string("fp32"));  // the CPU's only math
  out.commit();
}

}  // namespace

std::optional<ExplainOptions> parse_explain_options(int argc, char** argv, int& exit_code) {
  ExplainOptions eo;
  CLI::App app{
      "nst explain: evaluates J once at the initial image of the run these options describe and prints,\n"
      "for each content layer, style layer and TV, its raw loss, its weight, its weighted loss and the\n"
      "2-norm of its weighted gradient, then J. --dump writes every tensor and number behind the table\n"
      "to HDF5 (docs/MATH.md, worked example).",
      "nst explain"};
  ProblemOptions problem(app, eo.run);
  app.add_option("--dump", eo.dump,
                 "Write inputs, features, Grams, targets, the weighted losses and dJ/dx to this HDF5 file");
  if (!problem.parse(argc, argv, exit_code)) return std::nullopt;
  return eo;
}

void run_explain_command(const ExplainOptions& eo) {
  std::optional<Hdf5Writer> dump;  // opened first: a dump that cannot be written fails before the work
  if (!eo.dump.empty()) {
    check_output_is_no_input(eo.run, "--dump", eo.dump);
    dump.emplace(eo.dump);
  }
  StyleProblem problem = build_style_problem(eo.run);
  const Tensor x = initial_image(eo.run, problem);
  const Explanation explanation = explain_objective(*problem.objective, x);
  print_table(explanation);
  if (dump) {
    write_dump(*dump, eo.run, problem, x, explanation);
    std::printf("wrote %s\n", eo.dump.c_str());
  }
}

}  // namespace nst

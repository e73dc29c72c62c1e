// nst gradcheck on the demo pair with the real partial weights: the engine's analytic gradient
// passes the stated bound (1e-3) on the CPU and, where there is a GPU, on CUDA; a gradient made
// wrong through the check's test hook (apps/gradient_check.h: the analytic gradient is a
// parameter) fails it, in the term that was made wrong; the command exits 2 above its bound.
#include <string>

#include <gtest/gtest.h>

#include "apps/gradient_check.h"
#include "apps/style_problem.h"
#include "engine/gpu.h"
#include "engine/ops/vector_ops.h"
#include "tests/support/run_nst.h"
#include "tests/support/shared_files.h"
#include "weights/vgg19_weights.h"

namespace nst::testing {
namespace {

Options demo_options(const std::string& weights, const std::string& content, const std::string& style) {
  Options o;
  o.content = content;
  o.styles = {style};
  o.weights = weights;
  o.image_size = 32;
  o.init = "random";
  o.seed = 5;
  o.device = "cpu";
  return o;
}

const TermCheck& row(const GradientCheckReport& report, const std::string& name) {
  for (const TermCheck& t : report.terms)
    if (t.name == name) return t;
  throw std::runtime_error("no row " + name);
}

// `scale` times the true gradient when only `term`'s weight is on, else the true gradient.
AnalyticGradient scaled_term(TermKind kind, std::size_t index, float scale) {
  return [=](StyleObjective& objective, const Tensor& x, Tensor& gradient) {
    objective.evaluate(x, gradient);
    const ObjectiveWeights& w = objective.weights();
    const bool alone = kind == TermKind::style ? w.style[index] != 0 && w.tv == 0 : w.tv != 0 && w.style[0] == 0;
    if (alone) ops::scale(gradient, scale);
  };
}

TEST(Gradcheck, PlantedWrongGradientsFailInTheirOwnTerm) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const Options o = demo_options(weights, content, style);
  StyleProblem problem = build_style_problem(o);
  const Tensor x = initial_image(o, problem);
  const DoubleObjective network(*problem.objective, load_vgg19_conv_weights(weights, problem.net->depth()),
                                ops::PoolKind::max, problem.content, problem.styles, problem.style_blend);
  GradientCheckOptions check;
  check.pixels = 6;

  // (The true gradient passing is the command's test below: the same function, the same problem.)
  // relu2_1's style gradient 1% too large: that row fails, the content row does not.
  const GradientCheckReport style_wrong =
      check_gradient(*problem.objective, network, x, check, scaled_term(TermKind::style, 1, 1.01f));
  EXPECT_FALSE(style_wrong.passed);
  EXPECT_FALSE(row(style_wrong, "style relu2_1").passed);
  EXPECT_GT(row(style_wrong, "style relu2_1").max_error, 5e-3);
  EXPECT_TRUE(row(style_wrong, "content relu4_1").passed);
  EXPECT_TRUE(row(style_wrong, "style relu1_1").passed);

  // The TV gradient forgotten (times 0).
  const GradientCheckReport tv_missing =
      check_gradient(*problem.objective, network, x, check, scaled_term(TermKind::tv, 0, 0.0f));
  EXPECT_FALSE(row(tv_missing, "tv").passed);
  EXPECT_TRUE(row(tv_missing, "style relu4_1").passed);
}

class GradcheckCommand : public ::testing::TestWithParam<const char*> {};

TEST_P(GradcheckCommand, PassesOnTheRealPartialWeights) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const std::string device = GetParam();
  if (device == "cuda" && !cuda_available()) GTEST_SKIP() << "no usable GPU: " << cuda_unavailable_reason();
  const NstOutcome o = run_nst_binary("gradcheck --content " + content + " --style " + style + " --weights " + weights +
                                      " --device " + device + " --pixels 6 --init random");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("gradcheck passed"), std::string::npos) << o.output;
  for (const char* term : {"content relu4_1", "style relu1_1", "style relu4_1", "tv", "total"})
    EXPECT_NE(o.output.find(term), std::string::npos) << term << " missing from\n" << o.output;
}

INSTANTIATE_TEST_SUITE_P(Devices, GradcheckCommand, ::testing::Values("cpu", "cuda"));

TEST(GradcheckCommandBound, ExitsTwoAboveTheBound) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  // Float32 gradients are good to about 1e-6, never to 1e-9.
  const NstOutcome o = run_nst_binary("gradcheck --content " + content + " --style " + content + " --weights " +
                                      weights + " --device cpu --pixels 2 --image-size 16 --init random --bound 1e-9");
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("gradcheck FAILED"), std::string::npos) << o.output;
}

}  // namespace
}  // namespace nst::testing

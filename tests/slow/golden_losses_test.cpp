// nst's first evaluation of a 32-px problem against numbers an independent implementation computed
// once: bench/pytorch_reference.py --losses (PyTorch in float64, its own HDF5 reading with h5py, its
// own preprocessing and loss definitions), stored in tests/golden/ with the command that made them
// (tests/golden/README.md). Self-comparisons (CPU against CUDA, a run against a rerun, a gradient
// against its own forward) cannot see a wrong weight layout, channel order, mean, loss
// normalisation or TV definition; this can.
//
// The problem: content tests/golden/tubingen_32.png (32×24), style starry_night_32.png (32×20),
// evaluated at x = golden_gate_32x24.png (so the content loss is not zero), nst's defaults (content
// relu4_1, style relu1_1…relu4_1 of the partial weights, content 5, style 100, tv 1e-3). The images
// already have the sizes nst resizes to, so no resampling enters the comparison.
//
// Tolerance: relative 1e-5 on each weighted term. nst computes in float32 (Winograd and im2col
// convolutions, Grams) and sums the losses in double: an activation of conv4_1 is a chain of 9 float
// dot products of ≤ 2304 terms, each erring by ~1e-7 relative (√K·6e-8, random signs), and a loss (a
// sum of squares of differences that do not cancel: the three images are unrelated) doubles that.
// Measured: at most 2.5e-7 (style relu1_1), so the bound leaves a 40-fold margin. A layout or
// normalisation error moves a term by far more (a flipped kernel or RGB for BGR: ≥ 1e-2; a factor
// in a weight: ≥ 2×; a mean off by one grey level in one channel: ≥ 1e-4).
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "apps/vgg_image.h"
#include "layers/loss_weights.h"
#include "layers/style_objective.h"
#include "layers/vgg19.h"
#include "tests/support/shared_files.h"

namespace nst::testing {
namespace {

const std::string kGoldenDir = std::string(NST_SOURCE_DIR) + "/tests/golden/";

// "name value" lines; lines starting with # are comments.
std::map<std::string, double> read_golden(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::map<std::string, double> values;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    double value = 0.0;
    EXPECT_TRUE(static_cast<bool>(fields >> name >> value)) << path << ": bad line '" << line << "'";
    values[name] = value;
  }
  return values;
}

Tensor golden_image(const std::string& name) { return to_vgg_input(read_image(kGoldenDir + name), Device::cpu); }

TEST(GoldenLosses, FirstEvaluationMatchesPyTorchInDouble) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  const std::map<std::string, double> golden = read_golden(kGoldenDir + "pytorch_losses_32px.txt");
  const std::vector<Tap> content_taps = parse_taps("relu4_1");
  const std::vector<Tap> style_taps = parse_taps("relu1_1,relu2_1,relu3_1,relu4_1");
  std::vector<Tap> taps = content_taps;
  taps.insert(taps.end(), style_taps.begin(), style_taps.end());
  Vgg19 net = Vgg19::from_file(weights, ops::PoolKind::max, Device::cpu, taps);
  const Tensor content = golden_image("tubingen_32.png");
  std::vector<Tensor> styles;
  styles.push_back(golden_image("starry_night_32.png"));
  const Tensor x = golden_image("golden_gate_32x24.png");
  ASSERT_EQ(x.shape(), content.shape());
  const ObjectiveWeights defaults =
      objective_weights(UserLossWeights{}, content_taps, style_taps, content.dim(2), content.dim(3));

  // J and its terms at x under `w`.
  Tensor gradient(x.shape(), Device::cpu);
  const auto losses_with = [&](const ObjectiveWeights& w) {
    StyleObjective objective(net, content_taps, style_taps, content, styles, {1.0f}, w);
    objective.evaluate(x, gradient);
    return objective.read_losses();
  };
  std::map<std::string, double> ours;
  const LossValues all = losses_with(defaults);
  ours["content"] = all.content;
  ours["tv"] = all.tv;
  ours["total"] = all.total;
  // One style layer at a time: every other weight zero.
  for (std::size_t l = 0; l < style_taps.size(); ++l) {
    ObjectiveWeights one{std::vector<float>(content_taps.size(), 0.0f), std::vector<float>(style_taps.size(), 0.0f),
                         0.0f};
    one.style[l] = defaults.style[l];
    ours["style_" + style_taps[l].name] = losses_with(one).style;
  }

  ASSERT_EQ(golden.size(), ours.size()) << "the golden file names other terms";
  for (const auto& [name, expected] : golden) {
    ASSERT_EQ(ours.count(name), 1u) << "nst has no term " << name;
    EXPECT_GT(expected, 0.0) << name;
    EXPECT_NEAR(ours[name], expected, 1e-5 * expected)
        << name << ": nst " << ours[name] << ", PyTorch (float64) " << expected << ", relative difference "
        << (ours[name] - expected) / expected;
  }
}

}  // namespace
}  // namespace nst::testing

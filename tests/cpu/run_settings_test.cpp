// What identifies a run for --resume (apps/run_settings.h): each option that shapes the objective,
// the steps or the output, the inputs' pixels and the weights' bytes — not where the files are,
// and not the options a resumed run may change.
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "apps/run_settings.h"
#include "tests/support/random.h"
#include "tests/support/scratch_dir.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

class RunSettingsTest : public ScratchDirTest {
 protected:
  void SetUp() override {
    options_.weights = write("weights.h5", "the weights' bytes");
    styles_.push_back(random_tensor({1, 3, 5, 7}, 2));
  }

  std::string write(const std::string& name, const std::string& bytes) {
    const std::string file = path(name);
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }
  RunSettings settings(const Options& o, Device device = Device::cpu) const {
    return run_settings(o, device, content_, styles_, parse_taps("relu4_1"), parse_taps("relu1_1,relu2_1"));
  }
  // The settings' keys whose values differ between a and b.
  static std::vector<std::string> differences(const RunSettings& a, const RunSettings& b) {
    std::vector<std::string> keys;
    EXPECT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      EXPECT_EQ(a[i].first, b[i].first);
      if (a[i].second != b[i].second) keys.push_back(a[i].first);
    }
    return keys;
  }

  Options options_;
  Tensor content_ = random_tensor({1, 3, 6, 8}, 1);
  std::vector<Tensor> styles_;
};

using Keys = std::vector<std::string>;

TEST_F(RunSettingsTest, NamesEveryOptionThatChangesTheRun) {
  const RunSettings base = settings(options_);
  const auto changed = [&](auto change) {
    Options o = options_;
    change(o);
    return differences(base, settings(o));
  };
  EXPECT_EQ(changed([](Options& o) { o.style_weight = 100.5f; }), Keys{"--style-weight"});
  EXPECT_EQ(changed([](Options& o) { o.content_weight = 1.0f; }), Keys{"--content-weight"});
  EXPECT_EQ(changed([](Options& o) { o.tv_weight = 0.0f; }), Keys{"--tv-weight"});
  EXPECT_EQ(changed([](Options& o) { o.style_layer_weights = {1.0f, 2.0f}; }), Keys{"--style-layer-weights"});
  EXPECT_EQ(changed([](Options& o) { o.style_blend_weights = {1.0f}; }), Keys{"--style-blend-weights"});
  EXPECT_EQ(changed([](Options& o) { o.pooling = "avg"; }), Keys{"--pooling"});
  EXPECT_EQ(changed([](Options& o) { o.original_colors = true; }), Keys{"--original-colors"});
  EXPECT_EQ(changed([](Options& o) { o.learning_rate = 1.0f; }), Keys{"--learning-rate"});
  EXPECT_EQ(changed([](Options& o) { o.lbfgs_history = 5; }), Keys{"--lbfgs-history"});
  EXPECT_EQ(differences(base, settings(options_, Device::cuda)), (Keys{"--device", "--conv-math"}));
  EXPECT_EQ(changed([](Options& o) { o.lbfgs_line_search = "strong-wolfe"; }), Keys{"--lbfgs-line-search"});
  EXPECT_EQ(changed([](Options& o) { o.pixel_bounds = "off"; }), Keys{"--pixel-bounds"});
  // The checkpoint holds the state of the image kept (the best so far, or the average): of one --keep.
  EXPECT_EQ(changed([](Options& o) { o.keep = "ema"; }), Keys{"--keep"});
  // Adam has no history and no line search: the settings are absent, not compared.
  Options adam = options_;
  adam.optimizer = "adam";
  EXPECT_EQ(settings(adam).size() + 2, base.size());
}

// On a GPU the conv math changes the bits of every step; the CPU computes in FP32 under any of them.
TEST_F(RunSettingsTest, ConvMathCountsOnTheGpuOnly) {
  Options tf32 = options_;
  tf32.conv_math = "tf32";
  EXPECT_EQ(differences(settings(options_, Device::cuda), settings(tf32, Device::cuda)), Keys{"--conv-math"});
  EXPECT_EQ(settings(tf32, Device::cpu), settings(options_, Device::cpu));
}

TEST_F(RunSettingsTest, OptionsAResumedRunMayChangeAreNotAmongThem) {
  Options o = options_;
  o.iterations = 5;
  o.init = "random";
  o.seed = 9;
  o.print_every = 1;
  o.save_every = 3;
  o.cuda_graph = true;
  o.max_evaluations = 40;  // where the run stops, like --iterations
  o.output = "elsewhere.png";
  o.content = "moved.jpg";
  o.styles = {"renamed.jpg"};
  EXPECT_EQ(settings(o), settings(options_));
}

TEST_F(RunSettingsTest, InputsAreTheirPixelsAndBytesNotTheirPaths) {
  const RunSettings base = settings(options_);
  Options copied = options_;
  copied.weights = write("copy.h5", "the weights' bytes");
  EXPECT_EQ(settings(copied), base);
  Options edited = options_;
  edited.weights = write("edited.h5", "the weights' bytez");
  EXPECT_EQ(differences(base, settings(edited)), Keys{"--weights"});

  std::vector<float> pixels = content_.to_host();
  pixels[17] += 1.0f;
  const Tensor original = std::move(content_);
  content_ = Tensor::from_host(original.shape(), pixels, Device::cpu);
  EXPECT_EQ(differences(base, settings(options_)), Keys{"--content"});
  content_ = original.clone();
  styles_[0] = random_tensor({1, 3, 5, 7}, 3);
  EXPECT_EQ(differences(base, settings(options_)), Keys{"--style"});
}

}  // namespace
}  // namespace nst::testing

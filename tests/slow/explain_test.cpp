// nst explain on the demo pair with the real partial weights (48 px, random init so that every
// term is non-zero): the dump holds exactly the datasets issue 12 lists, with their shapes and the
// root attributes; its weighted terms sum to its total; and every number in it can be recomputed
// from the dump alone, as another program would (Grams from features, losses from Grams, targets,
// features and the image, α and β from the user's weights).
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/run_nst.h"
#include "tests/support/shared_files.h"
#include "weights/hdf5_read.h"
#include "weights/vgg19_spec.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

using Shapes = std::map<std::string, Shape>;

// Every dataset in the file, by its full name, with its shape (rank 0 for a scalar).
herr_t collect_dataset(hid_t object, const char* name, const H5O_info_t* info, void* shapes_pointer) {
  if (info->type != H5O_TYPE_DATASET) return 0;
  const Hdf5Handle dataset(H5Dopen2(object, name, H5P_DEFAULT), H5Dclose);
  const Hdf5Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  (*static_cast<Shapes*>(shapes_pointer))["/" + std::string(name)] = Shape(dims.begin(), dims.end());
  return 0;
}

std::vector<double> double_attribute(hid_t file, const std::string& name) {
  const Hdf5Handle attribute(H5Aopen(file, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) return {};
  const Hdf5Handle space(H5Aget_space(attribute.get()), H5Sclose);
  std::vector<double> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
  H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, values.data());
  return values;
}

// The demo pair at 48 px (48×36): C, H, W at each layer of the partial weights' defaults.
struct Layer {
  std::string name;
  std::int64_t channels, height, width;
};
const std::vector<Layer> kStyleLayers{
    {"relu1_1", 64, 36, 48}, {"relu2_1", 128, 18, 24}, {"relu3_1", 256, 9, 12}, {"relu4_1", 512, 4, 6}};
const Layer kContentLayer = kStyleLayers.back();

class ExplainDump : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    weights_ = shared_file("weights/vgg19_partial_notop.h5");
    const std::string content = shared_file("images/tubingen.jpg"), style = shared_file("images/starry_night.jpg");
    if (weights_.empty() || content.empty() || style.empty()) return;
    dir_ = fs::temp_directory_path() / ("nst_explain_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    dump_ = (dir_ / "dump.h5").string();
    outcome_ = run_nst_binary("explain --content " + content + " --style " + style + " --weights " + weights_ +
                              " --image-size 48 --init random --seed 3 --device cpu --dump " + dump_);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  void SetUp() override {
    if (weights_.empty()) GTEST_SKIP() << "needs " << shared_dir() << "/weights and images";
    ASSERT_EQ(outcome_.exit_code, 0) << outcome_.output;
    file_ = open_hdf5_file(dump_);
  }
  std::vector<float> read(const std::string& name, const Shape& shape) {
    return read_float32_dataset(file_.get(), name, shape, dump_, name);
  }
  double scalar(const std::string& name) { return read(name, {})[0]; }

  static inline std::string weights_, dump_;
  static inline fs::path dir_;
  static inline NstOutcome outcome_;
  Hdf5Handle file_;
};

TEST_F(ExplainDump, HoldsExactlyTheListedDatasetsWithTheirShapes) {
  Shapes expected{{"/input/content", {1, 3, 36, 48}},
                  {"/input/style/0", {1, 3, 30, 48}},
                  {"/input/image", {1, 3, 36, 48}},
                  {"/grad", {1, 3, 36, 48}},
                  {"/loss/tv", {}},
                  {"/loss/total", {}}};
  for (const Layer& l : kStyleLayers) {
    expected["/features/" + l.name] = {1, l.channels, l.height, l.width};
    expected["/gram/" + l.name] = {1, l.channels, l.channels};
    expected["/targets/gram/" + l.name] = {1, l.channels, l.channels};
    expected["/loss/style/" + l.name] = {};
  }
  expected["/targets/content/" + kContentLayer.name] = {1, kContentLayer.channels, kContentLayer.height,
                                                        kContentLayer.width};
  expected["/loss/content/" + kContentLayer.name] = {};
  Shapes found;
  ASSERT_GE(H5Ovisit2(file_.get(), H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &found, H5O_INFO_BASIC), 0);
  EXPECT_EQ(found, expected);

  // Every dataset is float32.
  for (const auto& [name, shape] : expected) EXPECT_NO_THROW(read(name, shape)) << name;
}

TEST_F(ExplainDump, HasTheRootAttributes) {
  EXPECT_EQ(read_string_list_attribute(file_.get(), "content_layers", dump_, "/"),
            std::vector<std::string>{kContentLayer.name});
  EXPECT_EQ(read_string_list_attribute(file_.get(), "style_layers", dump_, "/"),
            (std::vector<std::string>{"relu1_1", "relu2_1", "relu3_1", "relu4_1"}));
  const std::string commit = read_string_list_attribute(file_.get(), "commit", dump_, "/").at(0);
  EXPECT_TRUE(std::regex_match(commit, std::regex("[0-9a-f]{12}(-dirty)?|unknown"))) << commit;
  EXPECT_EQ(read_string_list_attribute(file_.get(), "device", dump_, "/"), std::vector<std::string>{"cpu"});
  // The CPU computes in FP32 whatever --conv-math says (the default, 3xtf32, is a GPU's).
  EXPECT_EQ(read_string_list_attribute(file_.get(), "conv_math", dump_, "/"), std::vector<std::string>{"fp32"});
  EXPECT_NE(read_string_list_attribute(file_.get(), "normalisation", dump_, "/").at(0).find("J_style^l"),
            std::string::npos);
  for (const char* name : {"content_weight", "style_weight", "tv_weight", "gamma", "seed", "image_size"})
    EXPECT_EQ(double_attribute(file_.get(), name).size(), 1u) << name;
  EXPECT_EQ(double_attribute(file_.get(), "style_layer_weights"), std::vector<double>(4, 1.0));
  EXPECT_EQ(double_attribute(file_.get(), "style_blend_weights"), std::vector<double>{1.0});
  EXPECT_EQ(double_attribute(file_.get(), "mean_pixel_bgr").size(), 3u);

  // α_c = 2·content_weight/(C·H·W), β_l = β·λ_l = 4·style_weight·λ_l/C², γ = tv_weight (loss_weights.h),
  // as float32 values: relative 1e-7.
  const double content_weight = double_attribute(file_.get(), "content_weight").at(0);
  const double style_weight = double_attribute(file_.get(), "style_weight").at(0);
  const std::vector<double> alpha = double_attribute(file_.get(), "alpha");
  const std::vector<double> beta = double_attribute(file_.get(), "beta");
  ASSERT_EQ(alpha.size(), 1u);
  ASSERT_EQ(beta.size(), kStyleLayers.size());
  const Layer& c = kContentLayer;
  EXPECT_NEAR(alpha[0], 2 * content_weight / double(c.channels * c.height * c.width), 1e-7 * alpha[0]);
  for (std::size_t l = 0; l < kStyleLayers.size(); ++l) {
    const double channels = double(kStyleLayers[l].channels);
    EXPECT_NEAR(beta[l], 4 * style_weight / (channels * channels), 1e-7 * beta[l]) << kStyleLayers[l].name;
  }
  EXPECT_EQ(double_attribute(file_.get(), "gamma"), double_attribute(file_.get(), "tv_weight"));
}

TEST_F(ExplainDump, WeightedTermsSumToTheTotal) {
  double sum = scalar("/loss/content/" + kContentLayer.name) + scalar("/loss/tv");
  for (const Layer& l : kStyleLayers) sum += scalar("/loss/style/" + l.name);
  // J is summed in float32 from these six terms: at most six roundings of 2^-24 each.
  const double total = scalar("/loss/total");
  EXPECT_GT(total, 0.0);
  EXPECT_NEAR(sum, total, 1e-6 * total);
  // The table prints the same total.
  char printed[64];
  std::snprintf(printed, sizeof printed, "%.6g", total);
  EXPECT_NE(outcome_.output.find(printed), std::string::npos) << outcome_.output;
}

// Σ_i (a_i − b_i)² in double.
double squared_distance(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return s;
}

TEST_F(ExplainDump, EveryTermRecomputesFromTheDump) {
  const std::vector<double> alpha = double_attribute(file_.get(), "alpha");
  const std::vector<double> beta = double_attribute(file_.get(), "beta");
  const double gamma = double_attribute(file_.get(), "gamma").at(0);
  // The device sums these losses in float32 over up to 1e5 terms (ordered, pairwise): relative 1e-4
  // is far above their rounding, far below any missing factor.
  constexpr double kTolerance = 1e-4;
  for (std::size_t l = 0; l < kStyleLayers.size(); ++l) {
    const Layer& s = kStyleLayers[l];
    const std::int64_t m = s.height * s.width;
    const std::vector<float> f = read("/features/" + s.name, {1, s.channels, s.height, s.width});
    const std::vector<float> g = read("/gram/" + s.name, {1, s.channels, s.channels});
    const std::vector<float> a = read("/targets/gram/" + s.name, {1, s.channels, s.channels});
    // G = F·Fᵀ, checked on its largest entry's scale.
    double worst = 0, largest = 0;
    for (std::int64_t i = 0; i < s.channels; ++i)
      for (std::int64_t j = 0; j < s.channels; ++j) {
        double dot = 0;
        for (std::int64_t k = 0; k < m; ++k) dot += double(f[i * m + k]) * f[j * m + k];
        worst = std::max(worst, std::fabs(dot - g[i * s.channels + j]));
        largest = std::max(largest, std::fabs(dot));
      }
    EXPECT_LE(worst, 1e-5 * largest) << s.name;
    const double two_cm = 2.0 * double(s.channels) * double(m);
    const double style = beta[l] * squared_distance(g, a) / (two_cm * two_cm);
    EXPECT_NEAR(scalar("/loss/style/" + s.name), style, kTolerance * style) << s.name;
  }
  const Layer& c = kContentLayer;
  const Shape content_shape{1, c.channels, c.height, c.width};
  const double content =
      alpha[0] * 0.5 *
      squared_distance(read("/features/" + c.name, content_shape), read("/targets/content/" + c.name, content_shape));
  EXPECT_GT(content, 0.0);
  EXPECT_NEAR(scalar("/loss/content/" + c.name), content, kTolerance * content);

  const std::vector<float> x = read("/input/image", {1, 3, 36, 48});
  double tv = 0;
  for (int ch = 0; ch < 3; ++ch)
    for (int i = 0; i < 36; ++i)
      for (int j = 0; j < 48; ++j) {
        const auto at = [&](int r, int q) { return double(x[std::size_t((ch * 36 + r) * 48 + q)]); };
        if (j + 1 < 48) tv += 0.5 * (at(i, j + 1) - at(i, j)) * (at(i, j + 1) - at(i, j));
        if (i + 1 < 36) tv += 0.5 * (at(i + 1, j) - at(i, j)) * (at(i + 1, j) - at(i, j));
      }
  EXPECT_NEAR(scalar("/loss/tv"), gamma * tv, kTolerance * gamma * tv);
}

TEST(ExplainCommand, DumpThatCannotBeWrittenFailsBeforeTheWorkAndWritesNothing) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  const std::string common = "explain --content " + content + " --style " + content + " --weights " + weights;
  const NstOutcome no_folder = run_nst_binary(common + " --dump /nonexistent_nst_folder/d.h5");
  EXPECT_EQ(no_folder.exit_code, 1);
  EXPECT_NE(no_folder.output.find("/nonexistent_nst_folder does not exist"), std::string::npos) << no_folder.output;
  EXPECT_EQ(no_folder.output.find("device:"), std::string::npos) << "the work started: " << no_folder.output;

  const NstOutcome over_weights = run_nst_binary(common + " --dump " + weights);
  EXPECT_EQ(over_weights.exit_code, 1);
  EXPECT_NE(over_weights.output.find("is the same file as --weights"), std::string::npos) << over_weights.output;
}

}  // namespace
}  // namespace nst::testing

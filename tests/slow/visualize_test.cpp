// nst visualize through the binary, with the real partial weights: a layer's feature grid, its
// Gram heat map, and the loss plot of a short run's --loss-log are valid PNGs of the expected
// sizes; a run's loss log has one row per iteration; bad requests fail with a clear message and
// write nothing.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "apps/figures.h"
#include "apps/image.h"
#include "apps/loss_log.h"
#include "tests/support/run_nst.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/shared_files.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

class Visualize : public ScratchDirTest {
 protected:
  // The PNG signature, then a decodable image.
  static Image read_png(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    char signature[8] = {};
    in.read(signature, 8);
    EXPECT_EQ(std::string(signature, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << file;
    return read_image(file);
  }
};

TEST_F(Visualize, FeatureGridAndGramHeatMapAreValidPngs) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  // 64 px: 64×48, relu3_1 is 256 maps of 16×12, drawn 3× in a 16×16 grid.
  const std::string common = "visualize --image " + content + " --layer relu3_1 --weights " + weights +
                             " --image-size 64 --device cpu --output ";
  const NstOutcome grid = run_nst_binary(common + path("grid.png"));
  ASSERT_EQ(grid.exit_code, 0) << grid.output;
  const Image g = read_png(path("grid.png"));
  EXPECT_EQ(g.width, 16 * (16 * 3 + 2) + 2);
  EXPECT_EQ(g.height, 16 * (12 * 3 + 2) + 2);

  const NstOutcome gram = run_nst_binary(common + path("gram.png") + " --gram");
  ASSERT_EQ(gram.exit_code, 0) << gram.output;
  const Image h = read_png(path("gram.png"));
  EXPECT_EQ(h.height, 12 + 256 * 2 + 12);  // 2-px cells for 256 channels
  EXPECT_GT(h.width, h.height) << "the colour bar and its labels beside the map";
}

TEST_F(Visualize, LossPlotOfARunsLossLog) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  // 5 iterations: at 32 px L-BFGS's third step overshoots (J 5e10 after it, from 9e8), and only the
  // fifth evaluation is below the first.
  const NstOutcome run = run_nst_binary("--content " + content + " --style " + style + " --weights " + weights +
                                        " --image-size 32 --iterations 5 --device cpu --output " + path("o.png") +
                                        " --loss-log " + path("run.csv"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::vector<LossRow> rows = read_loss_log(path("run.csv"));
  ASSERT_EQ(rows.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rows[std::size_t(i)].iteration, i + 1);
  EXPECT_GT(rows[0].losses.total, rows[4].losses.total) << "the run lowers J";

  const NstOutcome plot = run_nst_binary("visualize --loss-plot " + path("run.csv") + " --output " + path("plot.png"));
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  const Image p = read_png(path("plot.png"));
  EXPECT_EQ(p.width, 760);
  EXPECT_EQ(p.height, 460);
}

TEST_F(Visualize, BadRequestsFailClearlyAndWriteNothing) {
  const NstOutcome nothing = run_nst_binary("visualize --output " + path("x.png"));
  EXPECT_NE(nothing.exit_code, 0);
  EXPECT_NE(nothing.output.find("--loss-plot"), std::string::npos) << nothing.output;

  const NstOutcome both =
      run_nst_binary("visualize --loss-plot a.csv --image b.jpg --layer relu1_1 --output " + path("x.png"));
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.output.find("excludes"), std::string::npos) << both.output;

  const NstOutcome jpeg = run_nst_binary("visualize --loss-plot a.csv --output " + path("x.jpg"));
  EXPECT_EQ(jpeg.exit_code, 1);
  EXPECT_NE(jpeg.output.find("must end in .png"), std::string::npos) << jpeg.output;

  std::ofstream(path("bad.csv")) << "not a log\n";
  const NstOutcome bad_log = run_nst_binary("visualize --loss-plot " + path("bad.csv") + " --output " + path("x.png"));
  EXPECT_EQ(bad_log.exit_code, 1);
  EXPECT_NE(bad_log.output.find(path("bad.csv") + ": line 1"), std::string::npos) << bad_log.output;
  EXPECT_FALSE(fs::exists(path("x.png")));
  EXPECT_FALSE(fs::exists(path("x.jpg")));
}

}  // namespace
}  // namespace nst::testing

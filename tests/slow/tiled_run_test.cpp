// nst run in tiles from the command line (issue 10 item 2): a 2×2-tile run of the demo pair at
// 64 px writes a valid PNG of the content's size whose whole-image J (nst explain --init on it) is
// below the content's; a zero-iteration tiled run writes the same image as an untiled one, byte for
// byte; a run that cannot fit even in tiles is refused before it starts.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "tests/support/run_nst.h"
#include "tests/support/shared_files.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// J as nst explain prints it: "The weighted terms sum to X (J X, …".
double explained_objective(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex("\\(J ([0-9.e+-]+)"))) return -1;
  return std::stod(m[1]);
}

class TiledRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nst_tiled_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(TiledRun, TwoByTwoTilesLowerTheLossAndWriteAValidPng) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  // relu2_1 at the deepest: stride 2, margin 10 px, so 64×48 px in cores of 32 is 2×2 tiles.
  const std::string problem = "--content " + content + " --style " + style + " --weights " + weights +
                              " --image-size 64 --content-layers relu2_1 --style-layers relu1_1,relu2_1 --device cpu";
  const NstOutcome run =
      run_nst_binary(problem + " --tile-size 32 --tile-passes 2 --iterations 10 -o " + path("tiled.png"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("optimised in 4 tiles"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("pass 2/2, tile 1/4"), std::string::npos) << run.output;
  const Image written = read_image(path("tiled.png"));
  EXPECT_EQ(written.width, 64);
  EXPECT_EQ(written.height, 48);

  const double before = explained_objective(run_nst_binary("explain " + problem).output);
  const NstOutcome after_run = run_nst_binary("explain " + problem + " --init " + path("tiled.png"));
  const double after = explained_objective(after_run.output);
  ASSERT_GT(before, 0) << "no J in nst explain's output";
  ASSERT_GT(after, 0) << after_run.output;
  std::printf("whole-image J: content %g, after 2 passes over 2x2 tiles %g\n", before, after);
  EXPECT_LT(after, 0.5 * before);
}

// Coarse to fine with tiles: scale 1 (32×24) in one tile, scale 2 (64×48) in 2×2, started from
// scale 1's result upsampled; the whole-image J at the end is below the content's.
TEST_F(TiledRun, TwoScalesWithTwoByTwoTilesLowerTheLoss) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const std::string problem = "--content " + content + " --style " + style + " --weights " + weights +
                              " --image-size 64 --content-layers relu2_1 --style-layers relu1_1,relu2_1 --device cpu";
  const NstOutcome run =
      run_nst_binary(problem + " --scales 2 --tile-size 32 --tile-passes 2 --iterations 10 -o " + path("tiled.png"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("scale 1/2 (32x24) tiles: 1,"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("scale 2/2 (64x48) tiles: 4,"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("scale 2/2 (64x48) pass 2/2, tile 1/4"), std::string::npos) << run.output;
  const Image written = read_image(path("tiled.png"));
  EXPECT_EQ(written.width, 64);
  EXPECT_EQ(written.height, 48);
  const double before = explained_objective(run_nst_binary("explain " + problem).output);
  const double after =
      explained_objective(run_nst_binary("explain " + problem + " --init " + path("tiled.png")).output);
  ASSERT_GT(before, 0);
  ASSERT_GT(after, 0);
  std::printf("whole-image J: content %g, after 2 scales, the second in 2x2 tiles %g\n", before, after);
  EXPECT_LT(after, 0.5 * before);
}

TEST_F(TiledRun, ZeroIterationsWriteTheUntiledImage) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  const std::string problem = "--content " + content + " --style " + content + " --weights " + weights +
                              " --image-size 80 --content-layers relu2_1 --style-layers relu1_1,relu2_1 "
                              "--device cpu --iterations 0";
  const NstOutcome tiled = run_nst_binary(problem + " --tile-size 16 -o " + path("tiled.png"));
  ASSERT_EQ(tiled.exit_code, 0) << tiled.output;
  EXPECT_NE(tiled.output.find("optimised in 20 tiles"), std::string::npos) << "80x60 in cores of 16, 5x4:\n"
                                                                           << tiled.output;
  const NstOutcome whole = run_nst_binary(problem + " -o " + path("whole.png"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_EQ(file_bytes(path("tiled.png")), file_bytes(path("whole.png")));
}

TEST_F(TiledRun, RunThatFitsNotEvenInTilesIsRefused) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  const NstOutcome o = run_nst_binary("--content " + content + " --style " + content + " --weights " + weights +
                                      " --image-size 256 --device cpu --max-memory 2M -o " + path("o.png"));
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("but the limit is 2.0 MiB (--max-memory 2M), not even in the smallest tiles"),
            std::string::npos)
      << o.output;
  EXPECT_FALSE(fs::exists(path("o.png")));
  const NstOutcome bad =
      run_nst_binary("--content " + content + " --style " + content + " --max-memory 12X -o " + path("o.png"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("'12X' has an unknown unit"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace nst::testing

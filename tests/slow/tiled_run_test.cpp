// nst run in tiles from the command line (issue 10 item 2): a 2×2-tile run of the demo pair at
// 64 px writes a valid PNG of the content's size whose whole-image J (nst explain --init on it) is
// below the content's; a zero-iteration tiled run writes the same image as an untiled one, byte for
// byte; a run that cannot fit even in tiles is refused before it starts; a run resumed from the
// checkpoint of a pass writes the bytes of the run that never stopped, and only into the same tiles.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "apps/loss_log.h"
#include "layers/checkpoint.h"
#include "tests/support/run_nst.h"
#include "tests/support/scratch_dir.h"
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

class TiledRun : public ScratchDirTest {
 protected:
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

// --loss-log in tiles: a row per pass, J of the whole image before it (iterations 1, 6, 11 for 3
// passes of 5), the first the untiled run's J of the same initial image (within 1e-5: sums in
// other orders), falling pass by pass.
TEST_F(TiledRun, LossLogHasARowPerPassFromTheWholeImagesJ) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const std::string problem = "--content " + content + " --style " + style + " --weights " + weights +
                              " --image-size 64 --content-layers relu2_1 --style-layers relu1_1,relu2_1 --device cpu";
  const NstOutcome tiled = run_nst_binary(problem + " --tile-size 32 --tile-passes 3 --iterations 15 -o " +
                                          path("t.png") + " --loss-log " + path("t.csv"));
  ASSERT_EQ(tiled.exit_code, 0) << tiled.output;
  EXPECT_NE(tiled.output.find("J after 3 of 3 passes: total "), std::string::npos) << tiled.output;
  const NstOutcome whole =
      run_nst_binary(problem + " --iterations 1 -o " + path("w.png") + " --loss-log " + path("w.csv"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  const std::vector<LossRow> rows = read_loss_log(path("t.csv")), first = read_loss_log(path("w.csv"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].iteration, 1);
  EXPECT_EQ(rows[1].iteration, 6);
  EXPECT_EQ(rows[2].iteration, 11);
  const LossValues& a = rows[0].losses;
  const LossValues& b = first[0].losses;
  EXPECT_NEAR(a.total, b.total, 1e-5 * b.total);
  EXPECT_NEAR(a.content, b.content, 1e-5 * b.total);
  EXPECT_NEAR(a.style, b.style, 1e-5 * b.style);
  EXPECT_NEAR(a.tv, b.tv, 1e-5 * b.tv);
  EXPECT_LT(rows[1].losses.total, rows[0].losses.total);
  EXPECT_LT(rows[2].losses.total, rows[1].losses.total);
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

// 2×2 tiles, --save-every 5 with 5 iterations per visit: a checkpoint at the end of each pass but
// the last. Resumed after pass 1 (pass 2 visits the tiles in reverse) and after pass 2 of 3 (the
// state of pass 1 removed once pass 2's is whole), the output is the uninterrupted run's, byte for byte.
TEST_F(TiledRun, ResumedFromAPassCheckpointItWritesTheUninterruptedRunsBytes) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  for (const int passes : {2, 3}) {
    const std::string tag = std::to_string(passes);
    const std::string run = "--content " + content + " --style " + style + " --weights " + weights +
                            " --image-size 64 --content-layers relu2_1 --style-layers relu1_1,relu2_1 --device cpu"
                            " --tile-size 32 --save-every 5 --tile-passes " +
                            tag + " --iterations " + std::to_string(5 * passes);
    const NstOutcome whole = run_nst_binary(run + " -o " + path("u" + tag + ".png"));
    ASSERT_EQ(whole.exit_code, 0) << whole.output;
    const int last = 5 * (passes - 1);  // the iteration of the last pass checkpointed
    const std::string state = path("u" + tag + "_" + std::to_string(last) + ".nstate");
    ASSERT_TRUE(fs::exists(state)) << whole.output;
    EXPECT_TRUE(fs::exists(path("u" + tag + "_5.png")));
    EXPECT_EQ(fs::exists(path("u" + tag + "_5.nstate")), passes == 2) << "only the latest state is kept";
    const Checkpoint saved = read_checkpoint(state);
    EXPECT_EQ(saved.optimizer.optimizer, "tiles");
    EXPECT_EQ(saved.optimizer.scalar("passes_done"), passes - 1);

    const NstOutcome resumed = run_nst_binary(run + " -o " + path("r" + tag + ".png") + " --resume " + state);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find("resuming after pass " + std::to_string(passes - 1) + "/" + tag), std::string::npos)
        << resumed.output;
    EXPECT_EQ(resumed.output.find("pass 1/" + tag + ","), std::string::npos) << "pass 1 again:\n" << resumed.output;
    EXPECT_EQ(file_bytes(path("r" + tag + ".png")), file_bytes(path("u" + tag + ".png")));
    // The last pass did move the image: equal outputs would also come from a resumed run standing still.
    EXPECT_NE(read_image(path("u" + tag + ".png")).rgb,
              read_image(path("u" + tag + "_" + std::to_string(last) + ".png")).rgb);
  }
}

// A tiled checkpoint continues only into the tiles that saved it, refused before any output.
TEST_F(TiledRun, TiledCheckpointIsRefusedByOtherTilesOrAWholeScale) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  const std::string run = "--content " + content + " --style " + content + " --weights " + weights +
                          " --image-size 64 --content-layers relu2_1 --style-layers relu1_1,relu2_1 --device cpu"
                          " --save-every 2 --iterations 4";
  const NstOutcome saved = run_nst_binary(run + " --tile-size 32 --tile-passes 2 -o " + path("s.png"));
  ASSERT_EQ(saved.exit_code, 0) << saved.output;
  const std::string resume = " -o " + path("o.png") + " --resume " + path("s_2.nstate");
  const NstOutcome whole = run_nst_binary(run + " --tile-passes 2" + resume);
  EXPECT_EQ(whole.exit_code, 1) << whole.output;
  EXPECT_NE(whole.output.find("s_2.nstate was saved in tiles, and this run optimises it whole"), std::string::npos)
      << whole.output;
  const NstOutcome smaller = run_nst_binary(run + " --tile-size 16 --tile-passes 2" + resume);
  EXPECT_EQ(smaller.exit_code, 1) << smaller.output;
  EXPECT_NE(smaller.output.find("tiles state: core 32, this run has 16"), std::string::npos) << smaller.output;
  const NstOutcome more = run_nst_binary(run + " --tile-size 32 --tile-passes 4" + resume);
  EXPECT_EQ(more.exit_code, 1) << more.output;
  EXPECT_NE(more.output.find("tiles state: passes 2, this run has 4"), std::string::npos) << more.output;
  // And a checkpoint of a whole scale is refused by a tiled one.
  const NstOutcome untiled = run_nst_binary(run + " -o " + path("w.png"));
  ASSERT_EQ(untiled.exit_code, 0) << untiled.output;
  const NstOutcome into_tiles =
      run_nst_binary(run + " --tile-size 32 -o " + path("o.png") + " --resume " + path("w_2.nstate"));
  EXPECT_EQ(into_tiles.exit_code, 1) << into_tiles.output;
  EXPECT_NE(into_tiles.output.find("w_2.nstate was saved with the scale whole, and this run optimises it in tiles"),
            std::string::npos)
      << into_tiles.output;
  EXPECT_FALSE(fs::exists(path("o.png")));
}

}  // namespace
}  // namespace nst::testing

// nst compare through the binary: its numbers for two PNGs whose difference is known, --min-psnr's
// exit status on both sides of the bound, and clear failures (a missing file, images of different
// sizes) that name the files.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "tests/support/expect_mentions.h"
#include "tests/support/run_nst.h"
#include "tests/support/scratch_dir.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

class Compare : public ScratchDirTest {
 protected:
};

// A 10×10 grey image of value 100, and the same with pixel (7, 3)'s blue 20 levels up:
// MSE = 400 / 300, PSNR = 10·log10(255² · 300 / 400) = 46.88 dB, mean |difference| 20 / 300.
TEST_F(Compare, PrintsPsnrMeanAndLargestDifference) {
  Image a{10, 10, std::vector<float>(300, 100.0f)};
  Image b = a;
  b.rgb[(3 * 10 + 7) * 3 + 2] = 120;
  write_image(a, path("a.png"));
  write_image(b, path("b.png"));
  const NstOutcome o = run_nst_binary("compare " + path("a.png") + " " + path("b.png"));
  ASSERT_EQ(o.exit_code, 0) << o.output;
  expect_mentions(o.output, {"(10x10)", "PSNR 46.88 dB", "mean |difference| 0.06667 levels",
                             "largest |difference| 20 levels, blue of pixel (7, 3)"});

  const NstOutcome same = run_nst_binary("compare " + path("a.png") + " " + path("a.png") + " --min-psnr 100");
  EXPECT_EQ(same.exit_code, 0) << same.output;
  expect_mentions(same.output, {"PSNR inf dB", "identical"});
}

TEST_F(Compare, MinPsnrSetsTheExitStatus) {
  Image a{10, 10, std::vector<float>(300, 100.0f)};
  Image b = a;
  b.rgb[0] = 120;  // 46.88 dB, as above
  write_image(a, path("a.png"));
  write_image(b, path("b.png"));
  const std::string both = "compare " + path("a.png") + " " + path("b.png");
  EXPECT_EQ(run_nst_binary(both + " --min-psnr 46.8").exit_code, 0);
  const NstOutcome below = run_nst_binary(both + " --min-psnr 47");
  EXPECT_EQ(below.exit_code, 2) << below.output;
  expect_mentions(below.output, {"below --min-psnr 47 dB"});
}

TEST_F(Compare, MissingFilesAndDifferentSizesAreNamedErrors) {
  write_image(Image{4, 3, std::vector<float>(36, 50.0f)}, path("small.png"));
  write_image(Image{3, 4, std::vector<float>(36, 50.0f)}, path("tall.png"));
  const NstOutcome missing = run_nst_binary("compare " + path("small.png") + " " + path("absent.png"));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  expect_mentions(missing.output, {"nst: error:", path("absent.png")});
  const NstOutcome sizes = run_nst_binary("compare " + path("small.png") + " " + path("tall.png"));
  EXPECT_EQ(sizes.exit_code, 1) << sizes.output;
  expect_mentions(sizes.output, {path("small.png") + " is 4x3", path("tall.png") + " is 3x4", "same size"});
  EXPECT_NE(run_nst_binary("compare " + path("small.png")).exit_code, 0) << "two images are required";
}

}  // namespace
}  // namespace nst::testing

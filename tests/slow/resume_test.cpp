// --save-every's state files and --resume, through the nst command line with the real (partial)
// weights at 32 px on the CPU. A run resumed from the state saved at iteration 2 must reach the
// state an uninterrupted run has at iteration 6 bit for bit — the float image and every optimizer
// tensor and scalar — and the same final image; a state file that is corrupt, truncated or of a
// run with other settings is refused, naming the file and the difference, before anything is
// written.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "layers/checkpoint.h"
#include "tests/support/compare.h"
#include "tests/support/run_nst.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/shared_files.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

using Outcome = NstOutcome;

Outcome run_nst(const std::string& arguments) { return run_nst_binary(arguments); }

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Whether two checkpoints hold the same iteration, image and optimizer state, bit for bit; on
// failure, the first part that differs.
::testing::AssertionResult same_state(const Checkpoint& a, const Checkpoint& b) {
  if (a.iteration != b.iteration)
    return ::testing::AssertionFailure() << "iterations " << a.iteration << ", " << b.iteration;
  if (a.image.shape() != b.image.shape() || a.image.to_host() != b.image.to_host())
    return ::testing::AssertionFailure() << "the images differ: "
                                         << all_equal(a.image.to_host(), b.image.to_host()).message();
  if (a.optimizer.optimizer != b.optimizer.optimizer) return ::testing::AssertionFailure() << "optimizers differ";
  if (a.optimizer.scalars != b.optimizer.scalars) return ::testing::AssertionFailure() << "optimizer scalars differ";
  if (a.optimizer.tensors.size() != b.optimizer.tensors.size())
    return ::testing::AssertionFailure() << "numbers of optimizer tensors differ";
  for (const auto& [name, tensor] : a.optimizer.tensors) {
    const auto other = b.optimizer.tensors.find(name);
    if (other == b.optimizer.tensors.end()) return ::testing::AssertionFailure() << "no tensor " << name;
    if (other->second.shape() != tensor.shape() || other->second.to_host() != tensor.to_host())
      return ::testing::AssertionFailure()
             << "optimizer tensor " << name
             << " differs: " << all_equal(other->second.to_host(), tensor.to_host()).message();
  }
  return ::testing::AssertionSuccess();
}

// A run's optimizer and the image it keeps (with what makes that image other than the last).
struct ResumeCase {
  std::string name, arguments;
};

void PrintTo(const ResumeCase& run, std::ostream* out) { *out << run.name; }

class Resume : public ::testing::TestWithParam<ResumeCase> {
 protected:
  std::string path(const std::string& name) const { return scratch_.path(name); }
  ScratchDir scratch_{"nst_resume"};
};

// lbfgs keeps 3 pairs, so its ring wraps between the save (1 pair) and iteration 6 (3 of 5). The
// kept image's state is in the checkpoint: --keep ema's average, and --keep best's image even when,
// as with Adam at lr 100, it is the initial one, from before the save.
TEST_P(Resume, ResumedRunHasTheBitsOfAnUninterruptedOne) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const std::string common = "--content " + content + " --style " + style + " --weights " + weights +
                             " --image-size 32 --device cpu --print-every 0 --lbfgs-history 3 " + GetParam().arguments +
                             " --save-every 2";
  // Interrupted: its state after iteration 2 is the last it kept (the final iteration saves none).
  const Outcome interrupted = run_nst(common + " --iterations 4 --output " + path("i.png"));
  ASSERT_EQ(interrupted.exit_code, 0) << interrupted.output;
  ASSERT_TRUE(fs::exists(path("i_2.nstate")));
  const Outcome whole = run_nst(common + " --iterations 7 --output " + path("u.png"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  const Outcome resumed =
      run_nst(common + " --iterations 7 --output " + path("r.png") + " --resume " + path("i_2.nstate"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from " + path("i_2.nstate") + " after iteration 2"), std::string::npos)
      << resumed.output;

  // Only the latest state file is kept; every PNG checkpoint is.
  for (const char* kept : {"u_2.png", "u_4.png", "u_6.png", "u_6.nstate", "r_4.png", "r_6.png", "r_6.nstate"})
    EXPECT_TRUE(fs::exists(path(kept))) << kept;
  for (const char* removed : {"u_2.nstate", "u_4.nstate", "r_4.nstate"})
    EXPECT_FALSE(fs::exists(path(removed))) << removed;
  EXPECT_TRUE(fs::exists(path("i_2.nstate"))) << "the state resumed from is the user's: kept";

  EXPECT_TRUE(same_state(read_checkpoint(path("r_6.nstate")), read_checkpoint(path("u_6.nstate"))));
  EXPECT_EQ(file_bytes(path("r_6.nstate")), file_bytes(path("u_6.nstate")));
  EXPECT_EQ(read_image(path("r.png")).rgb, read_image(path("u.png")).rgb);
  // The run did move: a test of equal states would pass for a run standing still.
  EXPECT_NE(read_checkpoint(path("i_2.nstate")).image.to_host(), read_checkpoint(path("u_6.nstate")).image.to_host());
  if (GetParam().name == "adam_best_before_save") {
    EXPECT_NE(resumed.output.find("before the resume, at or before iteration 2"), std::string::npos) << resumed.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Runs, Resume,
                         ::testing::Values(ResumeCase{"lbfgs_last", "--optimizer lbfgs --keep last"},
                                           ResumeCase{"adam_last", "--optimizer adam --keep last"},
                                           ResumeCase{"lbfgs_ema", "--optimizer lbfgs --keep ema"},
                                           ResumeCase{"adam_ema", "--optimizer adam --keep ema"},
                                           ResumeCase{"adam_best_before_save",
                                                      "--optimizer adam --learning-rate 100 --keep best"}),
                         [](const ::testing::TestParamInfo<ResumeCase>& run) { return run.param.name; });

class ResumeRefusal : public Resume {};

TEST_F(ResumeRefusal, OtherSettingsCorruptAndTruncatedFilesAreRefusedNamingTheFile) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const std::string inputs = "--content " + content + " --style " + style + " --weights " + weights;
  const std::string common = inputs + " --device cpu --print-every 0";
  ASSERT_EQ(run_nst(common + " --image-size 32 --iterations 4 --save-every 2 --output " + path("a.png")).exit_code, 0);
  const std::string saved = path("a_2.nstate");
  ASSERT_TRUE(fs::exists(saved));
  const std::string bytes = file_bytes(saved);
  std::ofstream(path("truncated.nstate"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 1);
  std::ofstream(path("corrupt.nstate"), std::ios::binary) << flipped;
  // The same state as a file of format version 2 (before the kept image): read, but not resumed.
  {
    Checkpoint old = read_checkpoint(saved);
    old.kept = OptimizerState{};
    const std::string v3 = path("v3.nstate");
    std::FILE* out = std::fopen(v3.c_str(), "wb");
    write_checkpoint(old, out, v3);
    std::fclose(out);
    std::string v2 = file_bytes(v3);
    v2.erase(v2.size() - 8 - 12);  // the checksum and the empty kept state (a name's length, two counts)
    const std::uint64_t body_bytes = v2.size() - 20;
    std::uint64_t hash = 14695981039346656037ull;  // FNV-1a 64 of the body
    for (std::size_t i = 20; i < v2.size(); ++i) hash = (hash ^ static_cast<std::uint8_t>(v2[i])) * 1099511628211ull;
    v2[8] = 2;
    v2.replace(12, 8, reinterpret_cast<const char*>(&body_bytes), 8);
    v2.append(reinterpret_cast<const char*>(&hash), 8);
    std::ofstream(path("v2.nstate"), std::ios::binary) << v2;
  }
  struct Case {
    std::string arguments;
    std::vector<std::string> messages;
  };
  const std::vector<Case> cases{
      {"--iterations 4 --image-size 40 --style-weight 200 --optimizer adam --style-layers relu1_1 --resume " + saved,
       {"checkpoint " + saved + " was saved by another run", "--content 32x24 pixels", "40x30 pixels",
        "--style-weight 100 there, 200 here", "--optimizer lbfgs there, adam here",
        "--style-layers relu1_1,relu2_1,relu3_1,relu4_1 there, relu1_1 here"}},
      {"--image-size 32 --iterations 2 --resume " + saved,
       {"checkpoint " + saved + " was saved at iteration 2: --iterations 2 leaves"}},
      {"--image-size 32 --iterations 4 --resume " + path("truncated.nstate"),
       {"checkpoint " + path("truncated.nstate") + ": ", "(truncated)"}},
      {"--image-size 32 --iterations 4 --resume " + path("corrupt.nstate"),
       {"checkpoint " + path("corrupt.nstate") + ": corrupt"}},
      {"--image-size 32 --iterations 4 --resume " + path("v2.nstate"),
       {"checkpoint " + path("v2.nstate") +
        ": format version 2, written by an older nst that did not save the image "
        "--keep gives back"}},
      {"--image-size 32 --iterations 4 --resume " + path("a_2.png"),
       {"checkpoint " + path("a_2.png") + ": not an nst checkpoint"}},
  };
  for (const Case& c : cases) {
    const Outcome o = run_nst(common + " --output " + path("out.png") + " " + c.arguments);
    EXPECT_EQ(o.exit_code, 1) << c.arguments << ": " << o.output;
    for (const std::string& message : c.messages)
      EXPECT_NE(o.output.find(message), std::string::npos) << c.arguments << ": " << o.output;
    EXPECT_FALSE(fs::exists(path("out.png"))) << c.arguments;
  }
}

}  // namespace
}  // namespace nst::testing

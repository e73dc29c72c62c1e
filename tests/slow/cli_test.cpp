// The nst command line as a user meets it: --help, usage errors, bad files and layers, each a
// clear one-line message with a non-zero exit and no output written; a short real run writes the
// output and its checkpoints.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "engine/gpu.h"
#include "tests/support/shared_files.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// `command_prefix` + nst + arguments, through the shell.
Outcome run_command(const std::string& command_prefix, const std::string& arguments) {
  const std::string command = command_prefix + std::string(NST_BINARY_DIR) + "/nst " + arguments + " 2>&1";
  Outcome outcome{-1, ""};
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return outcome;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) outcome.output += buffer;
  const int status = pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

Outcome run_nst(const std::string& arguments) { return run_command("", arguments); }

// run_nst from the folder `dir`, for relative paths.
Outcome run_nst_in(const fs::path& dir, const std::string& arguments) {
  return run_command("cd '" + dir.string() + "' && ", arguments);
}

class CommandLine : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nst_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(CommandLine, HelpExplainsEveryOption) {
  const Outcome o = run_nst("--help");
  EXPECT_EQ(o.exit_code, 0);
  for (const char* option : {"--content", "--style", "--output", "--style-blend-weights", "--image-size", "--style-scale",
                             "--iterations", "--optimizer", "--learning-rate", "--lbfgs-history", "--content-weight",
                             "--style-weight", "--tv-weight", "--content-layers", "--style-layers", "--init", "--seed",
                             "--pooling", "--original-colors", "--print-every", "--save-every", "--device", "--tf32",
                             "--cuda-graph", "--weights"})
    EXPECT_NE(o.output.find(option), std::string::npos) << option << " missing from --help";
}

TEST_F(CommandLine, MissingRequiredOptionIsAUsageError) {
  const Outcome o = run_nst("--style a.jpg --output b.png");
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.output.find("--content"), std::string::npos) << o.output;
}

TEST_F(CommandLine, MissingContentFileIsNamedAndNothingIsWritten) {
  const Outcome o = run_nst("--content " + path("nope.jpg") + " --style " + path("nope2.jpg") + " --output " +
                            path("out.png") + " --device cpu");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find("nst: error:"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find(path("nope.jpg")), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(path("out.png")));
}

TEST_F(CommandLine, StyleThatIsNotAnImageIsNamed) {
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  std::ofstream(path("style.jpg")) << "this is not a JPEG";
  const Outcome o = run_nst("--content " + content + " --style " + path("style.jpg") + " --output " + path("out.png"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find(path("style.jpg")), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(path("out.png")));
}

TEST_F(CommandLine, OutputWithUnknownExtensionFailsBeforeTheRun) {
  const Outcome o = run_nst("--content a.jpg --style b.jpg --output " + path("out.bmp"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find(".png"), std::string::npos) << o.output;
}

TEST_F(CommandLine, BlendWeightsMustMatchTheStyles) {
  const Outcome o = run_nst("--content a.jpg --style b.jpg,c.jpg --style-blend-weights 1 --output " + path("o.png"));
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.output.find("2 style images but 1 weights"), std::string::npos) << o.output;
}

// NaN passes every `<`/`>` range check and 1e38 is a float: both used to run to a black image and
// exit 0. Each is now a usage error naming the option and the problem, before anything is read.
TEST_F(CommandLine, NonFiniteNegativeAndOverflowingNumbersAreRefusedUpFront) {
  struct Case {
    std::string arguments, option, problem;
  };
  const std::vector<Case> cases{
      {"--content-weight nan", "--content-weight", "not a finite number"},
      {"--style-weight 1e38", "--style-weight", "above the maximum 1e+10"},
      {"--style-weight 1e39", "--style-weight", "above the maximum 1e+10"},  // beyond float: not inf
      {"--tv-weight NaN", "--tv-weight", "not a finite number"},
      {"--tv-weight -1", "--tv-weight", "must not be negative"},
      {"--style-layer-weights nan", "--style-layer-weights", "not a finite number"},
      {"--style-layer-weights 1,-0.5", "--style-layer-weights", "must not be negative"},
      {"--style-layer-weights 1e11", "--style-layer-weights", "above the maximum"},
      {"--style-weight 1e6 --style-layer-weights 1,1e5", "--style-layer-weights", "--style-weight 1e+06 × 100000"},
      {"--style b.jpg,c.jpg --style-blend-weights inf,1", "--style-blend-weights", "not a finite number"},
      {"--style b.jpg,c.jpg --style-blend-weights 1,-1", "--style-blend-weights", "must not be negative"},
      {"--optimizer adam --learning-rate 1e30", "--learning-rate", "above the maximum 10000"},
      {"--learning-rate nan", "--learning-rate", "not a finite number"},
      {"--learning-rate 0", "--learning-rate", "must be above 0"},
      {"--style-scale nan", "--style-scale", "not a finite number"},
  };
  for (const Case& c : cases) {
    const std::string style = c.arguments.find("--style ") == std::string::npos ? " --style b.jpg" : "";
    const Outcome o = run_nst("--content a.jpg" + style + " --output " + path("o.png") + " " + c.arguments);
    EXPECT_NE(o.exit_code, 0) << c.arguments;
    EXPECT_NE(o.exit_code, 1) << c.arguments << ": a usage error, not a failed run: " << o.output;
    EXPECT_NE(o.output.find(c.option), std::string::npos) << c.arguments << ": " << o.output;
    EXPECT_NE(o.output.find(c.problem), std::string::npos) << c.arguments << ": " << o.output;
  }
  EXPECT_FALSE(fs::exists(path("o.png")));
  // The bounds themselves are accepted: the run gets as far as the missing content file.
  const Outcome at_bounds = run_nst("--content " + path("none.jpg") + " --style b.jpg --output " + path("o.png") +
                                    " --style-weight 1e10 --content-weight 1e10 --tv-weight 0 --learning-rate 1e4"
                                    " --style-layer-weights 1,1,1,1,1");
  EXPECT_EQ(at_bounds.exit_code, 1) << at_bounds.output;
  EXPECT_NE(at_bounds.output.find(path("none.jpg")), std::string::npos) << at_bounds.output;
}

// --output naming an input, by any spelling, would replace the user's photo: refused before the
// run, naming both, the photo untouched.
TEST_F(CommandLine, OutputThatIsAnInputIsRefused) {
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  const std::string photo = path("photo.jpg"), style = path("style.jpg"), init = path("init.jpg");
  for (const std::string& p : {photo, style, init}) fs::copy_file(content, p);
  fs::create_directory(dir_ / "sub");
  fs::create_symlink(photo, dir_ / "link.jpg");
  std::ifstream in(content, std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  struct Case {
    std::string output, option, input;
  };
  const std::vector<Case> cases{
      {photo, "--content", photo},
      {path("sub/../photo.jpg"), "--content", photo},
      {(dir_ / "." / "photo.jpg").string(), "--content", photo},
      {path("link.jpg"), "--content", photo},
      {style, "--style", style},
      {init, "--init", init},
  };
  for (const Case& c : cases) {
    const Outcome o = run_nst("--content " + photo + " --style " + path("other.jpg") + "," + style + " --init " + init +
                              " --output " + c.output);
    EXPECT_EQ(o.exit_code, 1) << c.output << ": " << o.output;
    EXPECT_NE(o.output.find("--output " + c.output + " is the same file as " + c.option + " " + c.input),
              std::string::npos)
        << o.output;
    EXPECT_NE(o.output.find("would overwrite it"), std::string::npos) << o.output;
  }
  for (const std::string& p : {photo, style, init}) {
    std::ifstream file(p, std::ios::binary);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>()), original) << p;
  }
  // Through a relative "./" spelling too, from the folder itself.
  const Outcome relative = run_nst_in(dir_, "--content photo.jpg --style style.jpg --output ./photo.jpg");
  EXPECT_EQ(relative.exit_code, 1) << relative.output;
  EXPECT_NE(relative.output.find("--output ./photo.jpg is the same file as --content photo.jpg"), std::string::npos)
      << relative.output;
}

TEST_F(CommandLine, UnknownLayerIsAnError) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  const Outcome o = run_nst("--content " + content + " --style " + content + " --output " + path("o.png") +
                            " --weights " + weights + " --style-layers relu9_1");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find("relu9_1"), std::string::npos) << o.output;
}

TEST_F(CommandLine, LayerBeyondThePartialWeightsNamesTheDeepestAvailable) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  const Outcome o = run_nst("--content " + content + " --style " + content + " --output " + path("o.png") +
                            " --weights " + weights + " --content-layers relu5_1 --image-size 32");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find("relu5_1"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("block5_conv1"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("block4_conv1"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(path("o.png")));
}

TEST_F(CommandLine, CudaWithoutAGpuIsAClearError) {
  if (cuda_available()) GTEST_SKIP() << "a GPU is present: --device cuda is valid here";
  const Outcome o = run_nst("--content a.jpg --style b.jpg --output " + path("o.png") + " --device cuda");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.output.find("cuda"), std::string::npos) << o.output;
}

TEST_F(CommandLine, ShortRunWritesOutputAndCheckpoints) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const Outcome o = run_nst("--content " + content + " --style " + style + " --output " + path("o.png") + " --weights " +
                            weights + " --image-size 32 --iterations 2 --save-every 1 --print-every 1 --device cpu"
                            " --original-colors");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("device: cpu"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("content layers: relu4_1"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("style layers: relu1_1,relu2_1,relu3_1,relu4_1"), std::string::npos) << o.output;
  EXPECT_TRUE(fs::exists(path("o_1.png")));
  EXPECT_TRUE(fs::exists(path("o_1.nstate")));  // for --resume (tests/slow/resume_test.cpp)
  const Image out = read_image(path("o.png"));
  EXPECT_EQ(out.width, 32);
  EXPECT_EQ(out.height, 24);
  for (const auto& entry : fs::directory_iterator(dir_))  // no temporary left behind
    EXPECT_TRUE(entry.path().extension() == ".png" || entry.path().extension() == ".nstate") << entry.path();
}

TEST_F(CommandLine, CudaGraphSaysWhatItDidOrWhyNot) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  const std::string common = "--content " + content + " --style " + content + " --weights " + weights +
                             " --image-size 32 --iterations 3 --print-every 0 --cuda-graph --output ";
  const Outcome on_cpu = run_nst(common + path("a.png") + " --device cpu");
  ASSERT_EQ(on_cpu.exit_code, 0) << on_cpu.output;
  EXPECT_NE(on_cpu.output.find("CUDA graph not used: CUDA graphs need the image on the GPU"), std::string::npos)
      << on_cpu.output;
  if (!cuda_available()) return;
  const Outcome adam = run_nst(common + path("b.png") + " --device cuda --optimizer adam");
  ASSERT_EQ(adam.exit_code, 0) << adam.output;
  EXPECT_NE(adam.output.find("CUDA graph not used: adam's steps were not stationary"), std::string::npos)
      << adam.output;
  const Outcome lbfgs = run_nst(common + path("c.png") + " --device cuda");  // iterations 1, 2 eager; 3 replayed
  ASSERT_EQ(lbfgs.exit_code, 0) << lbfgs.output;
  EXPECT_NE(lbfgs.output.find("replayed for iterations 3-3"), std::string::npos) << lbfgs.output;
}

// At the largest weights accepted, L-BFGS's unscaled first step throws the image so far that the
// loss read after iteration 3 (that of the image after iteration 2) overflows. The run stops there,
// exits 1, says so, and leaves the last finite image as the output: the image after iteration 2,
// the same pixels a run that checkpoints every iteration writes as its _2 checkpoint.
TEST_F(CommandLine, RunThatTurnsNonFiniteStopsAndKeepsTheLastFiniteImage) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const std::string common = "--content " + content + " --style " + style + " --weights " + weights +
                             " --image-size 32 --iterations 10 --device cpu --style-weight 1e10 --content-weight 1e10";
  const Outcome o = run_nst(common + " --print-every 1 --output " + path("o.png"));
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("nst: error: the loss turned non-finite (total inf"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("at iteration 3 of 10, so the run stopped; " + path("o.png") +
                          " holds the last finite image, from iteration 2"),
            std::string::npos)
      << o.output;
  const Outcome saved = run_nst(common + " --print-every 1 --save-every 1 --output " + path("s.png"));
  EXPECT_EQ(saved.exit_code, 1) << saved.output;
  EXPECT_NE(saved.output.find("from iteration 2"), std::string::npos) << saved.output;
  ASSERT_TRUE(fs::exists(path("o.png")));
  ASSERT_TRUE(fs::exists(path("s_2.png")));
  EXPECT_FALSE(fs::exists(path("s_3.png")));
  EXPECT_EQ(read_image(path("o.png")).rgb, read_image(path("s_2.png")).rgb);
  EXPECT_EQ(read_image(path("s.png")).rgb, read_image(path("s_2.png")).rgb);

  // Losses read only at the end: nothing but the initial image is known finite.
  const Outcome quiet = run_nst(common + " --print-every 0 --init content --output " + path("q.png"));
  EXPECT_EQ(quiet.exit_code, 1) << quiet.output;
  EXPECT_NE(quiet.output.find("at iteration 10 of 10"), std::string::npos) << quiet.output;
  EXPECT_NE(quiet.output.find("the last finite image, the initial one"), std::string::npos) << quiet.output;
  const Image kept = read_image(path("q.png"));
  const Image photo = resize_longer_side(read_image(content), 32);
  ASSERT_EQ(kept.rgb.size(), photo.rgb.size());
  double largest = 0;
  for (std::size_t i = 0; i < kept.rgb.size(); ++i)
    largest = std::max(largest, std::abs(static_cast<double>(kept.rgb[i]) - photo.rgb[i]));
  EXPECT_LE(largest, 0.51) << "the initial image is the content photo, to a pixel's rounding";
}

// --help's promise, "same seed and device, same image", whatever the number of threads (the kernels'
// and OpenBLAS's: OMP_NUM_THREADS); another seed gives another image.
TEST_F(CommandLine, SameSeedGivesTheSameImageOnAnyThreadCount) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const std::string common = "--content " + content + " --style " + style + " --weights " + weights +
                             " --image-size 32 --iterations 3 --init random --device cpu --output ";
  ASSERT_EQ(run_command("OMP_NUM_THREADS=1 ", common + path("a.png") + " --seed 7").exit_code, 0);
  ASSERT_EQ(run_command("OMP_NUM_THREADS=3 ", common + path("b.png") + " --seed 7").exit_code, 0);
  ASSERT_EQ(run_nst(common + path("c.png") + " --seed 8").exit_code, 0);
  EXPECT_EQ(read_image(path("a.png")).rgb, read_image(path("b.png")).rgb);
  EXPECT_NE(read_image(path("a.png")).rgb, read_image(path("c.png")).rgb);
}

}  // namespace
}  // namespace nst::testing

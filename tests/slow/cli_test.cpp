// The nst command line as a user meets it: --help, usage errors, bad files and layers, each a
// clear one-line message with a non-zero exit and no output written; a short real run writes the
// output and its checkpoints.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

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

Outcome run_nst(const std::string& arguments) {
  const std::string command = std::string(NST_BINARY_DIR) + "/nst " + arguments + " 2>&1";
  Outcome outcome{-1, ""};
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return outcome;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) outcome.output += buffer;
  const int status = pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
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
  const Image out = read_image(path("o.png"));
  EXPECT_EQ(out.width, 32);
  EXPECT_EQ(out.height, 24);
  for (const auto& entry : fs::directory_iterator(dir_))  // no temporary left behind
    EXPECT_EQ(entry.path().extension(), ".png") << entry.path();
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

TEST_F(CommandLine, SameSeedGivesTheSameImage) {
  NST_REQUIRE_SHARED_FILE(weights, "weights/vgg19_partial_notop.h5");
  NST_REQUIRE_SHARED_FILE(content, "images/tubingen.jpg");
  NST_REQUIRE_SHARED_FILE(style, "images/starry_night.jpg");
  const std::string common = "--content " + content + " --style " + style + " --weights " + weights +
                             " --image-size 32 --iterations 3 --init random --device cpu --output ";
  ASSERT_EQ(run_nst(common + path("a.png") + " --seed 7").exit_code, 0);
  ASSERT_EQ(run_nst(common + path("b.png") + " --seed 7").exit_code, 0);
  ASSERT_EQ(run_nst(common + path("c.png") + " --seed 8").exit_code, 0);
  EXPECT_EQ(read_image(path("a.png")).rgb, read_image(path("b.png")).rgb);
  EXPECT_NE(read_image(path("a.png")).rgb, read_image(path("c.png")).rgb);
}

}  // namespace
}  // namespace nst::testing

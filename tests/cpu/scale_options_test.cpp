// The command line's coarse-to-fine and output options (apps/options.h): accepted values reach
// Options, and the combinations that have no schedule, or no file format, are usage errors that
// say why — before anything is read.
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apps/options.h"

namespace nst::testing {
namespace {

struct Parsed {
  std::optional<Options> options;
  int exit_code = 0;
  std::string message;  // what the parser printed
};

Parsed parse(std::vector<std::string> extra, const std::string& output = "out.png") {
  std::vector<std::string> words{"nst", "--content", "c.png", "--style", "s.png", "-o", output};
  words.insert(words.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  Parsed p;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  p.options = parse_options(int(argv.size()), argv.data(), p.exit_code);
  p.message = ::testing::internal::GetCapturedStderr();
  p.message += ::testing::internal::GetCapturedStdout();
  return p;
}

TEST(ScaleOptions, AcceptedValuesReachTheScheduleRequest) {
  const Parsed p = parse({"--image-size", "800", "--scales", "3", "--start-size", "200", "--iterations", "50",
                          "--last-scale-iterations", "20", "--bit-depth", "16"});
  ASSERT_TRUE(p.options) << p.message;
  const ScaleRequest r = scale_request(*p.options, {800, 600});
  EXPECT_EQ(r.scales, 3);
  EXPECT_EQ(r.start_side, 200);
  EXPECT_EQ(r.iterations, 50);
  EXPECT_EQ(r.last_scale_iterations, 20);
  EXPECT_EQ(p.options->bit_depth, 16);
  const Parsed defaults = parse({});
  ASSERT_TRUE(defaults.options);
  EXPECT_EQ(scale_schedule(scale_request(*defaults.options, {512, 384})).size(), 1u) << "one scale by default";
  EXPECT_EQ(defaults.options->bit_depth, 8);
}

TEST(ScaleOptions, CombinationsWithoutAScheduleOrFormatAreUsageErrorsSayingWhy) {
  const struct {
    std::vector<std::string> arguments;
    std::string output, message;
  } cases[] = {
      {{"--image-size", "512", "--start-size", "600"}, "out.png", "600 is above --image-size 512"},
      {{"--image-size", "512", "--scales", "1", "--start-size", "100"}, "out.png", "--scales 1 leaves no room"},
      {{"--scales", "0"}, "out.png", "--scales"},
      {{"--scales", "17"}, "out.png", "--scales"},
      {{"--start-size", "8"}, "out.png", "--start-size"},
      {{"--image-size", "512", "--scales", "16", "--start-size", "500"}, "out.png", "would both be"},
      {{"--last-scale-iterations", "-2"}, "out.png", "--last-scale-iterations"},
      {{"--bit-depth", "12"}, "out.png", "--bit-depth"},
      {{"--bit-depth", "16"}, "out.jpg", "16 bits need a PNG output"},
  };
  for (const auto& c : cases) {
    const Parsed p = parse(c.arguments, c.output);
    EXPECT_FALSE(p.options) << c.message;
    EXPECT_NE(p.exit_code, 0) << c.message;
    EXPECT_NE(p.message.find(c.message), std::string::npos) << p.message;
  }
}

}  // namespace
}  // namespace nst::testing

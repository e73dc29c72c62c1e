// The .nstate checkpoint file (layers/checkpoint.h): what is written is read back bit for bit;
// every truncation, every flipped byte, a body that passes its checksum but does not parse, and a
// run with other settings are refused with a message naming the file and the problem.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "layers/checkpoint.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"
#include "tests/support/scratch_dir.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

Checkpoint sample_checkpoint() {
  Checkpoint c;
  c.iteration = 40;
  c.scale = 3;
  c.settings = {{"--optimizer", "lbfgs"}, {"--style-weight", "100"}, {"--content", "32x24 pixels 0123abcd"}};
  c.image = random_tensor({1, 3, 4, 5}, 1);
  c.optimizer.optimizer = "lbfgs";
  c.optimizer.tensors["pairs_s"] = random_tensor({2, 60}, 2);
  c.optimizer.tensors["empty"] = Tensor({0, 60}, Device::cpu);
  c.optimizer.tensors["newest_ys"] = Tensor::filled({1}, 0.25f, Device::cpu);
  c.optimizer.scalars["steps_taken"] = 40;
  c.optimizer.scalars["learning_rate"] = 0.1f;  // a float, held exactly by the double
  c.kept.optimizer = "keep best";
  c.kept.tensors["image"] = random_tensor({1, 3, 4, 5}, 3);
  c.kept.tensors["best"] = Tensor::from_host({3}, {2.5e6f, 17, 41}, Device::cpu);
  c.kept.scalars["evaluations"] = 41;
  return c;
}

class CheckpointFile : public ScratchDirTest {
 protected:
  Bytes bytes_of(const Checkpoint& c) {
    const std::string file = path("bytes.nstate");
    std::FILE* out = std::fopen(file.c_str(), "wb");
    write_checkpoint(c, out, file);
    std::fclose(out);
    std::ifstream in(file, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
};

// The message of the Error parsing `bytes` throws, or "" when it throws none.
std::string refusal(const Bytes& bytes, const std::string& name = "f.nstate") {
  try {
    parse_checkpoint(bytes.data(), bytes.size(), name);
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

TEST_F(CheckpointFile, WhatIsWrittenIsReadBackBitForBit) {
  const Checkpoint saved = sample_checkpoint();
  const std::string file = path("c.nstate");
  std::FILE* out = std::fopen(file.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  write_checkpoint(saved, out, file);
  std::fclose(out);
  const Checkpoint read = read_checkpoint(file);
  EXPECT_EQ(read.iteration, 40);
  EXPECT_EQ(read.scale, 3);
  EXPECT_EQ(read.settings, saved.settings);
  EXPECT_EQ(read.image.shape(), saved.image.shape());
  EXPECT_TRUE(all_equal(read.image.to_host(), saved.image.to_host()));
  EXPECT_EQ(read.optimizer.optimizer, "lbfgs");
  ASSERT_EQ(read.optimizer.tensors.size(), 3u);
  for (const auto& [name, tensor] : saved.optimizer.tensors) {
    const Tensor& back = read.optimizer.tensor(name, tensor.shape());
    EXPECT_TRUE(all_equal(back.to_host(), tensor.to_host())) << name;
  }
  EXPECT_EQ(read.optimizer.scalars, saved.optimizer.scalars);
  EXPECT_EQ(read.kept.optimizer, "keep best");
  ASSERT_EQ(read.kept.tensors.size(), 2u);
  for (const auto& [name, tensor] : saved.kept.tensors)
    EXPECT_TRUE(all_equal(read.kept.tensor(name, tensor.shape()).to_host(), tensor.to_host())) << name;
  EXPECT_EQ(read.kept.scalars, saved.kept.scalars);
  EXPECT_EQ(read.version, 3u);
  // The layout of layers/checkpoint.h: 20 bytes of header, the body, 8 of checksum.
  const Bytes bytes = bytes_of(saved);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "NSTSTATE");
  std::uint64_t body = 0;
  std::memcpy(&body, bytes.data() + 12, 8);
  EXPECT_EQ(body + 28, bytes.size());
}

TEST_F(CheckpointFile, EveryTruncationIsRefused) {
  const Bytes whole = bytes_of(sample_checkpoint());
  ASSERT_EQ(refusal(whole), "");
  for (std::size_t size = 0; size < whole.size(); ++size) {
    const std::string message = refusal(Bytes(whole.begin(), whole.begin() + size));
    EXPECT_NE(message.find("checkpoint f.nstate: "), std::string::npos) << size << ": " << message;
    if (size >= 28) {
      EXPECT_NE(message.find("(truncated)"), std::string::npos) << size << ": " << message;
    }
  }
  Bytes longer = whole;
  longer.push_back(0);
  EXPECT_NE(refusal(longer).find("(extra bytes at the end)"), std::string::npos);
}

TEST_F(CheckpointFile, EveryFlippedByteIsRefused) {
  const Bytes whole = bytes_of(sample_checkpoint());
  for (std::size_t at = 0; at < whole.size(); ++at) {
    Bytes corrupt = whole;
    corrupt[at] ^= 0x10;
    const std::string message = refusal(corrupt);
    EXPECT_NE(message.find("checkpoint f.nstate: "), std::string::npos) << "byte " << at << ": " << message;
    if (at >= 20) {
      EXPECT_NE(message.find("corrupt"), std::string::npos) << "byte " << at << ": " << message;
    }
  }
  Bytes other_version = whole;
  other_version[8] = 4;
  EXPECT_NE(refusal(other_version).find("format version 4, this nst reads versions 1 to 3"), std::string::npos);
  Bytes png = whole;
  std::memcpy(png.data(), "\x89PNG\r\n\x1a\n", 8);
  EXPECT_NE(refusal(png).find("not an nst checkpoint"), std::string::npos);
}

// A body behind a valid header and checksum, as a hostile or buggy writer could make: every length
// in it is still checked against the bytes left. Version 1's body has no scale after the iteration.
Bytes framed(const Bytes& body, std::uint8_t version = 1) {
  Bytes file{'N', 'S', 'T', 'S', 'T', 'A', 'T', 'E', version, 0, 0, 0};
  const std::uint64_t size = body.size();
  file.insert(file.end(), reinterpret_cast<const std::uint8_t*>(&size),
              reinterpret_cast<const std::uint8_t*>(&size) + 8);
  file.insert(file.end(), body.begin(), body.end());
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a 64
  for (const std::uint8_t b : body) hash = (hash ^ b) * 1099511628211ull;
  file.insert(file.end(), reinterpret_cast<const std::uint8_t*>(&hash),
              reinterpret_cast<const std::uint8_t*>(&hash) + 8);
  return file;
}

template <class T>
void append(Bytes& bytes, T value) {
  bytes.insert(bytes.end(), reinterpret_cast<const std::uint8_t*>(&value),
               reinterpret_cast<const std::uint8_t*>(&value) + sizeof value);
}

TEST_F(CheckpointFile, LengthsBeyondTheFileAreRefusedBeforeAnyAllocation) {
  Bytes huge_image;  // iteration 1, no settings, an image claiming 1 × 2^40 values
  append<std::uint32_t>(huge_image, 1);
  append<std::uint32_t>(huge_image, 0);
  append<std::uint32_t>(huge_image, 2);
  append<std::int64_t>(huge_image, 1);
  append<std::int64_t>(huge_image, std::int64_t{1} << 40);
  EXPECT_NE(refusal(framed(huge_image)).find("malformed: the image of shape (1,) then 1099511627776"),
            std::string::npos)
      << refusal(framed(huge_image));

  Bytes negative = huge_image;
  std::int64_t minus_one = -1;
  std::memcpy(negative.data() + 12, &minus_one, 8);
  EXPECT_NE(refusal(framed(negative)).find("malformed: the image of shape () then -1"), std::string::npos);

  Bytes long_string;  // a setting's name claiming 4 GiB
  append<std::uint32_t>(long_string, 1);
  append<std::uint32_t>(long_string, 1);
  append<std::uint32_t>(long_string, 0xffffffffu);
  EXPECT_NE(refusal(framed(long_string)).find("malformed: a setting's name of 4294967295 bytes"), std::string::npos);

  Bytes many_settings;  // 2^32 − 1 settings in 8 bytes
  append<std::uint32_t>(many_settings, 1);
  append<std::uint32_t>(many_settings, 0xffffffffu);
  EXPECT_NE(refusal(framed(many_settings)).find("malformed: a setting's name needs 4 bytes, 0 left"),
            std::string::npos);

  EXPECT_NE(refusal(framed({})).find("malformed: the iteration needs 4 bytes, 0 left"), std::string::npos);
}

TEST_F(CheckpointFile, DuplicateNamesAndTrailingBytesAreRefused) {
  Checkpoint c = sample_checkpoint();
  c.kept.tensors.clear();
  c.kept.scalars = {{"a", 1.0}};
  Bytes bytes = bytes_of(c);
  Bytes body(bytes.begin() + 20, bytes.end() - 8);
  Bytes duplicated = body;  // the last scalar appended again, its count raised to 2
  const Bytes last_scalar(body.end() - (4 + 1 + 8), body.end());
  duplicated.insert(duplicated.end(), last_scalar.begin(), last_scalar.end());
  const std::size_t count_at = body.size() - (4 + 1 + 8) - 4;
  duplicated[count_at] = 2;
  EXPECT_NE(refusal(framed(duplicated, 3)).find("malformed: kept image scalar 'a' appears twice"), std::string::npos)
      << refusal(framed(duplicated, 3));
  Bytes trailing = body;
  trailing.push_back(7);
  EXPECT_NE(refusal(framed(trailing, 3)).find("malformed: 1 bytes after the last scalar"), std::string::npos);
  EXPECT_EQ(refusal(framed(body, 3)), "");
}

// The body of version 2: that of version 3 without the kept image state (an empty one here: its
// name's length and two counts, 12 bytes).
Bytes version_two_body(const Bytes& version_three_file) {
  return Bytes(version_three_file.begin() + 20, version_three_file.end() - 8 - 12);
}

// Version 2 (before the kept image) is read with no kept image state: a resume refuses it
// (tests/slow/resume_test.cpp).
TEST_F(CheckpointFile, AVersionTwoFileHasNoKeptImageState) {
  Checkpoint c = sample_checkpoint();
  c.kept = OptimizerState{};
  const Bytes v2 = framed(version_two_body(bytes_of(c)), 2);
  ASSERT_EQ(refusal(v2), "");
  const Checkpoint read = parse_checkpoint(v2.data(), v2.size(), "v2.nstate");
  EXPECT_EQ(read.version, 2u);
  EXPECT_EQ(read.scale, 3);
  EXPECT_TRUE(read.kept.optimizer.empty() && read.kept.tensors.empty() && read.kept.scalars.empty());
  EXPECT_EQ(read.optimizer.scalars, c.optimizer.scalars);
}

// Version 1 (before coarse to fine) had no scale after the iteration: its files read as scale 1.
TEST_F(CheckpointFile, AVersionOneFileIsScaleOne) {
  Checkpoint c = sample_checkpoint();
  c.kept = OptimizerState{};
  const Bytes bytes = bytes_of(c);
  Bytes body = version_two_body(bytes);
  ASSERT_EQ(body[4], 3);  // the scale, after the 4 bytes of the iteration
  body.erase(body.begin() + 4, body.begin() + 8);
  const std::string file = path("v1.nstate");
  const Bytes v1 = framed(body, 1);
  std::FILE* out = std::fopen(file.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  std::fwrite(v1.data(), 1, v1.size(), out);
  std::fclose(out);
  const Checkpoint read = read_checkpoint(file);
  EXPECT_EQ(read.iteration, 40);
  EXPECT_EQ(read.scale, 1);
  EXPECT_EQ(read.settings, sample_checkpoint().settings);
  Bytes zero_body = version_two_body(bytes);  // a version-2 file of scale 0 is malformed
  for (std::size_t i = 4; i < 8; ++i) zero_body.at(i) = 0;
  EXPECT_NE(refusal(framed(zero_body, 2)).find("malformed: scale 0"), std::string::npos);
}

TEST_F(CheckpointFile, MissingAndIrregularFilesAreRefusedNamingThem) {
  const auto read_refusal = [](const std::string& file) {
    try {
      read_checkpoint(file);
    } catch (const Error& e) {
      return e.message();
    }
    return std::string();
  };
  EXPECT_EQ(read_refusal(path("none.nstate")), "checkpoint " + path("none.nstate") + ": no such file");
  EXPECT_EQ(read_refusal(scratch_.dir().string()), "checkpoint " + scratch_.dir().string() + ": not a regular file");
  std::ofstream(path("empty.nstate")).close();
  EXPECT_EQ(read_refusal(path("empty.nstate")),
            "checkpoint " + path("empty.nstate") + ": 0 bytes, too short to be an nst checkpoint");
}

TEST(CheckpointSettings, ARunWithOtherSettingsIsRefusedNamingEachDifference) {
  Checkpoint c;
  c.settings = {{"--style-weight", "100"}, {"--device", "cpu"}, {"--optimizer", "lbfgs"}};
  EXPECT_NO_THROW(check_same_run(c, c.settings, "c.nstate"));
  const RunSettings other{{"--style-weight", "200"}, {"--device", "cpu"}, {"--optimizer", "adam"}, {"--new", "1"}};
  try {
    check_same_run(c, other, "c.nstate");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(),
              "checkpoint c.nstate was saved by another run, which cannot be continued with these settings: "
              "--style-weight 100 there, 200 here; --optimizer lbfgs there, adam here; --new (not recorded) there, "
              "1 here");
  }
}

}  // namespace
}  // namespace nst::testing

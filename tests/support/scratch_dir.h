#pragma once
// A fresh folder for one test's files, made under the system's temporary folder with a name no
// other process has (mkdtemp: "<prefix>_XXXXXX"), removed with everything in it when the test ends.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nst::testing {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> names() const;  // of the entries in it, sorted

 private:
  std::filesystem::path dir_;
};

// A fixture whose every test has a ScratchDir of its own, named after the test suite.
class ScratchDirTest : public ::testing::Test {
 protected:
  ScratchDirTest();
  std::string path(const std::string& name) const { return scratch_.path(name); }
  ScratchDir scratch_;
};

}  // namespace nst::testing

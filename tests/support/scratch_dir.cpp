#include "tests/support/scratch_dir.h"

#include <stdlib.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

namespace nst::testing {

namespace fs = std::filesystem;

ScratchDir::ScratchDir(const std::string& prefix) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "_XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
  dir_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;  // a destructor does not throw; a folder left in /tmp is no test failure
  fs::remove_all(dir_, ignored);
}

std::vector<std::string> ScratchDir::names() const {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir_)) found.push_back(entry.path().filename().string());
  std::sort(found.begin(), found.end());
  return found;
}

ScratchDirTest::ScratchDirTest()
    : scratch_(std::string("nst_") + ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name()) {}

}  // namespace nst::testing

#pragma once
// Where tests find the shared demo images and weights: $NST_SHARED_DIR when set, else ../shared
// beside the source tree. Tests that need them skip, saying where they looked, when absent.
#include <string>

namespace nst::testing {

std::string shared_dir();

// shared_dir()/relative when that file exists, else "".
std::string shared_file(const std::string& relative);

}  // namespace nst::testing

#define NST_REQUIRE_SHARED_FILE(var, relative)                                  \
  const std::string var = ::nst::testing::shared_file(relative);                \
  if (var.empty())                                                              \
  GTEST_SKIP() << "needs " << ::nst::testing::shared_dir() << "/" << (relative) \
               << " (set NST_SHARED_DIR to the folder holding images/ and weights/)"

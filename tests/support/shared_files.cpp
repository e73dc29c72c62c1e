#include "tests/support/shared_files.h"

#include <cstdlib>
#include <filesystem>

namespace nst::testing {

std::string shared_dir() {
  const char* dir = std::getenv("NST_SHARED_DIR");
  if (dir != nullptr && *dir != '\0') return dir;
  return std::string(NST_SOURCE_DIR) + "/../shared";
}

std::string shared_file(const std::string& relative) {
  const std::string path = shared_dir() + "/" + relative;
  return std::filesystem::exists(path) ? path : std::string();
}

}  // namespace nst::testing

// The inputs the fuzz targets found (tests/fuzz/regressions/<png|jpeg|hdf5>/, tests/fuzz/README.md),
// each through the reader nst calls: each must load or be refused with an nst::Error that names the
// file — never a crash, a hang, another exception, or (in build-asan, where tests/run_tests.sh runs
// these too) a sanitizer report. Weights files are read as the program reads them, in a child process
// (weights/isolated_load.h): some of these inputs crash libhdf5 or send it into an endless loop.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "engine/error.h"
#include "weights/isolated_load.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

void read_as(const std::string& kind, const std::string& path) {
  if (kind == "hdf5") {
    constexpr double kSeconds = 5;  // these files are a few kB: a sound read takes milliseconds
    load_vgg19_conv_weights_isolated(path, count_vgg19_conv_layers_isolated(path, kSeconds), kSeconds);
  } else {
    read_image(path);
  }
}

TEST(FuzzRegressions, EachFindingLoadsOrIsRefusedNamingTheFile) {
  const fs::path root = fs::path(NST_SOURCE_DIR) / "tests" / "fuzz" / "regressions";
  int inputs = 0;
  for (const std::string kind : {"png", "jpeg", "hdf5"}) {
    if (!fs::is_directory(root / kind)) continue;
    for (const auto& entry : fs::directory_iterator(root / kind)) {
      const std::string path = entry.path().string();
      SCOPED_TRACE(path);
      ++inputs;
      try {
        read_as(kind, path);
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      }
    }
  }
  EXPECT_GT(inputs, 0) << "no inputs in " << root;
}

}  // namespace
}  // namespace nst::testing

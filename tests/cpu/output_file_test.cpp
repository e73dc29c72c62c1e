// apps/output_file.h: a file written atomically is there whole, or not at all (no temporary left
// behind either), and its errors name the file by the kind the caller says it is — a checkpoint is
// not called an image.
#include "apps/output_file.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "tests/support/scratch_dir.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

class AtomicWrite : public ScratchDirTest {
 protected:
  std::size_t files() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(scratch_.dir()), {}));
  }
};

TEST_F(AtomicWrite, WritesTheWholeFile) {
  write_file_atomically(path("a.nstate"), "checkpoint", [](std::FILE* out) { std::fputs("state", out); });
  std::ifstream in(path("a.nstate"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "state");
  EXPECT_EQ(files(), 1u) << "a temporary was left";
}

TEST_F(AtomicWrite, AFailedWriteLeavesNothing) {
  EXPECT_THROW(write_file_atomically(path("b.nstate"), "checkpoint",
                                     [](std::FILE* out) {
                                       std::fputs("half", out);
                                       throw std::runtime_error("the writer failed");
                                     }),
               std::runtime_error);
  EXPECT_EQ(files(), 0u);
}

TEST_F(AtomicWrite, ErrorsNameTheFilesKind) {
  const std::string missing = path("no_such_folder/c.nstate");
  try {
    write_file_atomically(missing, "checkpoint", [](std::FILE*) {});
    FAIL() << "wrote into a missing folder";
  } catch (const Error& e) {
    EXPECT_EQ(e.message().rfind("checkpoint '" + missing + "': cannot create a temporary file beside it: ", 0), 0u)
        << e.message();
  }
  try {
    TemporaryFile image(path("no_such_folder/d.png"), "image");
    FAIL() << "created a file in a missing folder";
  } catch (const Error& e) {
    EXPECT_EQ(e.message().rfind("image '", 0), 0u) << e.message();
  }
}

}  // namespace
}  // namespace nst::testing

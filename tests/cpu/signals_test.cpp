// SIGINT and SIGTERM (apps/signals.h), raised in a child process (a death test) so that the
// handler runs synchronously: outside the loop a signal removes the temporary being written and
// exits 128 + signal at once; inside it (deferred) the first is only recorded and the file kept,
// a second ends the process at once, removing the temporary. A committed file is never removed.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apps/output_file.h"
#include "apps/signals.h"
#include "tests/support/scratch_dir.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

class StopSignals : public ScratchDirTest {};

TEST_F(StopSignals, OutsideTheLoopASignalRemovesTheTemporaryAndExitsAtOnce) {
  const std::string target = path("out.png");
  EXPECT_EXIT(
      {
        install_stop_signal_handlers();
        TemporaryFile file(target, "image");
        std::fputs("half an image", file.stream());
        std::fflush(file.stream());
        raise(SIGTERM);
        std::exit(0);  // not reached
      },
      ::testing::ExitedWithCode(143),
      "interrupted by SIGTERM before the run; nothing was written; the file being "
      "written was removed");
  EXPECT_TRUE(scratch_.names().empty()) << scratch_.names().front();
}

TEST_F(StopSignals, InTheLoopTheFirstIsRecordedAndASecondStopsAtOnce) {
  const std::string target = path("out.png");
  EXPECT_EXIT(
      {
        install_stop_signal_handlers();
        const StopSignalsDeferred deferred;
        TemporaryFile first(target, "image");
        first.commit();  // out.png, whole
        TemporaryFile second(target, "image");
        raise(SIGINT);
        if (stop_signal() != SIGINT || !fs::exists(second.path())) std::exit(1);  // recorded, nothing removed
        raise(SIGINT);
        std::exit(2);  // not reached
      },
      ::testing::ExitedWithCode(130),
      "a second stop signal \\(SIGINT\\): stopped at once; the files already written "
      "are whole; the file being written was removed");
  EXPECT_EQ(scratch_.names(), std::vector<std::string>{"out.png"});
}

TEST_F(StopSignals, NamesAndExitCodes) {
  EXPECT_EQ(signal_name(SIGINT), "SIGINT");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(Interrupted(SIGINT, "m").exit_code(), 130);
  EXPECT_EQ(Interrupted(SIGTERM, "m").exit_code(), 143);
}

}  // namespace
}  // namespace nst::testing

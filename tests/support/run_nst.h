#pragma once
// Running the nst binary of this build from a test, through the shell.
#include <string>

namespace nst::testing {

struct NstOutcome {
  int exit_code;       // -1 when the process did not exit normally
  std::string output;  // stdout and stderr together
};

// `<command_prefix>nst <arguments>` through the shell (the arguments as one shell string; the
// prefix, e.g. "OMP_NUM_THREADS=1 " or "cd DIR && ", as the shell reads it).
NstOutcome run_nst_binary(const std::string& arguments, const std::string& command_prefix = "");

}  // namespace nst::testing

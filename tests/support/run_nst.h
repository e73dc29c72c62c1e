#pragma once
// Running the nst binary of this build from a test, through the shell.
#include <string>

namespace nst::testing {

struct NstOutcome {
  int exit_code;       // -1 when the process did not exit normally
  std::string output;  // stdout and stderr together
};

// `nst <arguments>` (the arguments as one shell string).
NstOutcome run_nst_binary(const std::string& arguments);

}  // namespace nst::testing

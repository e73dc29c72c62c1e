#include "tests/support/run_nst.h"

#include <cstdio>

#include <sys/wait.h>

namespace nst::testing {

NstOutcome run_nst_binary(const std::string& arguments, const std::string& command_prefix) {
  const std::string command = command_prefix + std::string(NST_BINARY_DIR) + "/nst " + arguments + " 2>&1";
  NstOutcome outcome{-1, ""};
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return outcome;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) outcome.output += buffer;
  const int status = pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

}  // namespace nst::testing

// nst: the command line. Every failure ends here as one clear line and a non-zero exit.
#include <cstdio>
#include <exception>

#include "apps/options.h"
#include "apps/stylize_command.h"
#include "engine/error.h"

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto options = nst::parse_options(argc, argv, exit_code);
  if (!options) return exit_code;
  try {
    nst::run_stylize_command(*options);
  } catch (const nst::Error& e) {
    std::fflush(stdout);  // what was said before the error comes before it
    std::fprintf(stderr, "nst: error: %s\n", e.message().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "nst: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

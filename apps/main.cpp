// nst: the command line. Every failure ends here as one clear line and a non-zero exit.
#include <cstdio>
#include <exception>
#include <new>

#include "apps/options.h"
#include "apps/run_step.h"
#include "apps/signals.h"
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
    // The allocators' "out of host memory: asked for N bytes" does not know what it was for.
    const bool bare_out_of_memory = e.message().rfind("out of ", 0) == 0 && !nst::run_step().empty();
    std::fprintf(stderr, "nst: error: %s%s%s\n", e.message().c_str(), bare_out_of_memory ? " while " : "",
                 bare_out_of_memory ? nst::run_step().c_str() : "");
    return 1;
  } catch (const nst::Interrupted& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "nst: %s\n", e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {  // where no step caught it to name what was being allocated
    std::fflush(stdout);
    std::fprintf(stderr, "nst: error: out of memory while %s\n",
                 nst::run_step().empty() ? "starting" : nst::run_step().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "nst: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

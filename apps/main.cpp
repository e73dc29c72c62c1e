// nst: the command line. `nst [options]` stylises; `nst explain|gradcheck|visualize|compare [options]`
// run the study commands. Every failure ends here as one clear line and a non-zero exit.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "apps/compare_command.h"
#include "apps/explain_command.h"
#include "apps/gradcheck_command.h"
#include "apps/options.h"
#include "apps/run_step.h"
#include "apps/signals.h"
#include "apps/stylize_command.h"
#include "apps/visualize_command.h"
#include "engine/error.h"

namespace {

// Parses argv with `parse` and runs `run` on the options; `run` returns the exit status.
template <typename Parse, typename Run>
int run_command(Parse parse, Run run, int argc, char** argv) {
  int exit_code = 0;
  const auto options = parse(argc, argv, exit_code);
  if (!options) return exit_code;
  try {
    return run(*options);
  } catch (const nst::Error& e) {
    std::fflush(stdout);  // what was said before the error comes before it
    // The allocators' "out of host memory: asked for N bytes" does not know what it was for.
    const bool bare_out_of_memory = e.message().rfind("out of ", 0) == 0 && !nst::run_step().empty();
    std::fprintf(stderr, "nst: error: %s%s%s\n", e.message().c_str(), bare_out_of_memory ? " while " : "",
                 bare_out_of_memory ? nst::run_step().c_str() : "");
  } catch (const nst::Interrupted& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "nst: %s\n", e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {  // where no step caught it to name what was being allocated
    std::fflush(stdout);
    std::fprintf(stderr, "nst: error: out of memory while %s\n",
                 nst::run_step().empty() ? "starting" : nst::run_step().c_str());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "nst: error: %s\n", e.what());
  }
  return 1;
}

bool is_command(const char* argument, const char* name) { return argument && std::strcmp(argument, name) == 0; }

}  // namespace

// `nst <command> …`: the command's parser gets argv from the command's name on, as if it were the program.
int main(int argc, char** argv) {
  using namespace nst;
  const char* command = argc > 1 ? argv[1] : nullptr;
  if (is_command(command, "explain"))
    return run_command(
        parse_explain_options, [](const ExplainOptions& o) { return run_explain_command(o), 0; }, argc - 1, argv + 1);
  if (is_command(command, "gradcheck"))
    return run_command(parse_gradcheck_options, run_gradcheck_command, argc - 1, argv + 1);
  if (is_command(command, "visualize"))
    return run_command(
        parse_visualize_options, [](const VisualizeOptions& o) { return run_visualize_command(o), 0; }, argc - 1,
        argv + 1);
  if (is_command(command, "compare"))
    return run_command(parse_compare_options, run_compare_command, argc - 1, argv + 1);
  return run_command(
      parse_options, [](const Options& o) { return run_stylize_command(o), 0; }, argc, argv);
}

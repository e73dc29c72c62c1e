#pragma once
// `nst explain`: J at the initial image of a run, term by term, as a table and optionally as an
// HDF5 file from which another program can recompute every number (docs/MATH.md, worked example).
#include <optional>
#include <string>

#include "apps/options.h"

namespace nst {

struct ExplainOptions {
  Options run;       // the options of a stylisation run, less those of the loop and the output
  std::string dump;  // empty: no dump
};

// argv[0] is the command's name ("explain"). As parse_options.
std::optional<ExplainOptions> parse_explain_options(int argc, char** argv, int& exit_code);

void run_explain_command(const ExplainOptions& options);

}  // namespace nst

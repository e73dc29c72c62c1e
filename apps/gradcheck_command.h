#pragma once
// `nst gradcheck`: J's analytic gradient at the initial image of a run against central finite
// differences through the real network (apps/gradient_check.h), per term and in total.
#include <optional>

#include "apps/gradient_check.h"
#include "apps/options.h"

namespace nst {

struct GradcheckOptions {
  Options run;  // the options of a stylisation run, less those of the loop and the output
  GradientCheckOptions check;
};

// argv[0] is the command's name ("gradcheck"). As parse_options.
std::optional<GradcheckOptions> parse_gradcheck_options(int argc, char** argv, int& exit_code);

// Prints the table; returns 0 when every row is within the bound, 2 when one is not.
int run_gradcheck_command(const GradcheckOptions& options);

}  // namespace nst

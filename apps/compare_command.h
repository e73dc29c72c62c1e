#pragma once
// `nst compare A B`: how far apart two images are (apps/image_difference.h): PSNR, mean and
// largest difference in 8-bit levels. With --min-psnr it is a check for scripts: exit status 2
// when the PSNR is below the bound.
#include <optional>
#include <string>

namespace nst {

struct CompareOptions {
  std::string first, second;  // PNG or JPEG files of the same size
  std::optional<double> min_psnr_db;
};

// argv[0] is the command's name ("compare"). As parse_options.
std::optional<CompareOptions> parse_compare_options(int argc, char** argv, int& exit_code);

// Prints the difference; returns 0, or 2 when the PSNR is below --min-psnr.
int run_compare_command(const CompareOptions& options);

}  // namespace nst

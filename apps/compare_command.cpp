#include "apps/compare_command.h"

#include <cmath>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "apps/image.h"
#include "apps/image_difference.h"
#include "apps/options.h"
#include "engine/error.h"

namespace nst {

std::optional<CompareOptions> parse_compare_options(int argc, char** argv, int& exit_code) {
  CompareOptions c;
  CLI::App app{
      "nst compare: how far apart two images of the same size are, in 8-bit levels (0-255) over every\n"
      "pixel and channel: PSNR = 10 log10(255^2 / mean squared difference) dB (inf: identical; 40 dB and\n"
      "above is commonly taken as visually lossless), the mean and the largest absolute difference.\n"
      "  nst compare a.png b.png\n"
      "  nst compare a.png b.png --min-psnr 40    exit status 2 when the PSNR is below 40 dB",
      "nst compare"};
  app.add_option("first", c.first, "An image, PNG or JPEG")->required();
  app.add_option("second", c.second, "The image to compare it with, of the same size")->required();
  app.add_option("--min-psnr", c.min_psnr_db, "Exit status 2 when the PSNR is below this many dB, e.g. 40");
  Options unused;  // parse_command_line adds --version
  if (!parse_command_line(app, argc, argv, unused, nullptr, exit_code)) return std::nullopt;
  return c;
}

int run_compare_command(const CompareOptions& c) {
  const Image a = read_image(c.first), b = read_image(c.second);
  NST_CHECK(a.width == b.width && a.height == b.height, c.first << " is " << a.width << "x" << a.height << " and "
                                                                << c.second << " is " << b.width << "x" << b.height
                                                                << ": compare images of the same size");
  const ImageDifference d = image_difference(a, b);
  static const char* const kChannels[] = {"red", "green", "blue"};
  std::printf("%s vs %s (%dx%d)\n", c.first.c_str(), c.second.c_str(), d.width, d.height);
  std::printf("  PSNR %.2f dB (mean squared difference %.4g levels^2)%s\n", d.psnr_db(), d.mean_squared,
              d.mean_squared == 0 ? ": identical" : "");
  std::printf("  mean |difference| %.4g levels of 255\n", d.mean_absolute);
  std::printf("  largest |difference| %.4g levels, %s of pixel (%d, %d)\n", d.largest, kChannels[d.channel], d.x, d.y);
  if (c.min_psnr_db && !(d.psnr_db() >= *c.min_psnr_db)) {
    std::printf("below --min-psnr %g dB\n", *c.min_psnr_db);
    return 2;
  }
  return 0;
}

}  // namespace nst

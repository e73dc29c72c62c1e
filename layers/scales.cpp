#include "layers/scales.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace nst {

std::vector<Scale> scale_schedule(const ScaleRequest& r) {
  const int final_side = std::max(r.final_size.width, r.final_size.height);
  NST_CHECK(r.scales >= 0 && r.start_side >= 0 && r.iterations >= 0 && r.last_scale_iterations >= -1,
            "scale_schedule: negative request (scales " << r.scales << ", start " << r.start_side << ")");
  const double step = kDefaultScaleStep;
  int count = r.scales;
  double start = r.start_side;
  if (start == 0 && count == 0) count = 1;
  if (start == 0) start = std::max<double>(kMinScaleSide, std::round(final_side / std::pow(step, count - 1)));
  NST_CHECK(start <= final_side, "the start size " << start << " px is above the final size " << final_side << " px");
  NST_CHECK(start >= kMinScaleSide || count == 1,
            "the start size " << start << " px is below the smallest, " << kMinScaleSide << " px");
  if (count == 0) count = 1 + static_cast<int>(std::ceil(std::log(final_side / start) / std::log(step) - 1e-9));

  std::vector<Scale> schedule;
  for (int k = 0; k < count; ++k) {
    const double side = count == 1 ? final_side : start * std::pow(final_side / start, double(k) / (count - 1));
    const int rounded = k == count - 1 ? final_side : static_cast<int>(std::lround(side));
    NST_CHECK(schedule.empty() || rounded > schedule.back().longer_side(),
              count << " scales from " << start << " to " << final_side << " px: scales " << k << " and " << k + 1
                    << " would both be " << rounded << " px");
    const ImageSize size =
        k == count - 1 ? r.final_size : longer_side_size(r.final_size.width, r.final_size.height, rounded);
    const int iterations = k == count - 1 && r.last_scale_iterations >= 0 ? r.last_scale_iterations : r.iterations;
    schedule.push_back(Scale{k + 1, count, size, iterations});
  }
  return schedule;
}

void stylize_coarse_to_fine(const std::vector<Scale>& schedule, std::size_t first, Tensor& x,
                            const OptimiseScale& optimise_scale) {
  NST_CHECK(first < schedule.size(), "stylize_coarse_to_fine: scale " << first + 1 << " of " << schedule.size());
  for (std::size_t s = first; s < schedule.size(); ++s) {
    const ImageSize size = schedule[s].size;
    if (s > first) x = resample_bicubic(x, size);
    NST_CHECK(x.dim(2) == size.height && x.dim(3) == size.width, "scale " << s + 1 << " is " << size.width << "×"
                                                                          << size.height << " px, its image "
                                                                          << to_string(x.shape()));
    optimise_scale(schedule[s], x);
  }
}

}  // namespace nst

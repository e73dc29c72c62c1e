#include "layers/scales.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"
#include "engine/ops/vector_ops.h"

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

Tensor next_scale_start(const Tensor& result, const Tensor& initial_here, const Tensor& initial_next) {
  NST_CHECK(result.rank() == 4 && initial_here.shape() == result.shape() && initial_next.rank() == 4 &&
                initial_next.dim(0) == result.dim(0) && initial_next.dim(1) == result.dim(1),
            "next_scale_start: result " << to_string(result.shape()) << ", initial images "
                                        << to_string(initial_here.shape()) << " and "
                                        << to_string(initial_next.shape()));
  Tensor change = result.clone();
  ops::axpy(-1.0f, initial_here.to(result.device()), change);  // x_k − i_k
  Tensor start = resample_bicubic(change, {int(initial_next.dim(3)), int(initial_next.dim(2))});
  ops::axpy(1.0f, initial_next.to(start.device()), start);  // i_{k+1} + U(x_k − i_k)
  return start;
}

float carried_inverse_hessian(float gamma, ImageSize here, ImageSize next) {
  const double pixels_here = double(here.width) * here.height, pixels_next = double(next.width) * next.height;
  NST_CHECK(pixels_here > 0 && pixels_next > 0, "carried_inverse_hessian: an empty scale");
  return static_cast<float>(double(gamma) * pixels_next / pixels_here);
}

void stylize_coarse_to_fine(const std::vector<Scale>& schedule, std::size_t first, Tensor& x,
                            const InitialImage& initial_image, const OptimiseScale& optimise_scale) {
  NST_CHECK(first < schedule.size(), "stylize_coarse_to_fine: scale " << first + 1 << " of " << schedule.size());
  for (std::size_t s = first; s < schedule.size(); ++s) {
    const ImageSize size = schedule[s].size;
    if (s > first) x = next_scale_start(x, initial_image(schedule[s - 1].size), initial_image(size));
    NST_CHECK(x.dim(2) == size.height && x.dim(3) == size.width, "scale " << s + 1 << " is " << size.width << "×"
                                                                          << size.height << " px, its image "
                                                                          << to_string(x.shape()));
    optimise_scale(schedule[s], x);
  }
}

}  // namespace nst

// CPU projection onto a box of per-channel bounds (kernels/box_projection.h): one clamp per value,
// OpenMP over planes.
#include "kernels/box_projection.h"

#include <algorithm>

namespace nst {

void project_onto_box_cpu(const BoxProjectionArgs& args) {
  const std::int64_t plane = args.plane;
#pragma omp parallel for schedule(static) if (args.batch_channels * plane > (1 << 15))
  for (std::int64_t p = 0; p < args.batch_channels; ++p) {
    const float lower = args.lower[p % args.channels], upper = args.upper[p % args.channels];
    float* x = args.x + p * plane;
    float* step = args.step ? args.step + p * plane : nullptr;
    for (std::int64_t i = 0; i < plane; ++i) {
      const float projected = std::min(std::max(x[i], lower), upper);
      if (step) step[i] -= x[i] - projected;
      x[i] = projected;
    }
  }
}

void zero_where_bounds_bind_cpu(const BoundActiveSetArgs& args) {
  const std::int64_t plane = args.plane;
#pragma omp parallel for schedule(static) if (args.batch_channels * plane > (1 << 15))
  for (std::int64_t p = 0; p < args.batch_channels; ++p) {
    const float lower = args.lower[p % args.channels], upper = args.upper[p % args.channels];
    const float* x = args.x + p * plane;
    const float* g = args.gradient + p * plane;
    float* v = args.v + p * plane;
    for (std::int64_t i = 0; i < plane; ++i)
      if ((x[i] <= lower && g[i] > 0.0f) || (x[i] >= upper && g[i] < 0.0f)) v[i] = 0.0f;
  }
}

}  // namespace nst

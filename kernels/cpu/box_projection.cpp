// CPU projection onto a box of per-channel bounds, and the zeroing where bounds bind
// (kernels/box_projection.h): one comparison per value, OpenMP over planes.
#include "kernels/box_projection.h"

#include <algorithm>

namespace nst {

namespace {
// Below this many values a thread team costs more than the loop.
constexpr std::int64_t kParallelThreshold = 1 << 15;
}  // namespace

void project_onto_box_cpu(const BoxProjectionArgs& args) {
  const ChannelBox& box = args.box;
#pragma omp parallel for schedule(static) if (box.values() > kParallelThreshold)
  for (std::int64_t p = 0; p < box.batch_channels; ++p) {
    const float lower = box.lower[p % box.channels], upper = box.upper[p % box.channels];
    float* x = args.x + p * box.plane;
    float* step = args.step ? args.step + p * box.plane : nullptr;
    for (std::int64_t i = 0; i < box.plane; ++i) {
      const float projected = std::min(std::max(x[i], lower), upper);
      if (step) step[i] -= x[i] - projected;
      x[i] = projected;
    }
  }
}

void zero_where_bounds_bind_cpu(const BoundActiveSetArgs& args) {
  const ChannelBox& box = args.box;
#pragma omp parallel for schedule(static) if (box.values() > kParallelThreshold)
  for (std::int64_t p = 0; p < box.batch_channels; ++p) {
    const float lower = box.lower[p % box.channels], upper = box.upper[p % box.channels];
    const float* x = args.x + p * box.plane;
    const float* g = args.gradient + p * box.plane;
    float* v = args.v + p * box.plane;
    for (std::int64_t i = 0; i < box.plane; ++i)
      if ((x[i] <= lower && g[i] > 0.0f) || (x[i] >= upper && g[i] < 0.0f)) v[i] = 0.0f;
  }
}

}  // namespace nst

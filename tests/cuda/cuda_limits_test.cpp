// The engine refuses, before any launch, a size the CUDA kernels cannot index
// (kernels/cuda_limits.h; the limits themselves are tested without a GPU in
// tests/cpu/cuda_limits_test.cpp). Here the refusal is reached through the ops, with a shape
// that is cheap to allocate: 65535·128 + 1 channels of one pixel, one block too many for gridDim.y.
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/conv2d.h"
#include "tests/support/error_of.h"
#include "tests/support/gpu.h"

namespace nst::testing {
namespace {

constexpr std::int64_t kTooManyChannels = std::int64_t(65535) * 128 + 1;
const ops::ConvGeometry kPointwise{1, 0};  // 1×1 kernel, no padding

TEST(CudaLimits, Conv2dRefusesMoreOutputChannelTilesThanTheGridHolds) {
  NST_REQUIRE_CUDA();
  const Tensor x = Tensor::filled({1, 1, 1, 1}, 1.0f, Device::cuda);
  const Tensor w = Tensor::zeros({kTooManyChannels, 1, 1, 1}, Device::cuda);  // 32 MiB
  const Tensor b = Tensor::zeros({kTooManyChannels}, Device::cuda);
  const std::string message = error_of([&] { ops::conv2d(x, w, b, false, kPointwise); });
  EXPECT_NE(message.find("conv2d: input (1, 1, 1, 1) with weights (8388481, 1, 1, 1) is too large for the CUDA "
                         "kernels: C_out = 8388481 needs 65536 blocks of 128 along gridDim.y"),
            std::string::npos)
      << message;
}

TEST(CudaLimits, Conv2dBackwardDataRefusesMoreInputChannelTilesThanTheGridHolds) {
  NST_REQUIRE_CUDA();
  const Tensor dy = Tensor::zeros({1, 1, 1, 1}, Device::cuda);
  const Tensor w = Tensor::zeros({1, kTooManyChannels, 1, 1}, Device::cuda);
  const std::string message = error_of([&] {
    ops::conv2d_backward_data(dy, w, {1, kTooManyChannels, 1, 1}, nullptr, kPointwise);
  });
  EXPECT_NE(message.find("conv2d_backward_data: input (1, 8388481, 1, 1) with weights (1, 8388481, 1, 1) is too "
                         "large for the CUDA kernels: C_in = 8388481 needs 65536 blocks"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace nst::testing

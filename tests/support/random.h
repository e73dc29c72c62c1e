#pragma once
// Reproducible random inputs for tests.
#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace nst::testing {

// n values uniform in [lo, hi), from a fixed seed.
std::vector<float> random_values(std::int64_t n, std::uint64_t seed, float lo = -1.0f, float hi = 1.0f);

// n small integers in [lo, hi]: sums of their products are exact in float, so a GPU result can be
// required to equal the CPU one bit for bit.
std::vector<float> random_integers(std::int64_t n, std::uint64_t seed, int lo = -3, int hi = 3);

// A tensor of random_integers, on the host.
Tensor integer_tensor(const Shape& shape, std::uint64_t seed, int lo = -3, int hi = 3);

Tensor random_tensor(const Shape& shape, std::uint64_t seed, Device device = Device::cpu, float lo = -1.0f,
                     float hi = 1.0f);

std::vector<double> to_double(const std::vector<float>& values);

}  // namespace nst::testing

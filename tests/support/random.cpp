#include "tests/support/random.h"

#include <random>

namespace nst::testing {

std::vector<float> random_values(std::int64_t n, std::uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(static_cast<std::size_t>(n));
  for (auto& v : values) v = dist(rng);
  return values;
}

std::vector<float> random_integers(std::int64_t n, std::uint64_t seed, int lo, int hi) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<float> values(static_cast<std::size_t>(n));
  for (auto& v : values) v = static_cast<float>(dist(rng));
  return values;
}

Tensor integer_tensor(const Shape& shape, std::uint64_t seed, int lo, int hi) {
  return Tensor::from_host(shape, random_integers(numel_of(shape), seed, lo, hi), Device::cpu);
}

Tensor random_tensor(const Shape& shape, std::uint64_t seed, Device device, float lo, float hi) {
  return Tensor::from_host(shape, random_values(numel_of(shape), seed, lo, hi), device);
}

std::vector<double> to_double(const std::vector<float>& values) { return {values.begin(), values.end()}; }

}  // namespace nst::testing

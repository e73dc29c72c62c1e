#include "engine/tensor.h"

#include <sstream>
#include <utility>

#include "engine/allocator.h"
#include "engine/error.h"
#include "engine/ops/vector_ops.h"

namespace nst {

std::int64_t numel_of(const Shape& shape) {
  std::int64_t n = 1;
  for (const auto d : shape) n *= d;
  return n;
}

std::string to_string(const Shape& shape) {
  std::ostringstream out;
  out << "(";
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << (shape.size() == 1 ? ",)" : ")");
  return out.str();
}

std::size_t tensor_bytes(const Shape& shape, Device device) {
  return allocation_bytes(static_cast<std::size_t>(numel_of(shape)) * sizeof(float), device);
}

Tensor::Tensor(Shape shape, Device device)
    : shape_(std::move(shape)), buffer_(static_cast<std::size_t>(numel_of(shape_)) * sizeof(float), device) {
  for (const auto d : shape_) NST_CHECK(d >= 0, "negative dimension in shape " << to_string(shape_));
}

Tensor Tensor::zeros(Shape shape, Device device) { return filled(std::move(shape), 0.0f, device); }

Tensor Tensor::filled(Shape shape, float value, Device device) {
  Tensor t(std::move(shape), device);
  ops::fill(t, value);
  return t;
}

Tensor Tensor::from_host(Shape shape, const std::vector<float>& values, Device device) {
  NST_CHECK(
      numel_of(shape) == static_cast<std::int64_t>(values.size()),
      "from_host: shape " << to_string(shape) << " needs " << numel_of(shape) << " values, got " << values.size());
  Tensor t(std::move(shape), device);
  copy_bytes(t.data(), device, values.data(), Device::cpu, values.size() * sizeof(float));
  return t;
}

std::int64_t Tensor::dim(int axis) const {
  const int r = rank();
  const int a = axis < 0 ? axis + r : axis;
  NST_CHECK(a >= 0 && a < r, "axis " << axis << " out of range for shape " << to_string(shape_));
  return shape_[static_cast<std::size_t>(a)];
}

Tensor Tensor::to(Device device) const {
  Tensor t(shape_, device);
  t.copy_from(*this);
  return t;
}

Tensor Tensor::clone() const { return to(device()); }

std::vector<float> Tensor::to_host() const {
  std::vector<float> values(static_cast<std::size_t>(numel()));
  copy_bytes(values.data(), Device::cpu, data(), device(), values.size() * sizeof(float));
  return values;
}

float Tensor::item() const {
  NST_CHECK(numel() == 1, "item() of a tensor of shape " << to_string(shape_) << ", not one element");
  return to_host()[0];
}

void Tensor::copy_from(const Tensor& source) {
  NST_CHECK(source.numel() == numel(),
            "copy_from: " << to_string(source.shape()) << " into " << to_string(shape_) << " (element counts differ)");
  copy_bytes(data(), device(), source.data(), source.device(), static_cast<std::size_t>(numel()) * sizeof(float));
}

}  // namespace nst

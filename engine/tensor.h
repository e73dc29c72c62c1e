#pragma once
// Tensor: float32, contiguous, row-major (NCHW for images and activations), on one device.
// Move-only: it owns its Buffer. clone() and to() make copies; they are the only way data crosses
// between host and device.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/buffer.h"
#include "engine/device.h"

namespace nst {

using Shape = std::vector<std::int64_t>;

std::int64_t numel_of(const Shape& shape);
std::string to_string(const Shape& shape);  // "(1, 64, 256, 256)"

// The bytes a Tensor of `shape` takes from `device`'s allocator (allocation_bytes of its floats).
std::size_t tensor_bytes(const Shape& shape, Device device);

class Tensor {
 public:
  Tensor() = default;
  Tensor(Shape shape, Device device);  // contents undefined

  static Tensor zeros(Shape shape, Device device);
  static Tensor filled(Shape shape, float value, Device device);
  static Tensor from_host(Shape shape, const std::vector<float>& values, Device device);

  const Shape& shape() const { return shape_; }
  std::int64_t dim(int axis) const;  // negative axes count from the end
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t numel() const { return numel_of(shape_); }
  Device device() const { return buffer_.device(); }

  float* data() { return static_cast<float*>(buffer_.data()); }
  const float* data() const { return static_cast<const float*>(buffer_.data()); }

  Tensor to(Device device) const;        // a copy on `device`
  Tensor clone() const;                  // a copy on the same device
  std::vector<float> to_host() const;    // the values, copied to the host
  float item() const;                    // the single value of a one-element tensor
  void copy_from(const Tensor& source);  // same number of elements, any devices

 private:
  Shape shape_;
  Buffer buffer_;
};

}  // namespace nst

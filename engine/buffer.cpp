#include "engine/buffer.h"

#include <cstring>
#include <utility>

#include "engine/allocator.h"
#include "engine/gpu.h"

namespace nst {

Buffer::Buffer(std::size_t bytes, Device device) : bytes_(bytes), device_(device) {
  if (bytes_ > 0) data_ = allocator_for(device_).allocate(bytes_);
}

Buffer::~Buffer() { release(); }

Buffer::Buffer(Buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)), device_(other.device_) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    device_ = other.device_;
  }
  return *this;
}

void Buffer::release() noexcept {
  if (data_ != nullptr) allocator_for(device_).deallocate(data_, bytes_);
  data_ = nullptr;
  bytes_ = 0;
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes) {
  if (bytes == 0) return;
  if (dst_device == Device::cpu && src_device == Device::cpu) {
    std::memcpy(dst, src, bytes);
    return;
  }
  cuda_copy_bytes(dst, dst_device, src, src_device, bytes);
}

}  // namespace nst

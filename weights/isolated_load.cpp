#include "weights/isolated_load.h"

#include <cstdint>
#include <cstring>

#include "engine/error.h"
#include "engine/isolated_call.h"

namespace nst {

namespace {

// The child's weights on the pipe: per layer its name (length, bytes), then the kernel's shape and
// values, then the bias's — sizes as int64, values as the host's float bytes (the same machine reads them).
void put_bytes(std::string& out, const void* data, std::size_t size) {
  out.append(static_cast<const char*>(data), size);
}
void put_int(std::string& out, std::int64_t value) { put_bytes(out, &value, sizeof value); }
void put_tensor(std::string& out, const Tensor& t) {
  put_int(out, static_cast<std::int64_t>(t.shape().size()));
  for (const std::int64_t d : t.shape()) put_int(out, d);
  const std::vector<float> values = t.to_host();
  put_bytes(out, values.data(), values.size() * sizeof(float));
}

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  void get_bytes(void* data, std::size_t size) {
    NST_CHECK(size <= bytes_.size() - at_, "the weights reader's answer is cut short");
    std::memcpy(data, bytes_.data() + at_, size);
    at_ += size;
  }
  std::int64_t get_int() {
    std::int64_t value = 0;
    get_bytes(&value, sizeof value);
    return value;
  }
  Tensor get_tensor() {
    Shape shape(static_cast<std::size_t>(get_int()));
    for (std::int64_t& d : shape) d = get_int();
    std::vector<float> values(static_cast<std::size_t>(numel_of(shape)));
    get_bytes(values.data(), values.size() * sizeof(float));
    return Tensor::from_host(shape, values, Device::cpu);
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  std::size_t at_ = 0;
};

std::string subject(const std::string& path) { return "the weights file " + path; }

}  // namespace

int count_vgg19_conv_layers_isolated(const std::string& path, double time_limit_seconds) {
  const std::string answer = run_isolated(
      [&] {
        std::string out;
        put_int(out, count_vgg19_conv_layers(path));
        return out;
      },
      subject(path), time_limit_seconds);
  Reader reader(answer);
  return static_cast<int>(reader.get_int());
}

std::vector<ConvWeights> load_vgg19_conv_weights_isolated(const std::string& path, int count,
                                                          double time_limit_seconds) {
  const std::string answer = run_isolated(
      [&] {
        std::string out;
        for (const ConvWeights& w : load_vgg19_conv_weights(path, count)) {
          put_int(out, static_cast<std::int64_t>(w.layer.size()));
          put_bytes(out, w.layer.data(), w.layer.size());
          put_tensor(out, w.kernel);
          put_tensor(out, w.bias);
        }
        return out;
      },
      subject(path), time_limit_seconds);
  Reader reader(answer);
  std::vector<ConvWeights> weights;
  while (!reader.done()) {
    std::string layer(static_cast<std::size_t>(reader.get_int()), '\0');
    reader.get_bytes(layer.data(), layer.size());
    Tensor kernel = reader.get_tensor();
    weights.push_back({std::move(layer), std::move(kernel), reader.get_tensor()});
  }
  return weights;
}

}  // namespace nst

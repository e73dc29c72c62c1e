// The .nstate file (layers/checkpoint.h): a writer that streams the body while it hashes it, and a
// reader that checks sizes, signature and checksum before it parses, and every length against the
// bytes left while it does.
#include "layers/checkpoint.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/error.h"

namespace nst {

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the .nstate file is little-endian, as is this host's memory");

constexpr char kMagic[8] = {'N', 'S', 'T', 'S', 'T', 'A', 'T', 'E'};
constexpr std::uint32_t kVersion = 3;  // versions 1 (no scale) and 2 (no kept image) are read too
constexpr std::size_t kHeaderBytes = sizeof kMagic + sizeof(std::uint32_t) + sizeof(std::uint64_t);
constexpr std::size_t kTrailerBytes = sizeof(std::uint64_t);
constexpr std::uint32_t kMaxStringBytes = 1 << 16;
constexpr std::uint32_t kMaxRank = 8;

// Where the body goes: counted (to know its size before the header is written), or written to a
// file and hashed.
class BodySink {
 public:
  BodySink(std::FILE* out, const std::string& path) : out_(out), path_(path) {}

  void put(const void* data, std::size_t size) {
    bytes_ += size;
    if (!out_ || size == 0) return;
    hash_.add(data, size);
    const bool written = std::fwrite(data, 1, size, out_) == size;
    const int error_number = errno;
    NST_CHECK(written, "checkpoint " << path_ << ": writing failed: " << std::strerror(error_number));
  }
  template <class T>
  void put_value(T value) {
    put(&value, sizeof value);
  }
  void put_string(const std::string& text) {
    NST_CHECK(text.size() <= kMaxStringBytes, "checkpoint " << path_ << ": a text of " << text.size() << " bytes");
    put_value(static_cast<std::uint32_t>(text.size()));
    put(text.data(), text.size());
  }
  void put_tensor(const Tensor& tensor) {
    NST_CHECK(tensor.device() == Device::cpu, "checkpoint " << path_ << ": tensors are written from the host");
    put_value(static_cast<std::uint32_t>(tensor.rank()));
    for (const std::int64_t extent : tensor.shape()) put_value(extent);
    put(tensor.data(), static_cast<std::size_t>(tensor.numel()) * sizeof(float));
  }

  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t hash() const { return hash_.hash; }

 private:
  std::FILE* out_;  // null: count only
  const std::string& path_;
  std::uint64_t bytes_ = 0;
  Fnv1a64 hash_;
};

void put_state(const OptimizerState& state, BodySink& sink) {
  sink.put_string(state.optimizer);
  sink.put_value(static_cast<std::uint32_t>(state.tensors.size()));
  for (const auto& [name, tensor] : state.tensors) {
    sink.put_string(name);
    sink.put_tensor(tensor);
  }
  sink.put_value(static_cast<std::uint32_t>(state.scalars.size()));
  for (const auto& [name, value] : state.scalars) {
    sink.put_string(name);
    sink.put_value(value);
  }
}

void put_body(const Checkpoint& c, BodySink& sink) {
  sink.put_value(static_cast<std::uint32_t>(c.iteration));
  sink.put_value(static_cast<std::uint32_t>(c.scale));
  sink.put_value(static_cast<std::uint32_t>(c.settings.size()));
  for (const auto& [key, value] : c.settings) {
    sink.put_string(key);
    sink.put_string(value);
  }
  sink.put_tensor(c.image);
  put_state(c.optimizer, sink);
  put_state(c.kept, sink);
}

// Reads values from a byte range, each only after checking it is all there.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* bytes, std::size_t size, const std::string& path)
      : at_(bytes), left_(size), path_(path) {}

  void take(void* into, std::size_t size, const char* what) {
    NST_CHECK(size <= left_,
              "checkpoint " << path_ << ": malformed: " << what << " needs " << size << " bytes, " << left_ << " left");
    if (size > 0) std::memcpy(into, at_, size);
    at_ += size;
    left_ -= size;
  }
  template <class T>
  T value(const char* what) {
    T v{};
    take(&v, sizeof v, what);
    return v;
  }
  std::string string(const char* what) {
    const auto size = value<std::uint32_t>(what);
    NST_CHECK(size <= kMaxStringBytes, "checkpoint " << path_ << ": malformed: " << what << " of " << size << " bytes");
    std::string text(size, '\0');
    take(text.data(), size, what);
    return text;
  }
  Tensor tensor(const std::string& what) {
    const auto rank = value<std::uint32_t>(what.c_str());
    NST_CHECK(rank <= kMaxRank, "checkpoint " << path_ << ": malformed: " << what << " of rank " << rank);
    Shape shape;
    std::int64_t numel = 1;
    for (std::uint32_t axis = 0; axis < rank; ++axis) {
      const auto extent = value<std::int64_t>(what.c_str());
      // Each factor and the product within the floats left: no overflow, no allocation beyond the file.
      const auto most = static_cast<std::int64_t>(left_ / sizeof(float));
      NST_CHECK(extent >= 0 && (extent == 0 || numel <= most / extent),
                "checkpoint " << path_ << ": malformed: " << what << " of shape " << to_string(shape) << " then "
                              << extent << ": more values than the " << left_ << " bytes left");
      numel *= extent;
      shape.push_back(extent);
    }
    Tensor tensor(shape, Device::cpu);
    take(tensor.data(), static_cast<std::size_t>(numel) * sizeof(float), what.c_str());
    return tensor;
  }
  std::size_t left() const { return left_; }

 private:
  const std::uint8_t* at_;
  std::size_t left_;
  const std::string& path_;
};

// One state section; `what` ("optimizer", "kept image") names it in messages.
OptimizerState parse_state(ByteReader& in, const std::string& what, const std::string& path) {
  OptimizerState state;
  state.optimizer = in.string((what + " state: its name").c_str());
  const auto tensors = in.value<std::uint32_t>((what + " state: the number of tensors").c_str());
  for (std::uint32_t i = 0; i < tensors; ++i) {
    std::string name = in.string((what + " state: a tensor's name").c_str());
    Tensor tensor = in.tensor(what + " tensor '" + name + "'");
    NST_CHECK(state.tensors.emplace(name, std::move(tensor)).second,
              "checkpoint " << path << ": malformed: " << what << " tensor '" << name << "' appears twice");
  }
  const auto scalars = in.value<std::uint32_t>((what + " state: the number of scalars").c_str());
  for (std::uint32_t i = 0; i < scalars; ++i) {
    std::string name = in.string((what + " state: a scalar's name").c_str());
    const auto value = in.value<double>((what + " state: a scalar").c_str());
    NST_CHECK(state.scalars.emplace(name, value).second,
              "checkpoint " << path << ": malformed: " << what << " scalar '" << name << "' appears twice");
  }
  return state;
}

Checkpoint parse_body(ByteReader& in, std::uint32_t version, const std::string& path) {
  Checkpoint c;
  c.version = version;
  c.iteration = static_cast<int>(in.value<std::uint32_t>("the iteration"));
  NST_CHECK(c.iteration >= 0, "checkpoint " << path << ": malformed: iteration " << c.iteration);
  if (version >= 2) {
    const auto scale = in.value<std::uint32_t>("the scale");
    NST_CHECK(scale >= 1 && scale <= 1000, "checkpoint " << path << ": malformed: scale " << scale);
    c.scale = static_cast<int>(scale);
  }
  const auto settings = in.value<std::uint32_t>("the number of settings");
  for (std::uint32_t i = 0; i < settings; ++i) {
    std::string key = in.string("a setting's name");
    c.settings.emplace_back(std::move(key), in.string("a setting's value"));
  }
  c.image = in.tensor("the image");
  c.optimizer = parse_state(in, "optimizer", path);
  if (version >= 3) c.kept = parse_state(in, "kept image", path);
  NST_CHECK(in.left() == 0, "checkpoint " << path << ": malformed: " << in.left() << " bytes after the last scalar");
  return c;
}

}  // namespace

void Fnv1a64::add(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
}

void write_checkpoint(const Checkpoint& checkpoint, std::FILE* out, const std::string& path) {
  BodySink counter(nullptr, path);
  put_body(checkpoint, counter);
  BodySink header(out, path);
  header.put(kMagic, sizeof kMagic);
  header.put_value(kVersion);
  header.put_value(counter.bytes());
  BodySink body(out, path);
  put_body(checkpoint, body);
  BodySink trailer(out, path);
  trailer.put_value(body.hash());
}

Checkpoint parse_checkpoint(const std::uint8_t* bytes, std::size_t size, const std::string& path) {
  NST_CHECK(size >= kHeaderBytes + kTrailerBytes,
            "checkpoint " << path << ": " << size << " bytes, too short to be an nst checkpoint");
  NST_CHECK(std::memcmp(bytes, kMagic, sizeof kMagic) == 0,
            "checkpoint " << path << ": not an nst checkpoint (it does not start with NSTSTATE)");
  ByteReader header(bytes + sizeof kMagic, kHeaderBytes - sizeof kMagic, path);
  const auto version = header.value<std::uint32_t>("the version");
  NST_CHECK(version >= 1 && version <= kVersion,
            "checkpoint " << path << ": format version " << version << ", this nst reads versions 1 to " << kVersion);
  const auto body_bytes = header.value<std::uint64_t>("the body size");
  const std::size_t room = size - kHeaderBytes - kTrailerBytes;
  NST_CHECK(body_bytes == room, "checkpoint " << path << ": " << size << " bytes, but its header says "
                                              << body_bytes + kHeaderBytes + kTrailerBytes
                                              << (body_bytes > room ? " (truncated)" : " (extra bytes at the end)"));
  const std::uint8_t* body = bytes + kHeaderBytes;
  Fnv1a64 hash;
  hash.add(body, room);
  std::uint64_t saved_hash = 0;
  std::memcpy(&saved_hash, body + room, sizeof saved_hash);
  NST_CHECK(hash.hash == saved_hash, "checkpoint " << path << ": corrupt (its checksum does not match its contents)");
  ByteReader in(body, room, path);
  return parse_body(in, version, path);
}

Checkpoint read_checkpoint(const std::string& path) {
  std::error_code error;
  NST_CHECK(
      std::filesystem::is_regular_file(path, error),
      "checkpoint " << path << ": " << (std::filesystem::exists(path, error) ? "not a regular file" : "no such file"));
  std::ifstream file(path, std::ios::binary);
  const int open_errno = errno;
  NST_CHECK(file, "checkpoint " << path << ": cannot open: " << std::strerror(open_errno));
  const auto size = static_cast<std::size_t>(std::filesystem::file_size(path, error));
  NST_CHECK(!error, "checkpoint " << path << ": cannot read its size: " << error.message());
  std::vector<std::uint8_t> bytes(size);
  file.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  NST_CHECK(static_cast<std::size_t>(file.gcount()) == size,
            "checkpoint " << path << ": cannot read: " << file.gcount() << " of " << size << " bytes");
  return parse_checkpoint(bytes.data(), bytes.size(), path);
}

void check_same_run(const Checkpoint& checkpoint, const RunSettings& current, const std::string& path) {
  std::ostringstream differences;
  std::size_t count = 0;
  for (const auto& [key, value] : current) {
    std::string saved = "(not recorded)";
    for (const auto& [saved_key, saved_value] : checkpoint.settings)
      if (saved_key == key) saved = saved_value;
    if (saved == value) continue;
    differences << (count++ ? "; " : "") << key << " " << saved << " there, " << value << " here";
  }
  NST_CHECK(count == 0, "checkpoint " << path
                                      << " was saved by another run, which cannot be continued with these "
                                         "settings: "
                                      << differences.str());
}

}  // namespace nst

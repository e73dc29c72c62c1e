#include "weights/hdf5_read.h"

#include <cstddef>
#include <filesystem>
#include <system_error>

#include "engine/error.h"

namespace nst {

namespace {

constexpr hssize_t kMaxListedStrings = 4096;
constexpr std::size_t kMaxStringBytes = 4096;

// "float32", "int16", … or the HDF5 class number for anything that is not a number.
std::string type_name(hid_t type) {
  const std::size_t bits = 8 * H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_FLOAT:
      return "float" + std::to_string(bits);
    case H5T_INTEGER:
      return "int" + std::to_string(bits);
    case H5T_STRING:
      return "strings";
    default:
      return "a non-numeric type (HDF5 class " + std::to_string(static_cast<int>(H5Tget_class(type))) + ")";
  }
}

// Variable-length strings as HDF5 hands them out: it allocates each one, we free them all.
struct VariableLengthStrings {
  std::vector<char*> pointers;
  explicit VariableLengthStrings(std::size_t n) : pointers(n, nullptr) {}
  ~VariableLengthStrings() {
    for (char* s : pointers)
      if (s != nullptr) H5free_memory(s);
  }
  VariableLengthStrings(const VariableLengthStrings&) = delete;
  VariableLengthStrings& operator=(const VariableLengthStrings&) = delete;
};

}  // namespace

Hdf5Handle open_hdf5_file(const std::string& path) {
  std::error_code ignored;
  NST_CHECK(std::filesystem::exists(path, ignored), path << ": no such file");
  Hdf5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  NST_CHECK(file.valid(), path << ": not an HDF5 file (or it cannot be read)");
  return file;
}

Hdf5Handle open_hdf5_group(hid_t parent, const std::string& name) {
  return Hdf5Handle(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose);
}

bool has_hdf5_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& attribute, const std::string& file,
                                                    const std::string& object_name) {
  const Hdf5Handle attr(H5Aopen(object, attribute.c_str(), H5P_DEFAULT), H5Aclose);
  NST_CHECK(attr.valid(), file << ": " << object_name << " has no attribute " << attribute);
  const Hdf5Handle type(H5Aget_type(attr.get()), H5Tclose);
  const Hdf5Handle space(H5Aget_space(attr.get()), H5Sclose);
  const hssize_t count = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
  NST_CHECK(type.valid() && H5Tget_class(type.get()) == H5T_STRING && count >= 0,
            file << ": attribute " << attribute << " of " << object_name << " is not a list of strings");
  // Bounds before anything is allocated or read: the count and the width come from the file, and a
  // damaged one would have us allocate terabytes (n·width can even overflow to a small buffer that
  // H5Aread then overruns). Keras lists a few dozen layer names and two weight names per layer, each
  // a few dozen bytes.
  NST_CHECK(count <= kMaxListedStrings, file << ": attribute " << attribute << " of " << object_name << " lists "
                                             << count << " strings; a Keras weights file lists at most "
                                             << kMaxListedStrings << " (the file is damaged)");
  const auto n = static_cast<std::size_t>(count);
  std::vector<std::string> strings;

  // HDF5 converts no string between character sets: an ASCII memory type cannot receive the UTF-8
  // names h5py writes (for a Python str) and fails the read. Ask for the file's own character set;
  // ASCII is a subset of UTF-8 and the names are compared as bytes either way.
  const Hdf5Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_cset(memory_type.get(), H5Tget_cset(type.get()));
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Tset_size(memory_type.get(), H5T_VARIABLE);
    VariableLengthStrings read(n);
    NST_CHECK(H5Aread(attr.get(), memory_type.get(), read.pointers.data()) >= 0,
              file << ": cannot read attribute " << attribute << " of " << object_name);
    for (const char* s : read.pointers) strings.emplace_back(s != nullptr ? s : "");
  } else {
    // Fixed width w. Read each into w + 1 bytes, null-terminated: a null-padded name that fills all
    // w bytes (as numpy writes them) would lose its last byte if converted to w terminated bytes.
    const std::size_t stored_width = H5Tget_size(type.get());
    NST_CHECK(stored_width <= kMaxStringBytes,
              file << ": attribute " << attribute << " of " << object_name << " holds strings of " << stored_width
                   << " bytes each; a Keras name has at most " << kMaxStringBytes << " (the file is damaged)");
    const std::size_t width = stored_width + 1;
    H5Tset_size(memory_type.get(), width);
    std::vector<char> bytes(n * width, '\0');
    NST_CHECK(H5Aread(attr.get(), memory_type.get(), bytes.data()) >= 0,
              file << ": cannot read attribute " << attribute << " of " << object_name);
    for (std::size_t i = 0; i < n; ++i) strings.emplace_back(bytes.data() + i * width);
  }
  return strings;
}

std::vector<float> read_float32_dataset(hid_t group, const std::string& path, const Shape& expected,
                                        const std::string& file, const std::string& label) {
  const Hdf5Handle dataset(H5Dopen2(group, path.c_str(), H5P_DEFAULT), H5Dclose);
  NST_CHECK(dataset.valid(), file << ": no dataset " << label);

  const Hdf5Handle type(H5Dget_type(dataset.get()), H5Tclose);
  const bool is_float32 = type.valid() && H5Tget_class(type.get()) == H5T_FLOAT && H5Tget_size(type.get()) == 4;
  NST_CHECK(is_float32, file << ": dataset " << label << " holds " << (type.valid() ? type_name(type.get()) : "?")
                             << ", expected float32");

  const Hdf5Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  NST_CHECK(rank >= 0, file << ": cannot read the shape of dataset " << label);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Shape found;
  for (const hsize_t d : dims) found.push_back(static_cast<std::int64_t>(d));
  NST_CHECK(found == expected,
            file << ": dataset " << label << " has shape " << to_string(found) << ", expected " << to_string(expected));

  std::vector<float> values(static_cast<std::size_t>(numel_of(found)));
  NST_CHECK(H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0,
            file << ": cannot read dataset " << label);
  return values;
}

}  // namespace nst

#include "apps/hdf5_writer.h"

#include <hdf5.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "engine/error.h"
#include "weights/hdf5_handle.h"

namespace nst {

struct Hdf5Writer::File {
  std::string path;            // the target
  std::string temporary_path;  // written here, renamed by commit()
  Hdf5ErrorsSilenced silenced;
  Hdf5Handle file;
  bool committed = false;
};

namespace {

// "/a/b/c" → creates the groups /a and /a/b when missing.
void create_parent_groups(hid_t file, const std::string& name) {
  for (std::size_t slash = name.find('/', 1); slash != std::string::npos; slash = name.find('/', slash + 1)) {
    const std::string group = name.substr(0, slash);
    if (H5Lexists(file, group.c_str(), H5P_DEFAULT) > 0) continue;
    Hdf5Handle created(H5Gcreate2(file, group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    NST_CHECK(created.valid(), "cannot create the group " << group);
  }
}

void write_float32(hid_t file, const std::string& name, const Hdf5Handle& space, const float* values) {
  create_parent_groups(file, name);
  const Hdf5Handle dataset(
      H5Dcreate2(file, name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  NST_CHECK(dataset.valid() && H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0,
            "cannot write the dataset " << name);
}

void write_attribute(hid_t file, const std::string& name, hid_t type, const Hdf5Handle& space, const void* values) {
  const Hdf5Handle attribute(H5Acreate2(file, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  NST_CHECK(attribute.valid() && H5Awrite(attribute.get(), type, values) >= 0, "cannot write the attribute " << name);
}

Hdf5Handle vector_space(std::size_t n) {
  const hsize_t dims[1] = {n};
  return Hdf5Handle(H5Screate_simple(1, dims, nullptr), H5Sclose);
}

// Variable-length strings (ASCII character set, as Keras writes its names; h5py reads them as str).
void write_strings(hid_t file, const std::string& name, const std::vector<std::string>& values,
                   const Hdf5Handle& space) {
  const Hdf5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  NST_CHECK(type.valid() && H5Tset_size(type.get(), H5T_VARIABLE) >= 0,
            "cannot make a string type for the attribute " << name);
  std::vector<const char*> pointers;
  for (const std::string& v : values) pointers.push_back(v.c_str());
  write_attribute(file, name, type.get(), space, pointers.data());
}

// Runs `write`, adding the file's name to any error.
template <typename Write>
void naming_file(const std::string& path, Write write) {
  try {
    write();
  } catch (const Error& e) {
    NST_FAIL(path << ": " << e.message());
  }
}

}  // namespace

Hdf5Writer::Hdf5Writer(const std::string& path) : file_(std::make_unique<File>()) {
  file_->path = path;
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.parent_path();
  NST_CHECK(dir.empty() || std::filesystem::is_directory(dir),
            path << ": the folder " << dir.string() << " does not exist");
  file_->temporary_path = (dir / ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()))).string();
  file_->file = Hdf5Handle(H5Fcreate(file_->temporary_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  NST_CHECK(file_->file.valid(), path << ": cannot create " << file_->temporary_path);
}

Hdf5Writer::~Hdf5Writer() {
  if (file_->committed) return;
  file_->file = Hdf5Handle();
  std::remove(file_->temporary_path.c_str());
}

void Hdf5Writer::write(const std::string& name, const Tensor& t) {
  naming_file(file_->path, [&] {
    std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
    const Hdf5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    write_float32(file_->file.get(), name, space, t.to_host().data());
  });
}

void Hdf5Writer::write_scalar(const std::string& name, float value) {
  naming_file(file_->path,
              [&] { write_float32(file_->file.get(), name, Hdf5Handle(H5Screate(H5S_SCALAR), H5Sclose), &value); });
}

void Hdf5Writer::attribute(const std::string& name, double value) {
  naming_file(file_->path, [&] {
    write_attribute(file_->file.get(), name, H5T_NATIVE_DOUBLE, Hdf5Handle(H5Screate(H5S_SCALAR), H5Sclose), &value);
  });
}

void Hdf5Writer::attribute(const std::string& name, const std::vector<double>& values) {
  naming_file(file_->path, [&] {
    write_attribute(file_->file.get(), name, H5T_NATIVE_DOUBLE, vector_space(values.size()), values.data());
  });
}

void Hdf5Writer::attribute(const std::string& name, const std::string& value) {
  naming_file(file_->path,
              [&] { write_strings(file_->file.get(), name, {value}, Hdf5Handle(H5Screate(H5S_SCALAR), H5Sclose)); });
}

void Hdf5Writer::attribute(const std::string& name, const std::vector<std::string>& values) {
  naming_file(file_->path, [&] { write_strings(file_->file.get(), name, values, vector_space(values.size())); });
}

void Hdf5Writer::commit() {
  const bool flushed = H5Fflush(file_->file.get(), H5F_SCOPE_GLOBAL) >= 0;
  file_->file = Hdf5Handle();  // closes the file
  NST_CHECK(flushed, file_->path << ": writing " << file_->temporary_path << " failed");
  const bool renamed = std::rename(file_->temporary_path.c_str(), file_->path.c_str()) == 0;
  NST_CHECK(renamed, file_->path << ": cannot rename the temporary file over it: " << std::strerror(errno));
  file_->committed = true;
}

}  // namespace nst

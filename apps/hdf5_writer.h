#pragma once
// Writing an HDF5 file of float32 datasets and root attributes (nst explain --dump), through the
// HDF5 C API. The file appears whole or not at all: it is written under a temporary name beside
// `path` and renamed over it by commit(); without commit() the temporary file is removed.
// Errors are nst::Error naming the file and the dataset or attribute.
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace nst {

class Hdf5Writer {
 public:
  explicit Hdf5Writer(const std::string& path);
  ~Hdf5Writer();
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;

  // A float32 dataset of t's shape at `name` ("/gram/relu1_1"; missing groups are created).
  void write(const std::string& name, const Tensor& t);
  // A float32 scalar dataset (an HDF5 scalar dataspace).
  void write_scalar(const std::string& name, float value);

  // Attributes of the root group: a float64 scalar or 1-D array, a string, or a 1-D array of strings.
  void attribute(const std::string& name, double value);
  void attribute(const std::string& name, const std::vector<double>& values);
  void attribute(const std::string& name, const std::string& value);
  void attribute(const std::string& name, const std::vector<std::string>& values);

  // Closes the file and renames it over `path`.
  void commit();

 private:
  struct File;
  std::unique_ptr<File> file_;
};

}  // namespace nst

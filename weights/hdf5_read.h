#pragma once
// Reading what a Keras weights file holds, through the HDF5 C API: lists of byte strings stored as
// attributes (variable- or fixed-length) and float32 datasets. Errors are nst::Error in the form
// "<file>: <problem>". Callers keep an Hdf5ErrorsSilenced alive around these calls.
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "weights/hdf5_handle.h"

namespace nst {

// `path` opened read-only; throws when it is missing or is not an HDF5 file.
Hdf5Handle open_hdf5_file(const std::string& path);

// The group at `name` (relative to `parent`), or an invalid handle when there is none.
Hdf5Handle open_hdf5_group(hid_t parent, const std::string& name);

bool has_hdf5_attribute(hid_t object, const std::string& name);

// The strings in attribute `attribute` of `object` (a scalar or 1-D array of byte strings, either
// variable- or fixed-length, ASCII or UTF-8). `object_name` says in messages whose attribute it is.
std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& attribute, const std::string& file,
                                                    const std::string& object_name);

// The float32 dataset at `path` (relative to `group`, '/' allowed), read whole in row-major order
// after checking that it exists, is float32 and has shape `expected`. `label` names it in messages.
std::vector<float> read_float32_dataset(hid_t group, const std::string& path, const Shape& expected,
                                        const std::string& file, const std::string& label);

}  // namespace nst

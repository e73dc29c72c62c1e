#pragma once
// RAII over the HDF5 C API: Hdf5Handle owns one identifier (file, group, dataset, attribute,
// dataspace or datatype) and closes it with the matching H5?close when it goes out of scope, on
// error paths too. Hdf5ErrorsSilenced stops HDF5 printing its own error stack while it lives, so
// users see only our nst::Error.
#include <hdf5.h>

#include <utility>

namespace nst {

class Hdf5Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Hdf5Handle() = default;
  Hdf5Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  ~Hdf5Handle() { reset(); }

  Hdf5Handle(Hdf5Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  Hdf5Handle& operator=(Hdf5Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      close_ = other.close_;
    }
    return *this;
  }
  Hdf5Handle(const Hdf5Handle&) = delete;
  Hdf5Handle& operator=(const Hdf5Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }  // HDF5 returns a negative id on failure

 private:
  void reset() {
    if (id_ >= 0) close_(id_);
    id_ = H5I_INVALID_HID;
  }

  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// While alive, HDF5 prints nothing on failure; the previous handler is restored afterwards.
class Hdf5ErrorsSilenced {
 public:
  Hdf5ErrorsSilenced() {
    H5Eget_auto2(H5E_DEFAULT, &previous_handler_, &previous_data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Hdf5ErrorsSilenced() { H5Eset_auto2(H5E_DEFAULT, previous_handler_, previous_data_); }
  Hdf5ErrorsSilenced(const Hdf5ErrorsSilenced&) = delete;
  Hdf5ErrorsSilenced& operator=(const Hdf5ErrorsSilenced&) = delete;

 private:
  H5E_auto2_t previous_handler_ = nullptr;
  void* previous_data_ = nullptr;
};

}  // namespace nst

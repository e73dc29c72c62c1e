#pragma once
// Where a tensor's storage lives. The one CUDA device the process uses is chosen once (cuda_runtime.h).
#include <string>

namespace nst {

enum class Device { cpu, cuda };

inline const char* to_string(Device device) { return device == Device::cpu ? "cpu" : "cuda"; }

}  // namespace nst

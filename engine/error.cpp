#include "engine/error.h"

#include <cstring>

namespace nst {

namespace {
std::string location_of(const char* file, int line) {
  // Keep the path from the project's top folder on: "engine/ops/conv2d.cpp:41".
  std::string path = file;
  for (const char* top : {"/engine/", "/kernels/", "/layers/", "/weights/", "/apps/", "/tests/", "/bench/"}) {
    const auto pos = path.rfind(top);
    if (pos != std::string::npos) return path.substr(pos + 1) + ":" + std::to_string(line);
  }
  return path + ":" + std::to_string(line);
}
}  // namespace

Error::Error(const std::string& message, const char* file, int line) : Error(message, location_of(file, line)) {}

Error::Error(const std::string& message, const std::string& where)
    : std::runtime_error(message + " [" + where + "]"), message_(message), where_(where) {}

}  // namespace nst

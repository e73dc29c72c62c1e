#include "apps/run_step.h"

#include <utility>

namespace nst {

namespace {
std::string& current_step() {
  static std::string step;
  return step;
}
}  // namespace

void set_run_step(std::string step) { current_step() = std::move(step); }
const std::string& run_step() { return current_step(); }

}  // namespace nst

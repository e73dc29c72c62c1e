#pragma once
// What the run is doing now ("reading the style image b.jpg", "loading the weights …"), kept so
// that a failure raised where nothing names the step — memory running out deep in a library —
// can still say which step it hit (apps/main.cpp).
#include <string>

namespace nst {

void set_run_step(std::string step);
const std::string& run_step();  // "" before the first step

}  // namespace nst

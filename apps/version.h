#pragma once
// What `nst --version` prints.
#include <string>

namespace nst {

// "nst 0.1.0 (git 1a2b3c4d5e6f)": the version of CMake's project() and the commit the build was
// configured at (with "-dirty" when tracked files differed from it), or "(git commit unknown)"
// when it was configured outside a git checkout or without git.
std::string version_text();

// The commit alone (the same as version_text's), or "unknown".
std::string git_commit();

}  // namespace nst

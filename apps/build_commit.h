#pragma once
// The git commit nst was built from: 40 hex digits, "-dirty" appended when the working tree had
// changes, or "unknown" outside a git checkout. Generated at every build (apps/build_commit.cmake).

namespace nst {

const char* build_commit();

}  // namespace nst

#pragma once
// Checks made before any work, so that no command writes over one of its own inputs.
#include <string>

#include "apps/options.h"

namespace nst {

// Whether `a` and `b` name one file: the same inode (through a symlink or hard link), or the same
// path once `.`, `..` and symlinks are resolved (for a file not there yet).
bool same_file(const std::string& a, const std::string& b);

// Fails when `output` (given as `output_option`) names an input of `o`: the content, a style, the
// --init file or the --weights file.
void check_output_is_no_input(const Options& o, const std::string& output_option, const std::string& output);

}  // namespace nst

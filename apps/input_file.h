#pragma once
// Reading an input file whole, safely: only a regular file is read (a FIFO would block forever,
// /dev/zero never ends, a directory has no bytes), and running out of memory names the file.
#include <cstdint>
#include <string>
#include <vector>

namespace nst {

// The bytes of the regular file at `path`. `what` names it in messages ("image"). Throws
// nst::Error "<what> '<path>': <problem>" when it is missing, unreadable, not a regular file
// (said which kind: a directory, a FIFO, a character device, …) or too large for memory.
std::vector<std::uint8_t> read_regular_file(const std::string& path, const std::string& what);

}  // namespace nst

// read_regular_file: open without blocking, ask the open file what it is, then read it.
//
// The file is opened with O_NONBLOCK, so opening a FIFO returns at once instead of waiting for a
// writer, and fstat on the open descriptor (not stat on the name, which could change between the
// two calls) decides: only a regular file is read. Its size, known up front, sizes one allocation.
#include "apps/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "engine/error.h"

namespace nst {

namespace {

std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Closes the descriptor on every path out.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::vector<std::uint8_t> read_regular_file(const std::string& path, const std::string& what) {
  const FileDescriptor file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  const int open_errno = errno;
  NST_CHECK(file.fd >= 0, what << " '" << path << "': cannot open: " << std::strerror(open_errno));
  struct stat status {};
  NST_CHECK(::fstat(file.fd, &status) == 0, what << " '" << path << "': cannot stat: " << std::strerror(errno));
  NST_CHECK(S_ISREG(status.st_mode), what << " '" << path << "': " << file_kind(status.st_mode)
                                          << ", not a regular file; give the path of an image file");
  const auto size = static_cast<std::size_t>(status.st_size);
  std::vector<std::uint8_t> bytes;
  try {
    bytes.resize(size);
  } catch (const std::bad_alloc&) {
    NST_FAIL(what << " '" << path << "': out of memory allocating " << size << " bytes to read the file");
  }
  std::size_t got = 0;
  while (got < size) {  // a file that shrinks while read ends early; one that grows is read to its stat size
    const ssize_t n = ::read(file.fd, bytes.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    NST_CHECK(n >= 0, what << " '" << path << "': cannot read: " << std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

}  // namespace nst

#pragma once
// A file that lives in memory — a regular file on the tmpfs /dev/shm (or in $TMPDIR, then /tmp, where
// there is none) — through which the fuzz targets hand each input to the readers exactly as a user's
// file reaches them: by path, through fopen or H5Fopen. It must be a regular file: libhdf5 resolves
// a symbolic link to its target's real path before it opens a file (H5F__build_actual_name), so a
// memfd reached through /proc/self/fd/N, whose target "/memfd:… (deleted)" does not exist, is refused
// before a byte of it is parsed — every input, the seeds included. The file is removed when the
// target exits normally; a crash can leave it behind (/dev/shm/nst_*_fuzz-*).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace nst::fuzz {

class MemoryFile {
 public:
  explicit MemoryFile(const char* name) {
    std::string folder = "/dev/shm";
    if (access(folder.c_str(), W_OK) != 0) {
      const char* tmpdir = std::getenv("TMPDIR");
      folder = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    }
    std::vector<char> path_template(folder.begin(), folder.end());
    const std::string suffix = "/" + std::string(name) + "-XXXXXX";
    path_template.insert(path_template.end(), suffix.begin(), suffix.end());
    path_template.push_back('\0');
    fd_ = mkstemp(path_template.data());
    if (fd_ < 0) {
      std::perror(("creating a file in " + folder).c_str());
      std::abort();
    }
    path_ = path_template.data();
  }
  ~MemoryFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  // Makes the file hold exactly these bytes.
  void assign(const std::uint8_t* data, std::size_t size) {
    if (ftruncate(fd_, 0) != 0 || (size > 0 && pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size))) {
      std::perror("writing the memory file");
      std::abort();
    }
  }

  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace nst::fuzz

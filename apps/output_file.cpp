#include "apps/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "apps/signals.h"
#include "engine/error.h"

namespace nst {

TemporaryFile::TemporaryFile(const std::string& target, std::string what) : target_(target), what_(std::move(what)) {
  static std::atomic<unsigned> counter{0};
  int error_number = 0;
  for (int attempt = 0; attempt < 100 && !file_; ++attempt) {
    path_ = target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    // Registered before it exists, so no moment has the file on disk and unknown to a signal
    // handler; removing a name not (or no longer) there is harmless.
    register_temporary_file(path_.c_str());
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      error_number = errno;
      if (error_number == EEXIST) continue;
      break;
    }
    file_ = ::fdopen(fd, "wb");
    if (!file_) {
      error_number = errno;
      ::close(fd);
      std::remove(path_.c_str());
      break;
    }
  }
  if (!file_) unregister_temporary_file();
  NST_CHECK(file_,
            what_ << " '" << target << "': cannot create a temporary file beside it: " << std::strerror(error_number));
}

TemporaryFile::~TemporaryFile() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(path_.c_str());
  unregister_temporary_file();
}

void TemporaryFile::commit() {
  const bool written = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  int error_number = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (written && !closed) error_number = errno;
  NST_CHECK(written && closed, what_ << " '" << target_ << "': writing failed: " << std::strerror(error_number));
  const bool renamed = std::rename(path_.c_str(), target_.c_str()) == 0;
  error_number = errno;
  NST_CHECK(renamed,
            what_ << " '" << target_ << "': cannot rename the temporary file over it: " << std::strerror(error_number));
  committed_ = true;
}

void check_output_writable(const std::string& target) {
  namespace fs = std::filesystem;
  std::error_code error;
  NST_CHECK(!fs::is_directory(target, error),
            "output " << target << ": a directory has that name; give the output a file name (out.png)");
  const fs::path folder = fs::path(target).parent_path();
  NST_CHECK(folder.empty() || fs::is_directory(folder, error),
            "output " << target << ": the folder " << folder.string() << " does not exist");
  try {
    TemporaryFile probe(target, "output");  // created and, uncommitted, removed: nothing is left
  } catch (const Error& e) {
    NST_FAIL(e.message() << " (checked before the run, so nothing was computed)");
  }
}

void write_file_atomically(const std::string& path, const std::string& what,
                           const std::function<void(std::FILE*)>& write) {
  TemporaryFile temporary(path, what);
  write(temporary.stream());
  temporary.commit();
}

}  // namespace nst

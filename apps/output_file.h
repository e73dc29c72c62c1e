#pragma once
// Files nst writes: each appears whole or not at all, and a target that cannot be written is
// found before the run rather than after it.
#include <cstdio>
#include <functional>
#include <string>

namespace nst {

// A new file beside `target`, named "<target>.tmp.<pid>.<n>", removed on destruction unless
// commit() has renamed it over the target. While it exists its path is registered with
// apps/signals.h, so a signal that ends the process at once removes it too. Its errors name the
// target as `what` says it is: "image 'out.png': writing failed: No space left on device".
class TemporaryFile {
 public:
  TemporaryFile(const std::string& target, std::string what);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  std::FILE* stream() { return file_; }
  const std::string& path() const { return path_; }

  // Flushes to disk, closes and renames over the target; the target is replaced whole or not at all.
  void commit();

 private:
  std::string target_;
  std::string what_;  // "image", "checkpoint", "output"
  std::string path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

// Writes the file `path` whole or not at all: `write` fills a temporary file beside it, which is
// then flushed to disk and renamed over it (removed if `write` throws). `what` names the file's
// kind in errors, as for TemporaryFile.
void write_file_atomically(const std::string& path, const std::string& what,
                           const std::function<void(std::FILE*)>& write);

// Throws nst::Error, before any work, when `target` could not be written later: a directory has
// its name, its folder is missing, or no file can be created there (checked by creating and
// removing a temporary file beside it, as the real write will).
void check_output_writable(const std::string& target);

}  // namespace nst

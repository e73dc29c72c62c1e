#include "engine/isolated_call.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

#include "engine/error.h"

namespace nst {

namespace {

// The child's answer on the pipe: one tag byte, then
//   'K' the work's bytes;   'E' an nst::Error: message, '\0', location;   'X' another exception's what().
void write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone or stopped listening: nobody to tell
    done += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void answer_and_exit(int fd, const std::function<std::string()>& work) {
  std::string answer;
  try {
    answer = 'K' + work();
  } catch (const Error& e) {
    answer = 'E' + e.message() + '\0' + e.where();
  } catch (const std::exception& e) {
    answer = std::string("X") + e.what();
  }
  write_all(fd, answer);
  close(fd);
  _exit(0);  // no atexit handlers, no leak check, no flushing of the parent's buffered output twice
}

// Everything the child writes until it closes the pipe, or until the deadline (then `timed_out`).
std::string read_until_closed(int fd, std::chrono::steady_clock::time_point deadline, bool& timed_out) {
  std::string bytes;
  char buffer[1 << 16];
  timed_out = false;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      return bytes;
    }
    pollfd readable{fd, POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // the deadline is checked at the top
    const ssize_t n = ready < 0 ? -1 : read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return bytes;  // closed (or broken): the answer is whatever came
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string run_isolated(const std::function<std::string()>& work, const std::string& subject,
                         double time_limit_seconds) {
  int pipe_ends[2];
  NST_CHECK(pipe(pipe_ends) == 0, "cannot create a pipe to read " << subject << ": " << std::strerror(errno));
  const pid_t child = fork();
  if (child < 0) {
    close(pipe_ends[0]);
    close(pipe_ends[1]);
    NST_FAIL("cannot start a process to read " << subject << ": " << std::strerror(errno));
  }
  if (child == 0) {
    close(pipe_ends[0]);
    answer_and_exit(pipe_ends[1], work);
  }
  close(pipe_ends[1]);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                             std::chrono::duration<double>(time_limit_seconds));
  bool timed_out = false;
  const std::string answer = read_until_closed(pipe_ends[0], deadline, timed_out);
  close(pipe_ends[0]);
  if (timed_out) kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}

  NST_CHECK(!timed_out, "reading " << subject << " did not finish within " << time_limit_seconds
                                   << " s and was stopped: the file is damaged (or the disk is very slow)");
  NST_CHECK(!WIFSIGNALED(status),
            "the reader crashed on " << subject << " (" << strsignal(WTERMSIG(status)) << "): the file is damaged");
  // A crash the child handles itself — AddressSanitizer reports a SIGSEGV and exits with status 1 —
  // ends without a signal, and without an answer.
  NST_CHECK(!answer.empty() && WIFEXITED(status) && WEXITSTATUS(status) == 0,
            "the reader crashed on " << subject << " (exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
                                     << ", no answer): the file is damaged");
  const std::string body = answer.substr(1);
  switch (answer[0]) {
    case 'K':
      return body;
    case 'E': {
      const auto split = body.find('\0');
      throw Error(body.substr(0, split), split == std::string::npos ? std::string("?") : body.substr(split + 1));
    }
    default:
      NST_FAIL("reading " << subject << " failed: " << body);
  }
}

}  // namespace nst

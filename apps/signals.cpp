#include "apps/signals.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace nst {

namespace {

static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
              "the handler relies on lock-free atomics");

std::atomic<bool> deferred{false};
std::atomic<int> recorded_signal{0};

// The registered temporary: the path is written before `registered` is set and only rewritten
// after it is cleared, so a handler that sees it set reads a whole path.
char temporary_path[4096];
std::atomic<bool> registered{false};

void say(const char* text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));  // strlen is async-signal-safe
  (void)ignored;
}

const char* name_of(int signal) { return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal"; }

void on_stop_signal(int signal) {
  const bool second = deferred.load();
  if (second && recorded_signal.exchange(signal) == 0) return;  // the loop stops after this iteration
  const bool removed = registered.load() && ::unlink(temporary_path) == 0;
  if (second) {
    say("\nnst: a second stop signal (");
    say(name_of(signal));
    say("): stopped at once; the files already written are whole");
  } else {
    say("\nnst: interrupted by ");
    say(name_of(signal));
    say(" before the run; nothing was written");
  }
  say(removed ? "; the file being written was removed\n" : "\n");
  ::_exit(128 + signal);
}

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

StopSignalsDeferred::StopSignalsDeferred() { deferred.store(true); }
StopSignalsDeferred::~StopSignalsDeferred() { deferred.store(false); }

int stop_signal() { return recorded_signal.load(); }

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

void register_temporary_file(const char* path) {
  registered.store(false);
  const std::size_t length = std::strlen(path);
  if (length >= sizeof temporary_path) return;
  std::memcpy(temporary_path, path, length + 1);
  registered.store(true);
}

void unregister_temporary_file() { registered.store(false); }

}  // namespace nst

#pragma once
// SIGINT and SIGTERM (Ctrl-C, `kill`): how nst stops without leaving half-written files.
//
// A signal handler may only use async-signal-safe calls (POSIX.1-2017 §2.4.3) and lock-free
// atomics; ours reads and writes std::atomic flags, calls unlink(), write() and _exit(), nothing
// else (no malloc, no stdio, no exceptions). Two modes:
// - Deferred, while the optimisation runs (StopSignalsDeferred alive): the first signal is only
//   recorded. The loop asks stop_signal() between iterations and stops there, so a checkpoint
//   being written is finished and renamed, never cut; the caller says what was kept and exits
//   with 128 + the signal (130 for SIGINT, 143 for SIGTERM), as a shell reports a process the
//   signal killed. A second signal stops at once, as below: the user insisted.
// - Immediate, otherwise (reading the inputs, building the network): the handler removes the
//   temporary file being written, if any (its path registered by apps/output_file.h's
//   TemporaryFile), writes one line to stderr and calls _exit(128 + signal).
#include <stdexcept>
#include <string>

namespace nst {

// Installs the handler for SIGINT and SIGTERM (with SA_RESTART, so reads and writes in progress
// are not cut short by EINTR).
void install_stop_signal_handlers();

// While alive, the first SIGINT/SIGTERM is recorded rather than acted on.
class StopSignalsDeferred {
 public:
  StopSignalsDeferred();
  ~StopSignalsDeferred();
  StopSignalsDeferred(const StopSignalsDeferred&) = delete;
  StopSignalsDeferred& operator=(const StopSignalsDeferred&) = delete;
};

// The signal recorded while deferred, or 0.
int stop_signal();

// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signal);

// The one file a signal that ends the process removes: a temporary being written. `path` is
// copied (at most 4095 bytes; a longer one is not registered). One at a time: nst writes one file
// at a time.
void register_temporary_file(const char* path);
void unregister_temporary_file();

// Thrown when the run stopped for a signal; main prints what() and exits with 128 + signal.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, const std::string& message) : std::runtime_error(message), signal_(signal) {}
  int exit_code() const { return 128 + signal_; }

 private:
  int signal_;
};

}  // namespace nst

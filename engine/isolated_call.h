#pragma once
// Running a piece of work in a child process (fork), so that a library that crashes or never
// returns on damaged input — libhdf5 1.10 on a damaged weights file does both (tests/fuzz/README.md,
// "What was found") — costs the program an nst::Error instead of the program itself.
#include <functional>
#include <string>

namespace nst {

// Runs `work` in a child process and returns the bytes it returned. An nst::Error thrown in the child
// is thrown here with its message and location. Throws an nst::Error naming `subject` when the child
// crashes ("… crashed (Segmentation fault)"), stops without an answer, or has not answered within
// `time_limit_seconds` (it is then killed). `work` must not touch the GPU (a forked child may not use
// the parent's CUDA context) and runs in a process with one thread.
std::string run_isolated(const std::function<std::string()>& work, const std::string& subject,
                         double time_limit_seconds);

}  // namespace nst

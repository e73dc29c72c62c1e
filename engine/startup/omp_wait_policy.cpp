// OpenMP's wait policy, chosen before libgomp reads it (issue 11, item 1: speed on a busy machine).
//
// Why. A libgomp thread that waits — at a barrier, or for the next parallel region — first spins
// GOMP_SPINCOUNT times, then sleeps on a futex. Unless told otherwise libgomp spins 300000 times,
// "3 msec blocking when OMP_WAIT_POLICY is not specified" by its own estimate, and cuts that to 100
// only when the process itself has more threads than CPUs: it cannot see other processes (GCC 12,
// libgomp/env.c, initialize_env). An nst iteration runs many short parallel regions, our loops'
// and OpenBLAS's (its OpenMP build runs on the same team). When other programs want the cores,
// waiting threads spin away the time slices that working threads need. On the 2-core build
// machine (bench/RESULTS.md, "A busy machine"), 128 px: two nst runs at once took 1.2–1.5 s per
// iteration each with libgomp's default, 0.17–0.18 s with OMP_WAIT_POLICY=PASSIVE (spin count 0:
// a waiting thread sleeps at once), against 0.11 s for one alone either way (the idle machine
// keeps its speed); beside other sessions' work one run alone took 2–4 s against 0.19 s.
// GOMP_SPINCOUNT=3000 and 10000 were no faster alone and slower two at once (0.27 s, 0.47 s).
// PASSIVE is standard OpenMP, which LLVM's libomp honours as well.
//
// How. libgomp reads OMP_WAIT_POLICY and GOMP_SPINCOUNT once, in its library constructor
// (initialize_env, __attribute__((constructor))), which the dynamic loader runs before the
// executable's own constructors and main(): a setenv() there is too late. Nor does a setenv() in
// the executable's .preinit_array work, though glibc runs it before every library's constructor:
// libc's own initialiser runs after it and points `environ` back at the environment the kernel
// gave (glibc 2.36, csu/init-first.c: `__environ = envp`), so the change is lost (tried).
// So the function below, in .preinit_array — before any library has initialised, opened a file
// or started a thread — runs this same program again (execve of /proc/self/exe, same argv) with
// OMP_WAIT_POLICY=PASSIVE added to the environment: one exec, 15–30 ms here (nst loads 45 shared
// libraries, twice now). It does so only when the user has set neither OMP_WAIT_POLICY nor
// GOMP_SPINCOUNT: a user's choice stands, and setting either skips the exec (e.g. under valgrind,
// which would not follow it, or a debugger). If the exec fails (no /proc) the program runs on
// with libgomp's default. Child processes inherit the setting.
//
// Where. This file is compiled into every executable that links nst_engine (an INTERFACE source
// of that target, CMakeLists.txt): an object in a static library that nothing references is never
// linked, and .preinit_array is honoured only in executables. tests/cpu/omp_wait_policy_test.cpp
// checks what libgomp itself reports.
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "engine/startup/omp_wait_policy.h"

namespace {

// Whether `envp` sets `name` (getenv() cannot tell yet: libc has not set up `environ`).
bool sets(char** envp, const char* name) {
  const std::size_t length = std::strlen(name);
  for (char** entry = envp; *entry != nullptr; ++entry)
    if (std::strncmp(*entry, name, length) == 0 && (*entry)[length] == '=') return true;
  return false;
}

void choose_omp_wait_policy(int, char** argv, char** envp) {
  if (argv == nullptr || envp == nullptr || sets(envp, "OMP_WAIT_POLICY") || sets(envp, "GOMP_SPINCOUNT")) return;
  // Started as `ld.so nst …` (no interpreter base): /proc/self/exe is the loader, not nst.
  if (getauxval(AT_BASE) == 0) return;
  std::size_t count = 0;
  while (envp[count] != nullptr) ++count;
  auto** environment = static_cast<char**>(std::malloc((count + 2) * sizeof(char*)));
  if (environment == nullptr) return;
  std::memcpy(environment, envp, count * sizeof(char*));
  environment[count] = const_cast<char*>(nst::kOmpWaitPolicySetting);  // execve does not write to it
  environment[count + 1] = nullptr;
  execve("/proc/self/exe", argv, environment);
  std::free(environment);  // the exec failed: run on as we are
}

// glibc calls each entry of the executable's .preinit_array with (argc, argv, envp).
__attribute__((section(".preinit_array"), used)) void (*choose_omp_wait_policy_entry)(int, char**,
                                                                                      char**) = choose_omp_wait_policy;

}  // namespace

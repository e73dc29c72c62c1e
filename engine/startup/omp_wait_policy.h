// What every nst executable adds to its environment before libgomp starts, when the user has set
// neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT (omp_wait_policy.cpp says why and how).
#pragma once

namespace nst {

inline constexpr char kOmpWaitPolicySetting[] = "OMP_WAIT_POLICY=PASSIVE";
// How many times libgomp then spins before a waiting thread sleeps (what OMP_DISPLAY_ENV=VERBOSE
// shows as GOMP_SPINCOUNT); libgomp's own default is 300000.
inline constexpr unsigned long long kOmpSpinCount = 0;

}  // namespace nst

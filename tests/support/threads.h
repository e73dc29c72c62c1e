#pragma once
// Running a piece of a test on a given number of OpenMP threads (the kernels' and OpenBLAS's), for
// the tests that require the same bits on any thread count.
#include <omp.h>

#include <gtest/gtest.h>

namespace nst::testing {

// Runs work() with `threads` OpenMP threads, then restores the previous count. Fails the test when
// OpenMP would not give a parallel region that many threads (OMP_THREAD_LIMIT, OMP_DYNAMIC): the
// comparison would then prove nothing.
template <class Work>
void with_threads(int threads, Work work) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  int team = 0;
#pragma omp parallel
  {
#pragma omp single
    team = omp_get_num_threads();
  }
  EXPECT_EQ(team, threads) << "OpenMP gives " << team << " threads where " << threads << " were asked for";
  work();
  omp_set_num_threads(before);
}

}  // namespace nst::testing

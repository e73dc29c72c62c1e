// nst's executables choose OpenMP's wait policy before libgomp reads it
// (engine/startup/omp_wait_policy.cpp). Checked where it matters, in libgomp itself: this test
// program is run again with a controlled environment and OMP_DISPLAY_ENV=VERBOSE, which makes
// libgomp print, from its constructor, the spin count it settled on. A setenv() in main(), in a
// constructor of ours or in .preinit_array leaves libgomp's default, 300000, and fails here.
#include <unistd.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "engine/startup/omp_wait_policy.h"

namespace nst::testing {
namespace {

// What this program writes (stdout and stderr) when it lists this file's tests, started with
// OMP_WAIT_POLICY and GOMP_SPINCOUNT removed from the environment, then `environment` (NAME=value
// …) and OMP_DISPLAY_ENV=VERBOSE added.
std::string child_output(const std::string& environment) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "(cannot read /proc/self/exe)";
  self[n] = '\0';
  const std::string command = "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT " + environment + " OMP_DISPLAY_ENV=VERBOSE '" +
                              self + "' --gtest_filter='OmpWaitPolicy.*' --gtest_list_tests 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "(popen failed)";
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  pclose(pipe);
  return output;
}

// The spin count libgomp reports in `output`, or all of `output` when it reports none.
std::string spin_count(const std::string& output) {
  const std::string key = "GOMP_SPINCOUNT = '";
  const std::size_t at = output.find(key);
  if (at == std::string::npos) return output;
  const std::size_t begin = at + key.size();
  return output.substr(begin, output.find('\'', begin) - begin);
}

TEST(OmpWaitPolicy, ChosenBeforeLibgompStartsWhenTheUserSetNothing) {
  const std::string output = child_output("");
  EXPECT_EQ(spin_count(output), std::to_string(kOmpSpinCount))
      << "libgomp did not see " << kOmpWaitPolicySetting << " (its own default is 300000)";
  // The arguments reach the program that runs: it listed these tests rather than running all.
  EXPECT_NE(output.find("ChosenBeforeLibgompStartsWhenTheUserSetNothing"), std::string::npos) << output;
  EXPECT_EQ(output.find("[ RUN      ]"), std::string::npos) << output;
}

TEST(OmpWaitPolicy, TheUsersWaitPolicyStands) {
  EXPECT_EQ(spin_count(child_output("OMP_WAIT_POLICY=ACTIVE")), "30000000000");
}

TEST(OmpWaitPolicy, TheUsersSpinCountStands) { EXPECT_EQ(spin_count(child_output("GOMP_SPINCOUNT=12345")), "12345"); }

}  // namespace
}  // namespace nst::testing

// run_isolated (engine/isolated_call.h): the work's bytes come back whole; an nst::Error comes back
// with its message and location; a crash, a child that never answers, and another exception become an
// nst::Error naming the subject, and the program goes on.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/isolated_call.h"
#include "tests/support/error_of.h"
#include "tests/support/expect_mentions.h"

namespace nst::testing {
namespace {

TEST(IsolatedCall, ReturnsTheBytesOfTheWork) {
  std::string big(3 << 20, '\0');  // larger than a pipe's buffer, with every byte value
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
  EXPECT_EQ(run_isolated([&] { return big; }, "the test file", 60), big);
  EXPECT_EQ(run_isolated([] { return std::string(); }, "the test file", 60), "");
}

TEST(IsolatedCall, AnErrorComesBackWithItsMessageAndLocation) {
  try {
    run_isolated([]() -> std::string { NST_FAIL("x.h5: no dataset block1_conv1/kernel:0"); }, "the test file", 60);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "x.h5: no dataset block1_conv1/kernel:0");
    EXPECT_EQ(e.where().rfind("tests/cpu/isolated_call_test.cpp:", 0), 0u) << e.where();
  }
}

TEST(IsolatedCall, ACrashIsAnErrorNamingTheSubject) {
  const std::string error = error_of([] {
    run_isolated(
        []() -> std::string {
          raise(SIGSEGV);
          return "";
        },
        "the weights file x.h5", 60);
  });
  expect_mentions(error, {"the weights file x.h5", "crashed", "damaged"});
  // Killed by the signal; or, under AddressSanitizer, which reports the SIGSEGV itself, exit status 1.
  const bool says_how = error.find("(Segmentation fault)") != std::string::npos ||
                        error.find("(exit status 1, no answer)") != std::string::npos;
  EXPECT_TRUE(says_how) << error;
}

TEST(IsolatedCall, AChildThatNeverAnswersIsStoppedAtTheTimeLimit) {
  const auto start = std::chrono::steady_clock::now();
  const std::string error = error_of([] {
    run_isolated(
        []() -> std::string {
          for (;;) pause();
        },
        "the weights file x.h5", 0.5);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expect_mentions(error, {"the weights file x.h5", "did not finish within 0.5 s", "damaged"});
  EXPECT_LT(seconds, 10.0);
}

TEST(IsolatedCall, AnotherExceptionIsAnErrorWithItsText) {
  const std::string error = error_of(
      [] { run_isolated([]() -> std::string { throw std::length_error("vector too long"); }, "the test file", 60); });
  expect_mentions(error, {"the test file", "vector too long"});
}

}  // namespace
}  // namespace nst::testing

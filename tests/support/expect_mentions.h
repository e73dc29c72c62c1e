#pragma once
// A check of what an error message mentions, for tests of error messages.
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nst::testing {

// Each of `parts` occurs in `message`.
inline void expect_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "\"" << part << "\" is not in the message: " << message;
}

}  // namespace nst::testing

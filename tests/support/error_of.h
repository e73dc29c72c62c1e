#pragma once
// The message of the nst::Error that a call throws, for tests of error messages.
#include <string>

#include "engine/error.h"

namespace nst::testing {

// The message of the nst::Error that `call` throws, or "" if it throws none.
template <class Call>
std::string error_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

}  // namespace nst::testing

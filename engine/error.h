#pragma once
// nst::Error: every failure the engine reports, with what failed and where (file:line).
#include <sstream>
#include <stdexcept>
#include <string>

namespace nst {

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, const char* file, int line);
  // An error raised elsewhere (another process, weights/isolated_load.h) with its "file:line".
  Error(const std::string& message, const std::string& where);
  const std::string& message() const { return message_; }  // without the file:line suffix
  const std::string& where() const { return where_; }      // "engine/ops/conv2d.cpp:41"

 private:
  std::string message_, where_;
};

}  // namespace nst

// NST_FAIL("shape " << s << " is wrong"): throw an nst::Error built from a stream expression.
#define NST_FAIL(stream_expr)                                        \
  do {                                                               \
    std::ostringstream nst_fail_message_;                            \
    nst_fail_message_ << stream_expr;                                \
    throw ::nst::Error(nst_fail_message_.str(), __FILE__, __LINE__); \
  } while (0)

// NST_CHECK(cond, "message " << detail): throw when cond is false.
#define NST_CHECK(cond, stream_expr)    \
  do {                                  \
    if (!(cond)) NST_FAIL(stream_expr); \
  } while (0)

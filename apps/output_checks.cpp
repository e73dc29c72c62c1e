#include "apps/output_checks.h"

#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "engine/error.h"

namespace nst {

bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  if (std::filesystem::equivalent(a, b, error)) return true;
  const std::filesystem::path real_a = std::filesystem::weakly_canonical(a, error);
  if (error) return false;
  const std::filesystem::path real_b = std::filesystem::weakly_canonical(b, error);
  return !error && real_a == real_b;
}

void check_output_is_no_input(const Options& o, const std::string& output_option, const std::string& output) {
  std::vector<std::pair<std::string, std::string>> inputs{{"--content", o.content}};
  for (const std::string& style : o.styles) inputs.emplace_back("--style", style);
  if (o.init != "content" && o.init != "random") inputs.emplace_back("--init", o.init);
  if (!o.weights.empty()) inputs.emplace_back("--weights", o.weights);
  for (const auto& [option, path] : inputs)
    NST_CHECK(!same_file(output, path), output_option << " " << output << " is the same file as " << option << " "
                                                      << path << ": the run would overwrite it; choose another "
                                                      << output_option.substr(2) << " name");
}

}  // namespace nst

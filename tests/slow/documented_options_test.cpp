// Every option the documentation names is one the parser takes, so that renaming an option without
// its documentation (or the other way round) fails here:
//   - each option of each command's --help, given a value of the kind --help announces, parses;
//   - every --option README.md mentions is in some command's --help;
//   - every nst command line in README.md's examples parses.
// "Parses" is checked without running anything: an unknown option is added after the others, and
// the parser must complain about it alone (CLI11 reports unexpected arguments once the rest,
// values and requirements included, has been accepted).
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/run_nst.h"

namespace nst::testing {
namespace {

constexpr const char* kProbe = "--nst-documented-option-check";
const std::string kOnlyTheProbe = std::string("The following argument was not expected: ") + kProbe;

std::string readme() {
  std::ifstream in(std::string(NST_SOURCE_DIR) + "/README.md");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct HelpOption {
  std::string name;   // "--image-size"
  std::string value;  // one --help announces as valid ("" for a flag)
};

// The options of `nst <command> --help`: "  --image-size INT:INT in [16 - 8192]=512   …" takes a value
// (its default, else the first choice, else the range's lower bound, or its upper when the lower is
// excluded, else the description's "e.g." example); "  --tf32   GPU only: …" is a flag.
std::vector<HelpOption> help_options(const std::string& command) {
  const NstOutcome help = run_nst_binary(command + " --help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  const std::regex line(R"(^\s+(?:-[a-z],)?(--[a-z][a-z0-9-]*)(?: ([A-Z](?:(?!  ).)*))?(.*))");
  const std::regex default_value(R"(=(\S+))"), choice(R"(\{([^,}]+))"), low(R"(\[([-0-9.e+]+) -)"),
      high(R"(- ([-0-9.e+]+)\])"), example(R"(e\.g\. ([^ ,]+))");
  std::vector<HelpOption> options;
  std::istringstream in(help.output);
  for (std::string text; std::getline(in, text);) {
    std::smatch m, v;
    if (!std::regex_search(text, m, line)) continue;
    HelpOption option{m[1], ""};
    const std::string type = m[2], description = m[3];
    if (!type.empty()) {
      if (std::regex_search(type, v, default_value) || std::regex_search(type, v, choice) ||
          std::regex_search(type, v, low) || std::regex_search(type, v, high))
        option.value = v[1];
      else if (std::regex_search(description, v, example))
        option.value = v[1];
      else
        option.value = "1";  // TEXT, INT, UINT, CHECKPOINT: checked when the run starts, not here
    }
    options.push_back(option);
  }
  return options;
}

// What the parser says to `nst <arguments> <probe>`: empty when it objects to the probe alone.
std::string parse_problem(const std::string& arguments) {
  const NstOutcome o = run_nst_binary(arguments + " " + kProbe);
  if (o.output.find(kOnlyTheProbe) != std::string::npos && o.output.find("arguments were") == std::string::npos)
    return "";
  return "nst " + arguments + ": " + o.output;
}

struct Command {
  std::string name, required;  // the command's word and its required options
};

const std::vector<Command> kCommands{{"", "--content c.jpg --style s.jpg --output o.png"},
                                     {"explain", "--content c.jpg --style s.jpg"},
                                     {"gradcheck", "--content c.jpg --style s.jpg"}};

TEST(DocumentedOptions, EachOptionOfEachHelpParses) {
  for (const Command& command : kCommands) {
    const std::vector<HelpOption> options = help_options(command.name);
    EXPECT_GT(options.size(), 15u) << "nst " << command.name << " --help lists too few options: the parse broke";
    for (const HelpOption& option : options) {
      if (option.name == "--help" || option.name == "--version") continue;          // they exit before the check
      if (command.required.find(option.name + " ") != std::string::npos) continue;  // given already
      EXPECT_EQ(parse_problem(command.name + " " + command.required + " " + option.name + " " + option.value), "");
    }
  }
}

TEST(DocumentedOptions, EveryOptionTheReadmeNamesIsInAHelp) {
  std::set<std::string> known{"--fix"};  // tests/format.sh's, in the README's development notes
  for (const char* command : {"", "explain", "gradcheck", "visualize", "compare"})
    for (const HelpOption& option : help_options(command)) known.insert(option.name);
  const std::string text = readme();
  const std::regex option(R"(--[a-z][a-z0-9-]*)");
  std::size_t named = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option); it != std::sregex_iterator(); ++it, ++named)
    EXPECT_TRUE(known.count(it->str())) << "README.md names " << it->str() << ", which no --help lists";
  EXPECT_GT(named, 30u);
}

TEST(DocumentedOptions, EveryReadmeCommandLineParses) {
  // "    ./build/nst ARGS [# comment]", or after "&&" on such a line; --version exits before the check.
  const std::regex invocation(R"(\./build/nst((?: (?!&&)[^ #\n]+)*))");
  const std::string text = readme();
  std::size_t checked = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("    ", 0) != 0) continue;  // examples are indented code blocks
    for (auto it = std::sregex_iterator(line.begin(), line.end(), invocation); it != std::sregex_iterator(); ++it) {
      const std::string arguments = (*it)[1];
      if (arguments.find("--version") != std::string::npos) continue;
      EXPECT_EQ(parse_problem(arguments), "");
      ++checked;
    }
  }
  EXPECT_GE(checked, 6u) << "the README's examples were not found";
}

}  // namespace
}  // namespace nst::testing

// docs/MATH.md traces each formula to the functions that compute it, as links
// [function](../path/to/file). Every such link must name a function defined at the top level of
// the linked file (a line that starts with its return type and holds `function(`), and every CPU
// kernel linked must have its CUDA twin linked too when kernels/ declares one.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Link {
  std::string function, file;
};

std::vector<Link> function_links(const std::string& markdown) {
  std::vector<Link> links;
  const std::regex link(R"(\[([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)?)\]\(\.\./([^)\s#]+)\))");
  for (auto it = std::sregex_iterator(markdown.begin(), markdown.end(), link); it != std::sregex_iterator(); ++it)
    links.push_back({(*it)[1], (*it)[2]});
  return links;
}

// A top-level definition: a line starting with a type (no indentation) that holds `function(`.
bool defines(const std::string& source, const std::string& function) {
  std::istringstream lines(source);
  std::string line;
  const std::regex name("(^|[^A-Za-z0-9_:])" + function + R"(\()");
  while (std::getline(lines, line))
    if (!line.empty() && line[0] != ' ' && line[0] != '/' && line[0] != '#' && std::regex_search(line, name))
      return true;
  return false;
}

TEST(MathLinks, EveryLinkedFunctionIsDefinedInItsFile) {
  const fs::path root = NST_SOURCE_DIR;
  const std::vector<Link> links = function_links(read_text(root / "docs/MATH.md"));
  ASSERT_GE(links.size(), 40u) << "MATH.md's table of formulas and functions is missing";
  for (const Link& l : links) {
    const fs::path file = root / l.file;
    ASSERT_TRUE(fs::exists(file)) << l.function << " links to " << l.file << ", which does not exist";
    EXPECT_TRUE(defines(read_text(file), l.function)) << l.file << " defines no " << l.function;
  }
}

TEST(MathLinks, EachCpuKernelLinkedHasItsCudaTwinLinked) {
  const fs::path root = NST_SOURCE_DIR;
  std::set<std::string> linked;
  for (const Link& l : function_links(read_text(root / "docs/MATH.md"))) linked.insert(l.function);
  std::string headers;
  for (const auto& entry : fs::directory_iterator(root / "kernels"))
    if (entry.path().extension() == ".h") headers += read_text(entry.path());
  int pairs = 0;
  for (const std::string& f : linked) {
    if (f.size() < 4 || f.compare(f.size() - 4, 4, "_cpu") != 0) continue;
    const std::string twin = f.substr(0, f.size() - 4) + "_cuda";
    if (headers.find(twin + "(") == std::string::npos) continue;  // CPU only (Winograd)
    EXPECT_TRUE(linked.count(twin)) << f << " is linked but not " << twin;
    ++pairs;
  }
  EXPECT_GE(pairs, 20);
}

// The check itself: a name the file does not define, or defines only inside a call, is refused.
TEST(MathLinks, TheCheckRefusesWhatIsNotADefinition) {
  const std::string source = "void style_loss_cpu(int c) {\n  tv_loss_cpu(c);\n}\nvoid Lbfgs::step(Tensor& x) {}\n";
  EXPECT_TRUE(defines(source, "style_loss_cpu"));
  EXPECT_TRUE(defines(source, "Lbfgs::step"));
  EXPECT_FALSE(defines(source, "tv_loss_cpu"));
  EXPECT_FALSE(defines(source, "loss_cpu"));
  EXPECT_EQ(function_links("[a_cpu](../kernels/a.cpp) [text](http://x) [Adam::step](../layers/adam.cpp)").size(), 2u);
}

}  // namespace
}  // namespace nst::testing

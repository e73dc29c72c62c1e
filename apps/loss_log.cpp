#include "apps/loss_log.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <vector>

#include "engine/error.h"

namespace nst {

namespace {

constexpr const char* kHeader = "iteration,total,content,style,tv";

}  // namespace

void check_loss_log_path(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  NST_CHECK(dir.empty() || std::filesystem::is_directory(dir),
            "loss log " << path << ": the folder " << dir.string() << " does not exist");
  NST_CHECK(!std::filesystem::is_directory(path), "loss log " << path << " is a folder");
}

LossLog::LossLog(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "w")) {
  NST_CHECK(file_ != nullptr, "loss log " << path << ": cannot create it: " << std::strerror(errno));
  std::fprintf(file_, "%s\n", kHeader);
  std::fflush(file_);
}

LossLog::~LossLog() { std::fclose(file_); }

void LossLog::record(int iteration, const LossValues& l) {
  // %.9g: a float's value exactly, so the log reads back bit for bit.
  const bool written =
      std::fprintf(file_, "%d,%.9g,%.9g,%.9g,%.9g\n", iteration, l.total, l.content, l.style, l.tv) > 0 &&
      std::fflush(file_) == 0;
  NST_CHECK(written, "loss log " << path_ << ": writing failed: " << std::strerror(errno));
}

std::vector<LossRow> read_loss_log(const std::string& path) {
  std::ifstream in(path);
  NST_CHECK(in, "loss log " << path << ": cannot open it: " << std::strerror(errno));
  std::string line;
  NST_CHECK(std::getline(in, line) && line == kHeader,
            "loss log " << path << ": line 1 is not the header '" << kHeader << "'");
  std::vector<LossRow> rows;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    // strtod, not >>, so the nan or inf of a run that turned non-finite reads back too.
    std::vector<double> fields;
    const char* text = line.c_str();
    bool parsed = true;  // every field a number, none empty
    for (;;) {
      char* end = nullptr;
      const double value = std::strtod(text, &end);
      if (end == text) {
        parsed = false;
        break;
      }
      fields.push_back(value);
      text = end;
      if (*text != ',') break;
      ++text;
    }
    NST_CHECK(parsed && fields.size() == 5 && *text == '\0',
              "loss log " << path << ": line " << number << " is not 'iteration,total,content,style,tv': " << line);
    LossRow row;
    row.iteration = static_cast<int>(fields[0]);
    row.losses = {static_cast<float>(fields[1]), static_cast<float>(fields[2]), static_cast<float>(fields[3]),
                  static_cast<float>(fields[4])};
    rows.push_back(row);
  }
  NST_CHECK(!rows.empty(), "loss log " << path << ": no rows after the header");
  return rows;
}

}  // namespace nst

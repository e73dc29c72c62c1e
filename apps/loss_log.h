#pragma once
// A run's losses as CSV, one row per iteration (what `nst --loss-log` writes and
// `nst visualize --loss-plot` reads):
//
//   iteration,total,content,style,tv
//   1,3.2e+07,0,3.1e+07,1.2e+05
//
// Row i holds J and its weighted terms (Σα_c·J_content^c, Σβ_l·J_style^l, γ·TV) at the image the
// optimizer evaluated in iteration i, before that iteration's step. Over several scales (--scales)
// the iterations count on across them: scale 2's first row follows scale 1's last, and holds the
// loss of scale 2's own objective. A scale optimised in tiles writes one row per pass: J of the whole
// image before pass p+1 (after p passes, p = 0, 1, …) at iteration ⌊p·iterations/passes⌋ + 1.
#include <cstdio>
#include <string>
#include <vector>

#include "layers/style_objective.h"

namespace nst {

// Fails, naming the file, when a log could not be created at `path` (its folder is missing).
void check_loss_log_path(const std::string& path);

class LossLog {
 public:
  // Creates (truncates) `path` and writes the header.
  explicit LossLog(const std::string& path);
  ~LossLog();
  LossLog(const LossLog&) = delete;
  LossLog& operator=(const LossLog&) = delete;

  // Appends one row and flushes it, so the log of a run that stops holds every row until then.
  void record(int iteration, const LossValues& losses);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

struct LossRow {
  int iteration = 0;
  LossValues losses;
};

// Reads a log; a missing file, a wrong header or a malformed row is an nst::Error naming the file
// and the line.
std::vector<LossRow> read_loss_log(const std::string& path);

}  // namespace nst

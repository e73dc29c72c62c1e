#include "apps/progress.h"

#include <string>
#include <utility>

namespace nst {

namespace {

std::string format_duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%lds", s);
  return text;
}

}  // namespace

ProgressReporter::ProgressReporter(int iterations, std::FILE* out, bool live, int first_iteration, std::string label)
    : label_(std::move(label)),
      iterations_(iterations),
      first_iteration_(first_iteration),
      out_(out),
      live_(live),
      start_(std::chrono::steady_clock::now()) {}

double ProgressReporter::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressReporter::update(int iteration, const std::optional<LossValues>& losses) {
  if (losses) last_losses_ = losses;
  if (!live_ && !losses) return;
  const double elapsed = elapsed_seconds();
  const double rate = (iteration - first_iteration_ + 1) / (elapsed > 0 ? elapsed : 1e-9);
  const double left = (iterations_ - iteration) / rate;
  char loss_text[160] = "";
  if (last_losses_)
    std::snprintf(loss_text, sizeof loss_text, "  loss %.4g (content %.4g, style %.4g, tv %.4g)", last_losses_->total,
                  last_losses_->content, last_losses_->style, last_losses_->tv);
  std::fprintf(out_, "%s%siteration %d/%d%s  %.2f it/s  ETA %s%s", live_ ? "\r\033[K" : "", label_.c_str(), iteration,
               iterations_, loss_text, rate, format_duration(left).c_str(), live_ ? "" : "\n");
  std::fflush(out_);
}

void ProgressReporter::finish() {
  if (live_) std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace nst

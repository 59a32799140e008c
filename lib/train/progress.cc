#include "lib/train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace otgan::train {
namespace {
constexpr double kRateWindowS = 0.5;   // minimum window for one rate sample
constexpr double kRateSmoothing = 0.3; // weight of the newest window
constexpr double kTerminalRedrawS = 0.2;
}  // namespace

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  int64_t s = static_cast<int64_t>(std::llround(seconds));
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  if (s < 86400) return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
  return absl::StrFormat("%dd%02dh", s / 86400, (s % 86400) / 3600);
}

ProgressReporter::ProgressReporter(int64_t total, int64_t start_step, std::ostream* out,
                                   bool terminal, double plain_interval_s)
    : total_(total),
      start_step_(start_step),
      out_(out),
      terminal_(terminal),
      plain_interval_s_(plain_interval_s),
      t0_(std::chrono::steady_clock::now()),
      step_(start_step),
      window_step_(start_step) {}

double ProgressReporter::Now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count() -
         excluded_s_;
}

void ProgressReporter::Update(int64_t step, const NamedValues& losses, bool force) {
  UpdateAt(step, losses, Now(), force);
}

void ProgressReporter::UpdateAt(int64_t step, const NamedValues& losses, double now_s,
                                bool force) {
  step_ = step;
  losses_ = losses;
  const double dt = now_s - window_time_;
  if (dt >= kRateWindowS && step > window_step_) {
    const double r = static_cast<double>(step - window_step_) / dt;
    rate_ = have_rate_ ? (1 - kRateSmoothing) * rate_ + kRateSmoothing * r : r;
    have_rate_ = true;
    window_time_ = now_s;
    window_step_ = step;
  } else if (!have_rate_ && now_s > 0 && step > start_step_) {
    rate_ = static_cast<double>(step - start_step_) / now_s;
  }
  if (out_ == nullptr) return;
  if (terminal_) {
    if (force || now_s - last_print_ >= kTerminalRedrawS) {
      *out_ << '\r' << Line() << "\x1b[K" << std::flush;
      line_open_ = true;
      last_print_ = now_s;
    }
  } else if (force || now_s - last_print_ >= plain_interval_s_) {
    *out_ << Line() << '\n' << std::flush;
    last_print_ = now_s;
  }
}

void ProgressReporter::Finish() {
  if (finished_ || out_ == nullptr) return;
  finished_ = true;
  if (terminal_) {
    *out_ << '\r' << Line() << "\x1b[K\n" << std::flush;
  } else {
    *out_ << Line() << '\n' << std::flush;
  }
  line_open_ = false;
}

std::string ProgressReporter::Line() const {
  const double pct = total_ > 0 ? 100.0 * static_cast<double>(step_) / total_ : 100.0;
  std::string line = absl::StrFormat("step %d/%d (%.1f%%)", step_, total_, pct);
  if (rate_ > 0) {
    absl::StrAppend(&line, absl::StrFormat(" | %.3g it/s | ETA %s", rate_,
                                           FormatDuration((total_ - step_) / rate_)));
  } else {
    absl::StrAppend(&line, " | ? it/s | ETA ?");
  }
  if (!losses_.empty()) {
    absl::StrAppend(&line, " |");
    for (const auto& [name, value] : losses_) {
      absl::StrAppend(&line, absl::StrFormat(" %s=%.4g", name, value));
    }
  }
  return line;
}

}  // namespace otgan::train

// Progress line for training loops: step/total, smoothed iterations per
// second, ETA and the current losses.
//
// On a terminal the line is redrawn in place ("\r", at most 5 times a second);
// otherwise (a log file, CI) a plain line is printed every `plain_interval_s`
// seconds and once at the end, so logs stay short.
//
//   otgan::train::ProgressReporter progress(total, /*start_step=*/0, &std::cerr,
//                                           otgan::train::StderrIsTerminal());
//   for (int64_t s = 0; s < total; ++s) {
//     Step();
//     progress.Update(s + 1, {{"critic_loss", c}, {"gen_loss", g}});
//   }
//   progress.Finish();
//
//   step 1200/5000 (24.0%) | 3.41 it/s | ETA 18m35s | critic_loss=-0.0213 gen_loss=0.412
#ifndef OTGAN_LIB_TRAIN_PROGRESS_H_
#define OTGAN_LIB_TRAIN_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace otgan::train {

using NamedValues = std::vector<std::pair<std::string, double>>;

// True when stderr is a terminal (isatty).
bool StderrIsTerminal();

// "12s", "4m18s", "3h02m", "2d04h"; negative or non-finite values give "?".
std::string FormatDuration(double seconds);

class ProgressReporter {
 public:
  // `start_step` is where this process started (the resumed step), so the
  // rate counts only steps run here.
  ProgressReporter(int64_t total, int64_t start_step, std::ostream* out, bool terminal,
                   double plain_interval_s = 10.0);

  // Reports `step` completed steps; prints if due (or always when `force`).
  void Update(int64_t step, const NamedValues& losses, bool force = false);
  // The same with an explicit clock reading: seconds since construction (tests).
  void UpdateAt(int64_t step, const NamedValues& losses, double now_s, bool force = false);
  // Prints the final state (and ends the terminal line).
  void Finish();
  // Leaves `seconds` of work that is not training (an evaluation) out of the
  // clock, so the rate and ETA count training only: without it, the first
  // line after the step-0 evaluation curve overstated the ETA by ~10x.
  void ExcludeSeconds(double seconds) { excluded_s_ += seconds; }

  // Smoothed iterations per second (0 before any step).
  double ItersPerSecond() const { return rate_; }
  // The text of the progress line for the last update.
  std::string Line() const;

 private:
  double Now() const;

  int64_t total_;
  int64_t start_step_;
  std::ostream* out_;
  bool terminal_;
  double plain_interval_s_;
  std::chrono::steady_clock::time_point t0_;
  double excluded_s_ = 0;    // ExcludeSeconds' total, subtracted by Now()
  int64_t step_ = 0;
  NamedValues losses_;
  double rate_ = 0;
  int64_t window_step_;      // step at the start of the current rate window
  double window_time_ = 0;   // clock at the start of the current rate window
  bool have_rate_ = false;
  double last_print_ = -1e300;
  bool line_open_ = false;   // terminal line drawn without a newline
  bool finished_ = false;
};

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_PROGRESS_H_

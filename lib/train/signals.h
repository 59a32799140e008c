// Graceful stop on SIGINT / SIGTERM for long training runs.
//
// While a ScopedStopSignals object lives, SIGINT and SIGTERM only set a flag
// (async-signal-safe); the training loop polls StopRequested() at the end of
// each step, writes a checkpoint and returns. A second signal of the same
// kind while the flag is already set restores the default action and
// re-raises it, so pressing Ctrl-C twice still kills a stuck program. The
// destructor restores the handlers that were installed before.
//
//   otgan::train::ScopedStopSignals stop;
//   for (...) {
//     Step();
//     if (stop.StopRequested()) { SaveCheckpoint(); return Cancelled(...); }
//   }
#ifndef OTGAN_LIB_TRAIN_SIGNALS_H_
#define OTGAN_LIB_TRAIN_SIGNALS_H_

#include <csignal>
#include <string>

namespace otgan::train {

class ScopedStopSignals {
 public:
  // Installs the handlers and clears the flag.
  ScopedStopSignals();
  ~ScopedStopSignals();
  ScopedStopSignals(const ScopedStopSignals&) = delete;
  ScopedStopSignals& operator=(const ScopedStopSignals&) = delete;

  // True once SIGINT or SIGTERM arrived since construction.
  bool StopRequested() const;
  // The signal that arrived (SIGINT or SIGTERM), or 0.
  int Signal() const;
  // "SIGINT", "SIGTERM" or "signal N".
  static std::string SignalName(int signo);

 private:
  struct sigaction old_int_;
  struct sigaction old_term_;
};

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_SIGNALS_H_

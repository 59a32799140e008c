#include "lib/train/signals.h"

#include <atomic>

namespace otgan::train {
namespace {

// The signal number that requested a stop, 0 if none. Lock-free atomics are
// async-signal-safe.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void OnStopSignal(int signo) {
  int expected = 0;
  if (!g_stop_signal.compare_exchange_strong(expected, signo) && expected == signo) {
    // Second identical signal: give up on the graceful path.
    std::signal(signo, SIG_DFL);
    std::raise(signo);
  }
}

}  // namespace

ScopedStopSignals::ScopedStopSignals() {
  g_stop_signal.store(0);
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

ScopedStopSignals::~ScopedStopSignals() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool ScopedStopSignals::StopRequested() const { return g_stop_signal.load() != 0; }

int ScopedStopSignals::Signal() const { return g_stop_signal.load(); }

std::string ScopedStopSignals::SignalName(int signo) {
  if (signo == SIGINT) return "SIGINT";
  if (signo == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signo);
}

}  // namespace otgan::train

// One writer per run folder: an exclusive advisory lock (flock) on
// <run_dir>/.lock, held by this process until it exits.
//
// The first AcquireRunLock for a folder opens (creating if needed) its .lock
// file, takes a non-blocking exclusive flock on it and writes this process's
// pid into it; later calls for the same folder in the same process succeed at
// once (the replication mains lock in StartRun and the Trainer locks again).
// A folder locked by another live process is refused at once with
// FailedPrecondition naming the holder's pid (read from the file). The kernel
// drops a flock when its holder dies, however it dies, so the .lock file of a
// crashed run (its pid dead) never blocks: only a live holder does. The file
// stays in the folder after the run (removing it would race with a waiter).
//
//   OTGAN_RETURN_IF_ERROR(otgan::io::AcquireRunLock("runs/otgan_mnist/cpu"));
//   // ... write into the folder; the lock goes when the process exits.
#ifndef OTGAN_LIB_IO_RUN_LOCK_H_
#define OTGAN_LIB_IO_RUN_LOCK_H_

#include <string>

#include "absl/status/status.h"

namespace otgan::io {

// The lock file of `run_dir`: <run_dir>/.lock.
std::string RunLockPath(const std::string& run_dir);

// Locks `run_dir` (which must exist) for this process; idempotent. Errors:
// FailedPrecondition "run folder <dir> is in use by another run (pid N) ..."
// when another process holds it; Unavailable when the lock file cannot be
// created or locked (e.g. a read-only folder), naming the file and the reason.
absl::Status AcquireRunLock(const std::string& run_dir);

// Whether this process holds the lock of `run_dir`.
bool HoldsRunLock(const std::string& run_dir);

// Drops this process's lock of `run_dir` (tests; a run just exits).
void ReleaseRunLock(const std::string& run_dir);

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_RUN_LOCK_H_

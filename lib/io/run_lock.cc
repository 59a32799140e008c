#include "lib/io/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace otgan::io {
namespace {

namespace fs = std::filesystem;

std::mutex& Mutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}

// Canonical folder -> fd of its locked .lock file.
std::map<std::string, int>& Held() {
  static auto* held = new std::map<std::string, int>;
  return *held;
}

std::string Key(const std::string& run_dir) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(run_dir, ec), ec);
  return ec ? run_dir : p.string();
}

// The pid written in an open lock file, or "unknown".
std::string HolderPid(int fd) {
  char buf[32] = {0};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  int64_t pid = 0;
  if (n > 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(std::string(buf, n)), &pid) && pid > 0) {
    return absl::StrCat(pid);
  }
  return "unknown";
}

}  // namespace

std::string RunLockPath(const std::string& run_dir) {
  return (fs::path(run_dir) / ".lock").string();
}

absl::Status AcquireRunLock(const std::string& run_dir) {
  std::lock_guard<std::mutex> guard(Mutex());
  const std::string key = Key(run_dir);
  const std::string path = RunLockPath(run_dir);
  if (auto it = Held().find(key); it != Held().end()) {
    // Still the same file? (The folder may have been deleted and made anew.)
    struct stat held_st, path_st;
    if (::fstat(it->second, &held_st) == 0 && ::stat(path.c_str(), &path_st) == 0 &&
        held_st.st_dev == path_st.st_dev && held_st.st_ino == path_st.st_ino) {
      return absl::OkStatus();
    }
    ::close(it->second);
    Held().erase(it);
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot create the run folder lock ", path, ": ",
                                               std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string msg;
    if (err == EWOULDBLOCK) {
      msg = absl::StrCat("run folder ", run_dir, " is in use by another run (pid ", HolderPid(fd),
                         ", which holds ", path,
                         "); wait for it to finish, or choose another output folder");
    }
    ::close(fd);
    if (err == EWOULDBLOCK) return absl::FailedPreconditionError(msg);
    return absl::UnavailableError(
        absl::StrCat("cannot lock ", path, ": ", std::strerror(err)));
  }
  const std::string pid = absl::StrCat(::getpid(), "\n");
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("cannot write the run folder lock ", path, ": ", err));
  }
  Held()[key] = fd;
  return absl::OkStatus();
}

bool HoldsRunLock(const std::string& run_dir) {
  std::lock_guard<std::mutex> guard(Mutex());
  return Held().count(Key(run_dir)) > 0;
}

void ReleaseRunLock(const std::string& run_dir) {
  std::lock_guard<std::mutex> guard(Mutex());
  auto it = Held().find(Key(run_dir));
  if (it == Held().end()) return;
  ::close(it->second);  // closing the only descriptor drops the flock
  Held().erase(it);
}

}  // namespace otgan::io

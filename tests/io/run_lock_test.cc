#include "lib/io/run_lock.h"

#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace otgan::io {
namespace {

namespace fs = std::filesystem;

std::string NewDir(const std::string& name) {
  fs::path d = fs::path(::testing::TempDir()) / "run_lock_test" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

// Whether another process could take the lock of `dir` right now.
bool OtherProcessCanLock(const std::string& dir) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(RunLockPath(dir).c_str(), O_RDWR | O_CREAT, 0644);
    _exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(RunLockTest, HeldUntilReleasedAndIdempotentInOneProcess) {
  const std::string dir = NewDir("held");
  ASSERT_TRUE(AcquireRunLock(dir).ok());
  EXPECT_TRUE(AcquireRunLock(dir).ok());
  EXPECT_TRUE(HoldsRunLock(dir));
  EXPECT_FALSE(OtherProcessCanLock(dir));
  std::ifstream in(RunLockPath(dir));
  std::string pid;
  in >> pid;
  EXPECT_EQ(pid, absl::StrCat(getpid()));
  ReleaseRunLock(dir);
  EXPECT_FALSE(HoldsRunLock(dir));
  EXPECT_TRUE(OtherProcessCanLock(dir));
}

TEST(RunLockTest, LiveHolderIsNamedDeadHolderDoesNotBlock) {
  const std::string dir = NewDir("holder");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t holder = fork();
  if (holder == 0) {
    close(fds[0]);
    const char ok = AcquireRunLock(dir).ok() ? 'y' : 'n';
    (void)!write(fds[1], &ok, 1);
    for (;;) pause();
  }
  close(fds[1]);
  char ok = 0;
  ASSERT_EQ(read(fds[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');
  absl::Status st = AcquireRunLock(dir);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_NE(st.message().find(absl::StrCat("pid ", holder)), std::string::npos) << st;
  kill(holder, SIGKILL);
  waitpid(holder, nullptr, 0);
  // The dead holder's pid is still in the file; the lock is free.
  EXPECT_TRUE(AcquireRunLock(dir).ok());
  ReleaseRunLock(dir);
}

TEST(RunLockTest, RecreatedFolderIsLockedAgain) {
  const std::string dir = NewDir("recreated");
  ASSERT_TRUE(AcquireRunLock(dir).ok());
  fs::remove_all(dir);
  fs::create_directories(dir);
  ASSERT_TRUE(AcquireRunLock(dir).ok());
  EXPECT_FALSE(OtherProcessCanLock(dir));  // the new .lock is held, not only the deleted one
  ReleaseRunLock(dir);
}

TEST(RunLockTest, MissingFolderIsAnError) {
  absl::Status st = AcquireRunLock(NewDir("gone") + "/no/such/folder");
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
}

}  // namespace
}  // namespace otgan::io

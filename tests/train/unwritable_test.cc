// A run whose checkpoints/ folder cannot be written is refused before its
// first step (the old behaviour: it trained until the first checkpoint and
// failed there, leaving a partial folder). The Trainer runs in a child
// process as an unprivileged user (uid 65534) when the test runs as root,
// since root may write into a read-only folder (skipped when root cannot drop
// privileges, as inside Bazel's sandbox); this binary forks before LibTorch
// starts any thread.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <ATen/Parallel.h>

#include "gtest/gtest.h"
#include "lib/train/trainer.h"
#include "tests/train/tiny_gan.h"

namespace otgan::train {
namespace {

namespace fs = std::filesystem;

// Child: 0 = refused with PermissionDenied before any step; 2 = it trained; 3 = other.
int TrainInto(const std::string& run_dir) {
  if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) return 4;
  at::set_num_threads(1);
  testing::TinyGan model(1);
  TrainerConfig c;
  c.run_dir = run_dir;
  c.total_steps = 10;
  c.log_every = 1;
  c.checkpoint_every = 5;
  c.show_progress = false;
  Trainer trainer(c);
  model.Register(trainer);
  int steps = 0;
  absl::Status st = trainer.Run(
      [&](int64_t) -> absl::StatusOr<StepLosses> {
        ++steps;
        return model.Step();
      },
      {"critic_loss", "gen_loss"});
  if (steps > 0) return 2;
  const bool named = st.message().find(run_dir + "/checkpoints") != std::string::npos;
  return st.code() == absl::StatusCode::kPermissionDenied && named ? 0 : 3;
}

TEST(UnwritableTest, ReadOnlyCheckpointsFolderIsRefusedBeforeTheFirstStep) {
  char tmpl[] = "/dev/shm/otgan_unwritable_XXXXXX";  // reachable by uid 65534, also in the sandbox
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl, run = root + "/run";
  fs::create_directories(run + "/checkpoints");
  chmod(root.c_str(), 0755);
  chmod(run.c_str(), 0777);
  chmod((run + "/checkpoints").c_str(), 0555);
  const pid_t pid = fork();
  if (pid == 0) _exit(TrainInto(run));
  int status = 0;
  waitpid(pid, &status, 0);
  fs::remove_all(root);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 4) {
    // Root that cannot become another user (e.g. Bazel's sandbox maps only
    // uid 0) can write into a read-only folder: nothing to test here.
    GTEST_SKIP() << "running as root without the right to drop privileges";
  }
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "2: it trained although checkpoints/ is read-only; 3: refused for another reason; "
         "4: could not drop root";
  EXPECT_FALSE(fs::exists(run + "/metrics.csv"));
}

}  // namespace
}  // namespace otgan::train

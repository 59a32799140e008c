// The Trainer's guarantees about its run folder: a damaged checkpoint is
// skipped on resume (and named), the NaN guard names the newest checkpoint
// that verifies, a refused run writes nothing (deferred actions included),
// and a folder held by another live process is refused at once naming its
// pid, while the lock file of a dead process does not block.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include <ATen/Parallel.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/io/run_lock.h"
#include "lib/train/trainer.h"
#include "tests/train/tiny_gan.h"

namespace otgan::train {
namespace {

namespace fs = std::filesystem;
using testing::TinyGan;
using testing::TinyRunConfig;

const std::vector<std::string> kLosses = {"critic_loss", "gen_loss"};

absl::Status Train(TinyGan& model, const TrainerConfig& config, int64_t nan_at = -1) {
  Trainer trainer(config);
  model.Register(trainer);
  return trainer.Run(
      [&](int64_t step) -> absl::StatusOr<StepLosses> {
        StepLosses l = model.Step();
        if (step == nan_at) l["gen_loss"] = std::numeric_limits<double>::quiet_NaN();
        return l;
      },
      kLosses);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Flips the low bit of one byte in the middle of the checkpoint's contents.
void FlipABit(const std::string& path) {
  std::string bytes = ReadAll(path);
  bytes[bytes.size() / 2] ^= 1;
  WriteAll(path, bytes);
}

void ExpectIdentical(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i].value(), pb[i].value())) << pa[i].key();
  }
}

TEST(RunFolderTest, ResumeSkipsADamagedNewestCheckpointAndSaysSo) {
  at::set_num_threads(1);
  TinyGan straight(3);
  ASSERT_TRUE(Train(straight, TinyRunConfig("skip_straight", 20)).ok());

  TinyGan first(3);
  ASSERT_TRUE(Train(first, TinyRunConfig("skip", 15)).ok());  // ckpt_5, 10, 15
  const TrainerConfig c = TinyRunConfig("skip", 20, /*resume=*/true);
  const std::string dir = (fs::path(c.run_dir) / "checkpoints").string();
  FlipABit(CheckpointPath(dir, 15));

  TinyGan second(777);
  ::testing::internal::CaptureStderr();
  absl::Status st = Train(second, c);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_NE(err.find("skipping " + CheckpointPath(dir, 15)), std::string::npos) << err;
  EXPECT_NE(err.find("checksum mismatch"), std::string::npos) << err;
  EXPECT_TRUE(fs::exists(CheckpointPath(dir, 15) + ".corrupt"));
  // Resumed from ckpt_10: the result is the uninterrupted run's, bit for bit.
  ExpectIdentical(*straight.gen, *second.gen);
  ExpectIdentical(*straight.critic, *second.critic);
}

TEST(RunFolderTest, ResumeWithNoCheckpointThatVerifiesIsRefusedListingWhy) {
  at::set_num_threads(1);
  TinyGan first(3);
  ASSERT_TRUE(Train(first, TinyRunConfig("none_good", 5)).ok());
  const TrainerConfig c = TinyRunConfig("none_good", 10, /*resume=*/true);
  const std::string ckpt = CheckpointPath((fs::path(c.run_dir) / "checkpoints").string(), 5);
  fs::resize_file(ckpt, fs::file_size(ckpt) - 1);
  const std::string metrics_before = ReadAll((fs::path(c.run_dir) / "metrics.csv").string());
  TinyGan second(4);
  absl::Status st = Train(second, c);
  ASSERT_EQ(st.code(), absl::StatusCode::kDataLoss) << st;
  EXPECT_NE(st.message().find(ckpt), std::string::npos) << st;
  EXPECT_NE(st.message().find("truncated"), std::string::npos) << st;
  EXPECT_EQ(ReadAll((fs::path(c.run_dir) / "metrics.csv").string()), metrics_before);
  EXPECT_TRUE(fs::exists(ckpt));  // not moved: nothing is written by a refused run
}

TEST(RunFolderTest, NanGuardNamesTheNewestCheckpointThatVerifies) {
  at::set_num_threads(1);
  TinyGan model(1);
  TrainerConfig c = TinyRunConfig("nan_verified", 20);
  const std::string dir = (fs::path(c.run_dir) / "checkpoints").string();
  Trainer trainer(c);
  model.Register(trainer);
  absl::Status st = trainer.Run(
      [&](int64_t step) -> absl::StatusOr<StepLosses> {
        StepLosses l = model.Step();
        if (step == 12) {
          // ckpt_10 is damaged on disk after it was written (64 bytes of 0xFF).
          std::string bytes = ReadAll(CheckpointPath(dir, 10));
          for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i) bytes[i] = '\xff';
          WriteAll(CheckpointPath(dir, 10), bytes);
          l["gen_loss"] = std::numeric_limits<double>::quiet_NaN();
        }
        return l;
      },
      kLosses);
  ASSERT_EQ(st.code(), absl::StatusCode::kAborted) << st;
  EXPECT_NE(st.message().find("newest checkpoint that verifies is " + CheckpointPath(dir, 5)),
            std::string::npos)
      << st;
  EXPECT_NE(st.message().find("damaged, not used: checkpoint " + CheckpointPath(dir, 10)),
            std::string::npos)
      << st;
}

TEST(RunFolderTest, RefusedRunWritesNothingAndSkipsDeferredActions) {
  at::set_num_threads(1);
  TinyGan first(1);
  ASSERT_TRUE(Train(first, TinyRunConfig("refused", 5)).ok());
  const std::string run_dir = TinyRunConfig("refused", 5, /*resume=*/true).run_dir;
  const std::string metrics = ReadAll(run_dir + "/metrics.csv");
  bool deferred_ran = false;
  DeferUntilChecked(run_dir, [&] {
    deferred_ran = true;
    return absl::OkStatus();
  });
  TinyGan second(2);
  TrainerConfig fresh = TinyRunConfig("refused", 5, /*resume=*/true);
  fresh.resume = false;  // a fresh run into a folder holding checkpoints
  absl::Status st = Train(second, fresh);
  ASSERT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_NE(st.message().find("pass --resume"), std::string::npos) << st;
  EXPECT_FALSE(deferred_ran);
  EXPECT_EQ(ReadAll(run_dir + "/metrics.csv"), metrics);
  // A run that passes its checks performs the deferred action before training.
  TinyGan third(1);
  int64_t steps_when_ran = -1;
  // (the action deferred above is still pending: the refused run did not consume it)
  Trainer resumed(TinyRunConfig("refused", 8, /*resume=*/true));
  third.Register(resumed);
  ASSERT_TRUE(resumed.Run([&](int64_t) -> absl::StatusOr<StepLosses> {
                  if (steps_when_ran < 0) steps_when_ran = deferred_ran ? 1 : 0;
                  return third.Step();
                },
                kLosses).ok());
  EXPECT_TRUE(deferred_ran);
  EXPECT_EQ(steps_when_ran, 1);
}

// A child process that holds the lock of `dir` until killed.
pid_t HoldLockInChild(const std::string& dir) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const char ok = io::AcquireRunLock(dir).ok() ? 'y' : 'n';
    (void)!write(fds[1], &ok, 1);
    for (;;) pause();
  }
  close(fds[1]);
  char ok = 0;
  EXPECT_EQ(read(fds[0], &ok, 1), 1);
  close(fds[0]);
  EXPECT_EQ(ok, 'y');
  return pid;
}

TEST(RunFolderTest, SecondWriterIsRefusedAtOnceNamingTheHolder) {
  at::set_num_threads(1);
  TinyGan first(1);
  ASSERT_TRUE(Train(first, TinyRunConfig("locked", 5)).ok());
  const TrainerConfig c = TinyRunConfig("locked", 10, /*resume=*/true);
  io::ReleaseRunLock(c.run_dir);  // this process wrote it; now another holds it
  const pid_t holder = HoldLockInChild(c.run_dir);
  const std::string metrics = ReadAll(c.run_dir + "/metrics.csv");
  TinyGan second(2);
  int steps = 0;
  Trainer trainer(c);
  second.Register(trainer);
  absl::Status st = trainer.Run(
      [&](int64_t) -> absl::StatusOr<StepLosses> {
        ++steps;
        return second.Step();
      },
      kLosses);
  ASSERT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_NE(st.message().find(absl::StrCat("pid ", holder)), std::string::npos) << st;
  EXPECT_EQ(steps, 0);
  EXPECT_EQ(ReadAll(c.run_dir + "/metrics.csv"), metrics);

  // The holder dies (SIGKILL: no cleanup); its lock file stays but does not block.
  kill(holder, SIGKILL);
  waitpid(holder, nullptr, 0);
  ASSERT_TRUE(fs::exists(io::RunLockPath(c.run_dir)));
  EXPECT_NE(ReadAll(io::RunLockPath(c.run_dir)).find(absl::StrCat(holder)), std::string::npos);
  TinyGan third(3);
  absl::Status again = Train(third, c);
  EXPECT_TRUE(again.ok()) << again;
}

}  // namespace
}  // namespace otgan::train

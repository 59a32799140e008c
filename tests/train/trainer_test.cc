#include "lib/train/trainer.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <limits>
#include <thread>

#include <ATen/Parallel.h>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/io/npy.h"
#include "tests/train/tiny_gan.h"

namespace otgan::train {
namespace {

namespace fs = std::filesystem;
using testing::TinyGan;
using testing::TinyRunConfig;

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(TrainerTest, SigintWritesCheckpointAndReturnsCancelled) {
  at::set_num_threads(1);
  TinyGan model(1);
  TrainerConfig c = TinyRunConfig("sigint", 100);
  Trainer trainer(c);
  model.Register(trainer);
  absl::Status st = trainer.Run(
      [&](int64_t step) -> absl::StatusOr<StepLosses> {
        if (step == 6) std::raise(SIGINT);  // mid-step: the step still completes
        return model.Step();
      },
      {"critic_loss", "gen_loss"});
  ASSERT_EQ(st.code(), absl::StatusCode::kCancelled) << st;
  const std::string ckpt = CheckpointPath(trainer.checkpoint_dir(), 7);
  EXPECT_TRUE(fs::exists(ckpt));
  EXPECT_NE(st.message().find("SIGINT"), std::string::npos) << st;
  EXPECT_NE(st.message().find(ckpt), std::string::npos) << st;
  EXPECT_NE(st.message().find("--resume"), std::string::npos) << st;
  EXPECT_EQ(trainer.steps_done(), 7);
  // The handler is gone after Run: SIGINT's previous disposition is back.
  struct sigaction now = {};
  sigaction(SIGINT, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);

  // Resuming continues at step 7 and finishes.
  TinyGan again(2);
  Trainer resumed(TinyRunConfig("sigint", 10, /*resume=*/true));
  again.Register(resumed);
  int64_t first_step = -1;
  ASSERT_TRUE(resumed
                  .Run(
                      [&](int64_t step) -> absl::StatusOr<StepLosses> {
                        if (first_step < 0) first_step = step;
                        return again.Step();
                      },
                      {"critic_loss", "gen_loss"})
                  .ok());
  EXPECT_EQ(first_step, 7);
}

TEST(TrainerTest, NanGuardNamesStepAndTermAndKeepsLastGoodCheckpoint) {
  at::set_num_threads(1);
  TinyGan model(1);
  Trainer trainer(TinyRunConfig("nan", 20));
  model.Register(trainer);
  absl::Status st = trainer.Run(
      [&](int64_t step) -> absl::StatusOr<StepLosses> {
        StepLosses l = model.Step();
        if (step == 7) l["gen_loss"] = std::numeric_limits<double>::quiet_NaN();
        return l;
      },
      {"critic_loss", "gen_loss"});
  ASSERT_EQ(st.code(), absl::StatusCode::kAborted) << st;
  EXPECT_NE(st.message().find("'gen_loss' is nan at step 7"), std::string::npos) << st;
  const std::string good = CheckpointPath(trainer.checkpoint_dir(), 5);
  EXPECT_NE(st.message().find(good), std::string::npos) << st;
  auto list = ListCheckpoints(trainer.checkpoint_dir());
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->back().second, good);
}

// Metrics ran ahead of the checkpoint (NaN stop after step 7, checkpoint at
// 5); the resumed run drops rows 6..7 and appends 6..10, each step once.
TEST(TrainerTest, MetricsAfterResumeAreTruncatedThenAppended) {
  at::set_num_threads(1);
  std::vector<std::string> loss_names = {"critic_loss", "gen_loss"};
  {
    TinyGan model(1);
    Trainer trainer(TinyRunConfig("metrics", 10));
    model.Register(trainer);
    absl::Status st = trainer.Run(
        [&](int64_t step) -> absl::StatusOr<StepLosses> {
          StepLosses l = model.Step();
          if (step == 7) l["critic_loss"] = std::numeric_limits<double>::infinity();
          return l;
        },
        loss_names);
    ASSERT_EQ(st.code(), absl::StatusCode::kAborted);
  }
  const std::string path = (fs::path(::testing::TempDir()) / "metrics" / "metrics.csv").string();
  std::vector<std::string> before = Lines(path);
  ASSERT_EQ(before.size(), 8u);  // header + steps 1..7
  TinyGan model(2);
  Trainer trainer(TinyRunConfig("metrics", 10, /*resume=*/true));
  model.Register(trainer);
  ASSERT_TRUE(trainer.Run([&](int64_t) -> absl::StatusOr<StepLosses> { return model.Step(); },
                          loss_names)
                  .ok());
  std::vector<std::string> after = Lines(path);
  ASSERT_EQ(after.size(), 11u);
  EXPECT_EQ(after[0], "step,seconds,critic_loss,gen_loss");
  for (int i = 1; i <= 10; ++i) {
    std::vector<std::string> cells = absl::StrSplit(after[i], ',');
    ASSERT_EQ(cells.size(), 4u) << after[i];
    EXPECT_EQ(cells[0], std::to_string(i));
  }
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(after[i], before[i]);  // kept verbatim
  // Seconds keep counting across the restart.
  auto seconds = [](const std::string& row) {
    std::vector<std::string> cells = absl::StrSplit(row, ',');
    return std::stod(cells[1]);
  };
  EXPECT_GE(seconds(after[10]), seconds(after[5]));
}

TEST(TrainerTest, EvalCurveRowsResumeAndTimeLeftOutOfTraining) {
  at::set_num_threads(1);
  const std::vector<std::string> loss_names = {"critic_loss", "gen_loss"};
  int calls = 0;
  // Each evaluation sleeps 50 ms, which must not count as training time.
  auto eval_fn = [&](int64_t step) -> absl::StatusOr<StepLosses> {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return StepLosses{{"quality", static_cast<double>(step)}, {"floor", 1.5}};
  };
  {
    TinyGan model(1);
    Trainer trainer(TinyRunConfig("curve", 10));
    model.Register(trainer);
    trainer.SetEvalFn(4, {"quality", "floor"}, eval_fn);
    absl::Status st = trainer.Run(
        [&](int64_t step) -> absl::StatusOr<StepLosses> {
          StepLosses l = model.Step();
          if (step == 6) l["gen_loss"] = std::numeric_limits<double>::quiet_NaN();
          return l;
        },
        loss_names);
    ASSERT_EQ(st.code(), absl::StatusCode::kAborted) << st;
  }
  const std::string path = (fs::path(::testing::TempDir()) / "curve" / "eval_curve.csv").string();
  std::vector<std::string> before = Lines(path);
  ASSERT_EQ(before.size(), 3u);  // header, step 0, step 4
  EXPECT_EQ(before[0], "step,seconds,eval_seconds,quality,floor");
  EXPECT_EQ(calls, 2);
  // Resumed from the step-5 checkpoint: the step-4 row is kept, the rest replayed.
  TinyGan model(2);
  Trainer trainer(TinyRunConfig("curve", 10, /*resume=*/true));
  model.Register(trainer);
  trainer.SetEvalFn(4, {"quality", "floor"}, eval_fn);
  ASSERT_TRUE(trainer.Run([&](int64_t) -> absl::StatusOr<StepLosses> { return model.Step(); },
                          loss_names)
                  .ok());
  std::vector<std::string> after = Lines(path);
  ASSERT_EQ(after.size(), 5u);  // header, 0, 4, 8, 10 (the last step)
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(after[1], before[1]);
  EXPECT_EQ(after[2], before[2]);
  const std::vector<int> steps = {0, 4, 8, 10};
  for (size_t i = 0; i < steps.size(); ++i) {
    std::vector<std::string> cells = absl::StrSplit(after[i + 1], ',');
    ASSERT_EQ(cells.size(), 5u) << after[i + 1];
    EXPECT_EQ(cells[0], std::to_string(steps[i]));
    EXPECT_GE(std::stod(cells[2]), 0.045) << "eval_seconds of " << after[i + 1];
    EXPECT_EQ(std::stod(cells[3]), steps[i]);
    EXPECT_EQ(cells[4], "1.5");
  }
  // Four evaluations took >= 200 ms; the training seconds exclude them (the
  // tiny model's ten steps take a few milliseconds).
  std::vector<std::string> last = absl::StrSplit(after[4], ',');
  EXPECT_LT(std::stod(last[1]), 0.1) << after[4];
  std::vector<std::string> metrics = Lines(
      (fs::path(::testing::TempDir()) / "curve" / "metrics.csv").string());
  std::vector<std::string> m_last = absl::StrSplit(metrics.back(), ',');
  EXPECT_LT(std::stod(m_last[1]), 0.1) << metrics.back();
}

TEST(TrainerTest, EvalCurveRefusesBadNamesAndMissingMetrics) {
  at::set_num_threads(1);
  TinyGan model(1);
  {
    Trainer trainer(TinyRunConfig("curve_bad", 3));
    model.Register(trainer);
    trainer.SetEvalFn(1, {"seconds"}, [](int64_t) -> absl::StatusOr<StepLosses> {
      return StepLosses{};
    });
    absl::Status st = trainer.Run([&](int64_t) -> absl::StatusOr<StepLosses> { return model.Step(); },
                                  {"critic_loss", "gen_loss"});
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("reserved"), std::string::npos) << st;
  }
  Trainer trainer(TinyRunConfig("curve_missing", 3));
  model.Register(trainer);
  trainer.SetEvalFn(1, {"quality"}, [](int64_t) -> absl::StatusOr<StepLosses> {
    return StepLosses{{"other", 1}};
  });
  absl::Status st = trainer.Run([&](int64_t) -> absl::StatusOr<StepLosses> { return model.Step(); },
                                {"critic_loss", "gen_loss"});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("'quality'"), std::string::npos) << st;
}

TEST(TrainerTest, SamplesCheckpointsAndFinalArtefacts) {
  at::set_num_threads(1);
  TinyGan model(1);
  TrainerConfig c = TinyRunConfig("samples", 9);
  c.sample_every = 4;
  c.log_every = 3;
  c.checkpoint_every = 2;
  c.keep_checkpoints = 2;
  Trainer trainer(c);
  model.Register(trainer);
  // 16 "images" of 1x4x4 from the fixed latent batch.
  trainer.SetSampleFn([&] { return at::sigmoid(model.gen->forward(model.fixed_z)).repeat({1, 8}).reshape({16, 1, 4, 4}); },
                      io::GridOptions{});
  ASSERT_TRUE(
      trainer.Run([&](int64_t) -> absl::StatusOr<StepLosses> { return model.Step(); }, {"critic_loss", "gen_loss"})
          .ok());
  const fs::path dir(c.run_dir);
  // A grid after the first step (seen early), then every sample_every steps.
  EXPECT_TRUE(fs::exists(dir / "samples" / "step_1.png"));
  EXPECT_FALSE(fs::exists(dir / "samples" / "step_2.png"));
  EXPECT_TRUE(fs::exists(dir / "samples" / "step_4.png"));
  EXPECT_TRUE(fs::exists(dir / "samples" / "step_8.png"));
  EXPECT_TRUE(fs::exists(dir / "samples_latest.png"));
  EXPECT_EQ(fs::file_size(dir / "samples_latest.png"), fs::file_size(dir / "samples" / "step_8.png"));
  EXPECT_TRUE(fs::exists(dir / "samples_final.png"));
  auto final_samples = io::ReadNpy((dir / "samples_final.npy").string());
  ASSERT_TRUE(final_samples.ok()) << final_samples.status();
  EXPECT_EQ(final_samples->sizes(), (std::vector<int64_t>{16, 1, 4, 4}));
  // Rows at 3, 6, 9; checkpoints 2, 4, 6, 8, 9 of which the newest 2 remain.
  std::vector<std::string> lines = Lines((dir / "metrics.csv").string());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3].substr(0, 2), "9,");
  auto list = ListCheckpoints(trainer.checkpoint_dir());
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].first, 8);
  EXPECT_EQ((*list)[1].first, 9);
}

TEST(TrainerTest, RefusesBadStartsWithClearMessages) {
  TinyGan model(1);
  auto run = [&](const TrainerConfig& c, std::vector<std::string> names = {"critic_loss", "gen_loss"}) {
    Trainer trainer(c);
    model.Register(trainer);
    return trainer.Run([&](int64_t) -> absl::StatusOr<StepLosses> { return model.Step(); }, names);
  };
  absl::Status no_ckpt = run(TinyRunConfig("refuse", 2, /*resume=*/true));
  EXPECT_EQ(no_ckpt.code(), absl::StatusCode::kNotFound) << no_ckpt;
  EXPECT_NE(no_ckpt.message().find("--resume"), std::string::npos);

  TrainerConfig bad = TinyRunConfig("refuse", 2);
  bad.log_every = 0;
  EXPECT_NE(run(bad).message().find("log_every must be > 0, got 0"), std::string::npos);

  absl::Status missing = run(TinyRunConfig("refuse", 2), {"critic_loss", "wdist"});
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("'wdist'"), std::string::npos) << missing;

  const TrainerConfig fresh = TinyRunConfig("refuse", 2);
  ASSERT_TRUE(run(fresh).ok());
  // Same folder again without --resume: refused rather than overwritten.
  absl::Status exists = run(fresh);
  EXPECT_EQ(exists.code(), absl::StatusCode::kFailedPrecondition) << exists;
  EXPECT_NE(exists.message().find("pass --resume"), std::string::npos) << exists;
}

}  // namespace
}  // namespace otgan::train

// The training loop shared by every replication: alternating updates, generic
// over the method.
//
// A method (a replication) owns its networks, optimisers and data, registers
// everything that must survive a restart, and supplies a step function that
// runs one generator iteration (with its critic or assigner updates, see
// schedule.h) and returns the named scalar losses of that step. The Trainer
// owns the rest:
//   - the step loop over generator iterations [resumed step, total_steps);
//   - <run_dir>/metrics.csv: "step,seconds,<loss names>" every log_every steps
//     (flushed per row; on resume rows after the checkpoint's step are dropped
//     and new rows appended); seconds = training time summed over processes;
//   - checkpoints <run_dir>/checkpoints/ckpt_<step>.pt every checkpoint_every
//     steps and at the end, newest keep_checkpoints kept (checkpoint.h);
//   - resume (config.resume): restores the newest checkpoint that verifies
//     (checksum, checkpoint.h); newer ones that fail are named on stderr with
//     the reason, moved aside to ckpt_<step>.pt.corrupt and not used; the
//     continued run is bit-identical to an uninterrupted one on CPU with a
//     fixed thread count, provided every random source is registered (the
//     default CPU generator always is) and the step function is a function
//     of that state;
//   - checks before writes: every check that can refuse the run (config,
//     another live process holding the run folder, a fresh run into a folder
//     with checkpoints, no verifiable checkpoint on resume, a different
//     model, metrics columns, folders that cannot be written) passes before
//     anything is written; then the run folder is locked (io/run_lock.h) for
//     the life of the process and the actions deferred with DeferUntilChecked
//     (the executable's manifest) are performed;
//   - SIGINT / SIGTERM: the current step finishes, a checkpoint is written and
//     Run returns CancelledError naming the checkpoint and how to resume;
//   - NaN guard: a non-finite loss stops the run with AbortedError naming the
//     step and the loss term and the newest checkpoint on disk that verifies
//     (no checkpoint is written for the failing step);
//   - progress on stderr (progress.h);
//   - sample grids from the sample function (which should use a fixed latent
//     batch and no random draws): <run_dir>/samples/step_<k>.png after the
//     first step of a fresh run (so a grid exists within seconds) and every
//     sample_every steps, copied to <run_dir>/samples_latest.png; at the end
//     <run_dir>/samples_final.npy and samples_final.png;
//   - an evaluation curve (SetEvalFn): <run_dir>/eval_curve.csv,
//     "step,seconds,eval_seconds,<metric names>", one row before the first
//     step of a fresh run (step 0), every eval_every steps and after the last
//     step; kept and truncated on resume like metrics.csv. The evaluation's
//     own time is not training time: it is left out of `seconds` (in both
//     csv files and the checkpoints) and reported as eval_seconds.
// Writing manifest.json is left to the executable (it knows its flags).
//
//   otgan::train::Trainer trainer(config);
//   trainer.AddModule("generator", gen.ptr());
//   trainer.AddModule("critic", critic.ptr());
//   trainer.AddOptimizer("gen_opt", gen_opt.get());
//   trainer.AddOptimizer("critic_opt", critic_opt.get());
//   trainer.AddShuffler("data", &shuffler);
//   trainer.SetSampleFn([&] { torch::NoGradGuard g; return gen->forward(fixed_z); }, grid);
//   absl::Status st = trainer.Run(
//       [&](int64_t it) -> absl::StatusOr<otgan::train::StepLosses> {
//         ... critic and generator updates ...
//         return otgan::train::StepLosses{{"critic_loss", c}, {"gen_loss", g}};
//       },
//       {"critic_loss", "gen_loss"});
#ifndef OTGAN_LIB_TRAIN_TRAINER_H_
#define OTGAN_LIB_TRAIN_TRAINER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/data/shuffler.h"
#include "lib/io/image_grid.h"
#include "lib/train/checkpoint.h"

namespace otgan::train {

struct TrainerConfig {
  std::string run_dir;          // created if absent
  int64_t total_steps = 0;      // generator iterations, > 0
  int64_t log_every = 100;      // metrics.csv row every this many steps (and the last), > 0
  int64_t sample_every = 0;     // sample grid after step 1 and every this many steps; 0 = only at the end
  int64_t checkpoint_every = 0; // 0 = only at the end and on a stop signal
  int keep_checkpoints = 3;     // >= 1
  bool resume = false;          // continue from the newest checkpoint in run_dir
  bool show_progress = true;    // progress line on stderr
  double progress_interval_s = 10;  // plain-line period when stderr is not a terminal
  bool handle_signals = true;   // SIGINT/SIGTERM stop gracefully during Run
  // Data-parallel runs: called once per step with whether this process was
  // asked to stop; returns whether any rank was (lib/dist AnyRank), so every
  // rank stops after the same step and their checkpoints match. Empty: the
  // local answer.
  std::function<absl::StatusOr<bool>(bool stop_here)> stop_vote;
};

// Every field checked; the message names the field, e.g. "log_every must be > 0, got 0".
absl::Status ValidateTrainerConfig(const TrainerConfig& config);

// Checks that a run into `run_dir` may start, writing nothing: no other live
// process holds the folder (when it exists); a fresh run (resume false) finds
// no checkpoint in <run_dir>/checkpoints; a resumed one finds one that
// verifies; the existing folders among run_dir, checkpoints/ and samples/ can
// be written (probed with a file created and removed at once). Trainer::Run
// performs these checks itself; executables call it early to refuse a bad
// start before loading data (replications/common.cc StartRun).
absl::Status PreflightRunDir(const std::string& run_dir, bool resume);

// Work that must wait until a run has passed every check that can refuse it:
// the next Trainer::Run on `run_dir` in this process performs `action` after
// its checks and before its first write (StartRun defers manifest.json so).
void DeferUntilChecked(const std::string& run_dir, std::function<absl::Status()> action);

// Performs, in order, and forgets the actions deferred for `run_dir` (the
// first error stops and is returned). Trainer::Run calls it; a program whose
// run never reaches Trainer::Run may call it itself.
absl::Status RunDeferredActions(const std::string& run_dir);

// Named scalar losses of one step (e.g. {"critic_loss", -0.2}, {"gen_loss", 0.4}).
using StepLosses = std::map<std::string, double>;
// Runs generator iteration `step` (0-based).
using StepFn = std::function<absl::StatusOr<StepLosses>(int64_t step)>;

class Trainer {
 public:
  explicit Trainer(TrainerConfig config);

  // What a checkpoint holds (see checkpoint.h). Register before Run.
  void AddModule(const std::string& name, std::shared_ptr<torch::nn::Module> module);
  void AddOptimizer(const std::string& name, torch::optim::Optimizer* optimizer);
  void AddGenerator(const std::string& name, at::Generator generator);
  void AddShuffler(const std::string& name, data::EpochShuffler* shuffler);
  void AddTensorState(const std::string& name, TrainingState::Getter get,
                      TrainingState::Setter set);

  // Images [N, C, H, W] for the sample grids (called under NoGradGuard).
  void SetSampleFn(std::function<at::Tensor()> sample_fn, io::GridOptions options);

  // Evaluates the model during training (see the file comment): `eval_fn`
  // returns each of `metric_names` ("step", "seconds" and "eval_seconds" are
  // reserved) and must not draw from a registered random source (use its own
  // fixed latents), so that a resumed run stays bit-identical. every > 0.
  using EvalFn = std::function<absl::StatusOr<StepLosses>(int64_t step)>;
  void SetEvalFn(int64_t every, std::vector<std::string> metric_names, EvalFn eval_fn);

  // Trains from step 0 (or the resumed step) to total_steps. Every step's
  // losses must contain each of `loss_names` (the metrics.csv columns, in
  // this order; "step" and "seconds" are reserved); extra entries are ignored.
  absl::Status Run(const StepFn& step_fn, const std::vector<std::string>& loss_names);

  // Whether step index `step` (0-based) ends with a metrics row, so a step
  // function can compute costly diagnostics only then.
  bool IsLogStep(int64_t step) const;

  // Steps completed (after Run, or the resumed step during it).
  int64_t steps_done() const { return steps_done_; }
  std::string checkpoint_dir() const;
  std::string metrics_path() const;
  std::string eval_curve_path() const;
  TrainingState& state() { return state_; }

 private:
  // The text a run starting at start_step begins the step-keyed csv file
  // `path` (metrics.csv, eval_curve.csv) with: `header`, then the file's rows
  // up to start_step (read only).
  static absl::StatusOr<std::string> CsvRowsToKeep(const std::string& path, int64_t start_step,
                                                   const std::vector<std::string>& header);
  // One eval_curve.csv row for `step` (training seconds `train_seconds`);
  // returns the seconds the evaluation took.
  absl::StatusOr<double> AppendEvalRow(int64_t step, double train_seconds);
  // The checkpoint to resume from (newest that verifies), loaded into state_;
  // fills skipped_ with the newer ones that failed.
  absl::StatusOr<CheckpointInfo> LoadResumeCheckpoint();
  // Appends one line to the csv file `path` and flushes it.
  static absl::Status AppendCsvRow(const std::string& path, const std::string& row);
  absl::Status WriteCheckpoint(int64_t step, double elapsed);
  absl::Status WriteSamples(int64_t step, bool final);

  TrainerConfig config_;
  TrainingState state_;
  std::function<at::Tensor()> sample_fn_;
  EvalFn eval_fn_;
  int64_t eval_every_ = 0;
  std::vector<std::string> eval_names_;
  io::GridOptions grid_options_;
  int64_t steps_done_ = 0;
  std::optional<std::pair<int64_t, std::string>> last_checkpoint_;
  std::vector<std::pair<std::string, absl::Status>> skipped_;
};

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_TRAINER_H_

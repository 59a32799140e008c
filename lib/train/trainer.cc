// Over ~400 lines on purpose: the Trainer's run loop, its checkpoint/resume
// state machine (write, verify, truncate metrics and curve rows on resume),
// the stop signal and the progress line share private state and invariants
// (one step index, one metrics file); split, each part would need the others'
// internals. The pieces that stand alone live beside it (checkpoint.cc,
// progress.cc, schedule.cc).
#include "lib/train/trainer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <system_error>

#include <torch/csrc/autograd/grad_mode.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/io/atomic_file.h"
#include "lib/io/npy.h"
#include "lib/io/run_lock.h"
#include "lib/train/progress.h"
#include "lib/train/signals.h"
#include "lib/util/status.h"

namespace otgan::train {
namespace {

namespace fs = std::filesystem;

absl::Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create folder ", dir, ": ", ec.message()));
  return absl::OkStatus();
}

std::string FormatValue(double v) { return absl::StrFormat("%.9g", v); }

// The columns of a step-keyed csv file: `reserved` (its fixed leading
// columns, e.g. step, seconds) then `names`. InvalidArgument "<what> '<name>'
// is empty, repeated, reserved (<reserved>) or contains a comma/quote/newline"
// for a name that cannot be a column.
absl::StatusOr<std::vector<std::string>> CsvHeader(const std::vector<std::string>& reserved,
                                                   const std::vector<std::string>& names,
                                                   const std::string& what) {
  std::set<std::string> seen(reserved.begin(), reserved.end());
  for (const auto& name : names) {
    if (name.empty() || name.find_first_of(",\n\"") != std::string::npos ||
        !seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " '", name, "' is empty, repeated, reserved (", absl::StrJoin(reserved, ", "),
          ") or contains a comma/quote/newline"));
    }
  }
  std::vector<std::string> header = reserved;
  header.insert(header.end(), names.begin(), names.end());
  return header;
}

// Creates and removes a file in `dir` to learn whether the run can write
// there (permission bits alone say nothing for root or read-only mounts).
absl::Status ProbeWritable(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return absl::OkStatus();
  if (!fs::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " exists but is not a folder; the run cannot write into it"));
  }
  const std::string probe = (fs::path(dir) / absl::StrCat(".write_probe.", ::getpid())).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat("folder ", dir, " is not writable (",
                                                    std::strerror(errno),
                                                    "); fix its permissions or choose another output folder"));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return absl::OkStatus();
}

std::string Key(const std::string& run_dir) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(run_dir, ec), ec);
  return ec ? run_dir : p.string();
}

std::mutex& DeferredMutex() {
  static auto* m = new std::mutex;
  return *m;
}

std::map<std::string, std::vector<std::function<absl::Status()>>>& Deferred() {
  static auto* d = new std::map<std::string, std::vector<std::function<absl::Status()>>>;
  return *d;
}

std::string CheckpointsOf(const std::string& run_dir) {
  return (fs::path(run_dir) / "checkpoints").string();
}

// "skipped <path>: <why>; ..." for the damaged checkpoints.
std::string SkippedText(const std::vector<std::pair<std::string, absl::Status>>& skipped) {
  std::vector<std::string> parts;
  for (const auto& [path, st] : skipped) parts.push_back(std::string(st.message()));
  return absl::StrJoin(parts, "; ");
}

}  // namespace

absl::Status PreflightRunDir(const std::string& run_dir, bool resume) {
  std::error_code ec;
  if (fs::exists(run_dir, ec) && !fs::is_directory(run_dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("output folder ", run_dir, " exists but is not a folder"));
  }
  if (fs::is_directory(run_dir, ec)) OTGAN_RETURN_IF_ERROR(io::AcquireRunLock(run_dir));
  const std::string ckpt_dir = CheckpointsOf(run_dir);
  if (resume) {
    OTGAN_ASSIGN_OR_RETURN(VerifiedCheckpoint v, NewestVerifiedCheckpoint(ckpt_dir));
    if (!v.newest_good) {
      if (v.skipped.empty()) {
        return absl::NotFoundError(absl::StrCat("--resume: no checkpoint (ckpt_<step>.pt) in ",
                                                ckpt_dir, "; run without --resume to start"));
      }
      return absl::DataLossError(absl::StrCat("--resume: no checkpoint in ", ckpt_dir,
                                              " passes its integrity check: ",
                                              SkippedText(v.skipped)));
    }
  } else {
    OTGAN_ASSIGN_OR_RETURN(auto latest, LatestCheckpoint(ckpt_dir));
    if (latest) {
      return absl::FailedPreconditionError(absl::StrCat(
          run_dir, " already holds a run (checkpoint ", latest->second,
          "): pass --resume to continue it, or choose another output folder"));
    }
  }
  for (const std::string& dir :
       {run_dir, ckpt_dir, (fs::path(run_dir) / "samples").string()}) {
    OTGAN_RETURN_IF_ERROR(ProbeWritable(dir));
  }
  return absl::OkStatus();
}

void DeferUntilChecked(const std::string& run_dir, std::function<absl::Status()> action) {
  std::lock_guard<std::mutex> guard(DeferredMutex());
  Deferred()[Key(run_dir)].push_back(std::move(action));
}

absl::Status RunDeferredActions(const std::string& run_dir) {
  std::vector<std::function<absl::Status()>> actions;
  {
    std::lock_guard<std::mutex> guard(DeferredMutex());
    auto it = Deferred().find(Key(run_dir));
    if (it == Deferred().end()) return absl::OkStatus();
    actions = std::move(it->second);
    Deferred().erase(it);
  }
  for (const auto& action : actions) OTGAN_RETURN_IF_ERROR(action());
  return absl::OkStatus();
}

absl::Status ValidateTrainerConfig(const TrainerConfig& c) {
  auto bad = [](const std::string& what) { return absl::InvalidArgumentError("trainer config: " + what); };
  if (c.run_dir.empty()) return bad("run_dir must not be empty");
  if (c.total_steps <= 0) return bad(absl::StrCat("total_steps must be > 0, got ", c.total_steps));
  if (c.log_every <= 0) return bad(absl::StrCat("log_every must be > 0, got ", c.log_every));
  if (c.sample_every < 0) return bad(absl::StrCat("sample_every must be >= 0, got ", c.sample_every));
  if (c.checkpoint_every < 0) {
    return bad(absl::StrCat("checkpoint_every must be >= 0, got ", c.checkpoint_every));
  }
  if (c.keep_checkpoints < 1) {
    return bad(absl::StrCat("keep_checkpoints must be >= 1, got ", c.keep_checkpoints));
  }
  if (!(c.progress_interval_s > 0)) {
    return bad(absl::StrCat("progress_interval_s must be > 0, got ", c.progress_interval_s));
  }
  return absl::OkStatus();
}

Trainer::Trainer(TrainerConfig config) : config_(std::move(config)) {}

void Trainer::AddModule(const std::string& name, std::shared_ptr<torch::nn::Module> module) {
  state_.AddModule(name, std::move(module));
}

void Trainer::AddOptimizer(const std::string& name, torch::optim::Optimizer* optimizer) {
  state_.AddOptimizer(name, optimizer);
}

void Trainer::AddGenerator(const std::string& name, at::Generator generator) {
  state_.AddGenerator(name, std::move(generator));
}

void Trainer::AddShuffler(const std::string& name, data::EpochShuffler* shuffler) {
  TORCH_CHECK(shuffler != nullptr, "Trainer: shuffler '", name, "' is null");
  state_.AddTensorState(
      "shuffler/" + name, [shuffler] { return shuffler->State(); },
      [shuffler](const at::Tensor& t) { return shuffler->Restore(t); });
}

void Trainer::AddTensorState(const std::string& name, TrainingState::Getter get,
                             TrainingState::Setter set) {
  state_.AddTensorState(name, std::move(get), std::move(set));
}

void Trainer::SetSampleFn(std::function<at::Tensor()> sample_fn, io::GridOptions options) {
  sample_fn_ = std::move(sample_fn);
  grid_options_ = options;
}

bool Trainer::IsLogStep(int64_t step) const {
  const int64_t done = step + 1;
  return done % config_.log_every == 0 || done == config_.total_steps;
}

std::string Trainer::checkpoint_dir() const {
  return (fs::path(config_.run_dir) / "checkpoints").string();
}

std::string Trainer::metrics_path() const {
  return (fs::path(config_.run_dir) / "metrics.csv").string();
}

std::string Trainer::eval_curve_path() const {
  return (fs::path(config_.run_dir) / "eval_curve.csv").string();
}

void Trainer::SetEvalFn(int64_t every, std::vector<std::string> metric_names, EvalFn eval_fn) {
  eval_every_ = every;
  eval_names_ = std::move(metric_names);
  eval_fn_ = std::move(eval_fn);
}

absl::StatusOr<double> Trainer::AppendEvalRow(int64_t step, double train_seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  absl::StatusOr<absl::StatusOr<StepLosses>> result = TorchCall(
      absl::StrCat("evaluation at step ", step), [&] {
        torch::NoGradGuard no_grad;
        return eval_fn_(step);
      });
  absl::Status st = result.ok() ? result->status() : result.status();
  if (!st.ok()) {
    return absl::Status(st.code(), absl::StrCat("evaluation at step ", step, ": ", st.message()));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string row = absl::StrCat(step, ",", absl::StrFormat("%.3f", train_seconds), ",",
                                 absl::StrFormat("%.3f", seconds));
  for (const auto& name : eval_names_) {
    auto it = (*result)->find(name);
    if (it == (*result)->end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("evaluation at step ", step, ": the eval function returned no '", name, "'"));
    }
    absl::StrAppend(&row, ",", FormatValue(it->second));
  }
  OTGAN_RETURN_IF_ERROR(AppendCsvRow(eval_curve_path(), row));
  return seconds;
}

absl::StatusOr<std::string> Trainer::CsvRowsToKeep(const std::string& path, int64_t start_step,
                                                   const std::vector<std::string>& header) {
  const std::string header_line = absl::StrJoin(header, ",");
  std::string kept = header_line + "\n";
  std::error_code ec;
  if (start_step > 0 && fs::exists(path, ec)) {
    OTGAN_ASSIGN_OR_RETURN(std::string old, io::ReadFileToString(path));
    std::vector<std::string> lines = absl::StrSplit(old, '\n', absl::SkipEmpty());
    if (lines.empty() || lines[0] != header_line) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": columns '", lines.empty() ? "" : lines[0], "' differ from this run's '",
          header_line, "'; cannot append on resume"));
    }
    for (size_t i = 1; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      int64_t step = 0;
      if (!absl::SimpleAtoi(line.substr(0, line.find(',')), &step)) {
        return absl::DataLossError(
            absl::StrCat(path, ": line ", i + 1, " does not start with a step number: '", line, "'"));
      }
      // Rows after the checkpoint are replayed by the resumed run.
      if (step <= start_step) absl::StrAppend(&kept, line, "\n");
    }
  }
  return kept;
}

absl::StatusOr<CheckpointInfo> Trainer::LoadResumeCheckpoint() {
  OTGAN_ASSIGN_OR_RETURN(VerifiedCheckpoint v, NewestVerifiedCheckpoint(checkpoint_dir()));
  skipped_ = v.skipped;
  for (const auto& [path, why] : skipped_) {
    std::cerr << "resume: skipping " << path << ": " << why.message() << "\n";
  }
  if (!v.newest_good) {
    if (skipped_.empty()) {
      return absl::NotFoundError(absl::StrCat("--resume: no checkpoint (ckpt_<step>.pt) in ",
                                              checkpoint_dir(), "; run without --resume to start"));
    }
    return absl::DataLossError(absl::StrCat("--resume: no checkpoint in ", checkpoint_dir(),
                                            " passes its integrity check: ", SkippedText(skipped_)));
  }
  last_checkpoint_ = v.newest_good;
  return LoadCheckpoint(last_checkpoint_->second, state_);
}

absl::Status Trainer::AppendCsvRow(const std::string& path, const std::string& row) {
  std::ofstream out(path, std::ios::app);
  out << row << '\n';
  out.flush();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot append to ", path));
  return absl::OkStatus();
}

absl::Status Trainer::WriteCheckpoint(int64_t step, double elapsed) {
  const std::string path = CheckpointPath(checkpoint_dir(), step);
  OTGAN_RETURN_IF_ERROR(SaveCheckpoint(path, state_, CheckpointInfo{step, elapsed}));
  last_checkpoint_ = std::make_pair(step, path);
  return PruneCheckpoints(checkpoint_dir(), config_.keep_checkpoints);
}

absl::Status Trainer::WriteSamples(int64_t step, bool final) {
  if (!sample_fn_) return absl::OkStatus();
  OTGAN_ASSIGN_OR_RETURN(at::Tensor images, TorchCall("sample function", [&] {
                           torch::NoGradGuard no_grad;
                           return sample_fn_().detach().to(at::kCPU).contiguous();
                         }));
  const fs::path dir(config_.run_dir);
  if (final) {
    OTGAN_RETURN_IF_ERROR(io::WriteNpy((dir / "samples_final.npy").string(), images));
    return io::WriteImageGrid((dir / "samples_final.png").string(), images, grid_options_);
  }
  const int width = static_cast<int>(std::to_string(config_.total_steps).size());
  const std::string step_png =
      (dir / "samples" / absl::StrFormat("step_%0*d.png", width, step)).string();
  OTGAN_RETURN_IF_ERROR(io::WriteImageGrid(step_png, images, grid_options_));
  OTGAN_ASSIGN_OR_RETURN(std::string bytes, io::ReadFileToString(step_png));
  return io::WriteFileAtomically((dir / "samples_latest.png").string(), bytes);
}

absl::Status Trainer::Run(const StepFn& step_fn, const std::vector<std::string>& loss_names) {
  OTGAN_RETURN_IF_ERROR(ValidateTrainerConfig(config_));
  if (loss_names.empty()) return absl::InvalidArgumentError("Trainer::Run: no loss names");
  OTGAN_ASSIGN_OR_RETURN(const std::vector<std::string> header,
                         CsvHeader({"step", "seconds"}, loss_names, "Trainer::Run: loss name"));
  std::vector<std::string> eval_header;
  if (eval_fn_) {
    if (eval_every_ <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("Trainer::SetEvalFn: every must be > 0, got ", eval_every_));
    }
    OTGAN_ASSIGN_OR_RETURN(eval_header, CsvHeader({"step", "seconds", "eval_seconds"}, eval_names_,
                                                  "Trainer::SetEvalFn: metric name"));
  }
  // Every check that can refuse the run, before anything is written.
  OTGAN_RETURN_IF_ERROR(PreflightRunDir(config_.run_dir, config_.resume));
  int64_t start = 0;
  double base_elapsed = 0;
  last_checkpoint_.reset();
  skipped_.clear();
  if (config_.resume) {
    OTGAN_ASSIGN_OR_RETURN(CheckpointInfo info, LoadResumeCheckpoint());
    if (info.step > config_.total_steps) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--resume: checkpoint ", last_checkpoint_->second, " is at step ", info.step,
          ", beyond this run's total of ", config_.total_steps, " steps"));
    }
    start = info.step;
    base_elapsed = info.elapsed_seconds;
  }
  OTGAN_ASSIGN_OR_RETURN(const std::string metrics_text,
                         CsvRowsToKeep(metrics_path(), start, header));
  std::string eval_text;
  if (eval_fn_) {
    OTGAN_ASSIGN_OR_RETURN(eval_text, CsvRowsToKeep(eval_curve_path(), start, eval_header));
  }

  // All checks passed: lock the folder for the life of the process, then write.
  OTGAN_RETURN_IF_ERROR(MakeDirs(config_.run_dir));
  OTGAN_RETURN_IF_ERROR(io::AcquireRunLock(config_.run_dir));
  OTGAN_RETURN_IF_ERROR(MakeDirs(checkpoint_dir()));
  if (sample_fn_) OTGAN_RETURN_IF_ERROR(MakeDirs((fs::path(config_.run_dir) / "samples").string()));
  OTGAN_RETURN_IF_ERROR(RunDeferredActions(config_.run_dir));
  for (const auto& [path, why] : skipped_) {
    // Out of the way, so that pruning never keeps a damaged file over good ones.
    std::error_code ec;
    fs::rename(path, path + ".corrupt", ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot move the damaged checkpoint ", path,
                                                 " aside: ", ec.message()));
    }
    std::cerr << "resume: moved " << path << " aside to " << path << ".corrupt\n";
  }
  if (config_.resume && config_.show_progress) {
    std::cerr << "resumed from " << last_checkpoint_->second << " at step " << start << " of "
              << config_.total_steps << "\n";
  }
  steps_done_ = start;
  OTGAN_RETURN_IF_ERROR(io::WriteFileAtomically(metrics_path(), metrics_text));
  if (eval_fn_) OTGAN_RETURN_IF_ERROR(io::WriteFileAtomically(eval_curve_path(), eval_text));

  std::optional<ScopedStopSignals> signals;
  if (config_.handle_signals) signals.emplace();
  ProgressReporter progress(config_.total_steps, start, config_.show_progress ? &std::cerr : nullptr,
                            StderrIsTerminal(), config_.progress_interval_s);
  const auto t0 = std::chrono::steady_clock::now();
  double eval_seconds = 0;  // this process's evaluations, left out of the training time
  auto elapsed = [&] {
    return base_elapsed - eval_seconds +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  auto evaluate = [&](int64_t at_step) -> absl::Status {
    OTGAN_ASSIGN_OR_RETURN(double s, AppendEvalRow(at_step, elapsed()));
    eval_seconds += s;
    progress.ExcludeSeconds(s);  // the ETA counts training only
    return absl::OkStatus();
  };
  if (eval_fn_ && start == 0) OTGAN_RETURN_IF_ERROR(evaluate(0));

  NamedValues shown;
  for (int64_t step = start; step < config_.total_steps; ++step) {
    absl::StatusOr<absl::StatusOr<StepLosses>> result =
        TorchCall(absl::StrCat("step ", step), [&] { return step_fn(step); });
    absl::Status st = result.ok() ? result->status() : result.status();
    if (!st.ok()) {
      return absl::Status(st.code(), absl::StrCat("step ", step, ": ", st.message()));
    }
    const StepLosses& losses = **result;
    shown.clear();
    for (const auto& name : loss_names) {
      auto it = losses.find(name);
      if (it == losses.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("step ", step, ": the step function returned no '", name, "' loss"));
      }
      if (!std::isfinite(it->second)) {
        // Names what is on disk now and verifies, not what this process wrote
        // or read: a checkpoint may have been damaged since.
        absl::StatusOr<VerifiedCheckpoint> good = NewestVerifiedCheckpoint(checkpoint_dir());
        std::string last;
        if (!good.ok()) {
          last = absl::StrCat("the checkpoints cannot be listed: ", good.status().message());
        } else if (good->newest_good) {
          last = absl::StrCat("the newest checkpoint that verifies is ", good->newest_good->second,
                              " (step ", good->newest_good->first, "); --resume continues from it");
        } else {
          last = "no checkpoint that verifies is on disk";
        }
        if (good.ok() && !good->skipped.empty()) {
          absl::StrAppend(&last, " (damaged, not used: ", SkippedText(good->skipped), ")");
        }
        return absl::AbortedError(absl::StrCat("NaN guard: loss '", name, "' is ",
                                               FormatValue(it->second), " at step ", step,
                                               "; stopped without checkpointing this step; ", last));
      }
      shown.emplace_back(name, it->second);
    }
    const int64_t done = step + 1;
    steps_done_ = done;
    if (IsLogStep(step)) {
      std::string row = absl::StrCat(done, ",", absl::StrFormat("%.3f", elapsed()));
      for (const auto& [name, value] : shown) absl::StrAppend(&row, ",", FormatValue(value));
      OTGAN_RETURN_IF_ERROR(AppendCsvRow(metrics_path(), row));
    }
    if (eval_fn_ && (done % eval_every_ == 0 || done == config_.total_steps)) {
      OTGAN_RETURN_IF_ERROR(evaluate(done));
    }
    progress.Update(done, shown);
    // Step 1 too, so that a user sees a grid within seconds of starting.
    if (config_.sample_every > 0 && (done % config_.sample_every == 0 || done == 1)) {
      OTGAN_RETURN_IF_ERROR(WriteSamples(done, /*final=*/false));
    }
    const bool last_step = done == config_.total_steps;
    bool stop = signals && signals->StopRequested();
    if (config_.stop_vote) {
      absl::StatusOr<bool> any = config_.stop_vote(stop);
      if (!any.ok()) {
        return absl::Status(any.status().code(), absl::StrCat("step ", step, ": stop vote: ",
                                                              any.status().message()));
      }
      stop = *any;
    }
    if (last_step || stop ||
        (config_.checkpoint_every > 0 && done % config_.checkpoint_every == 0)) {
      OTGAN_RETURN_IF_ERROR(WriteCheckpoint(done, elapsed()));
    }
    if (stop && !last_step) {
      progress.Finish();
      return absl::CancelledError(absl::StrCat(
          "stopped by ",
          signals && signals->Signal() != 0 ? ScopedStopSignals::SignalName(signals->Signal())
                                            : std::string("another rank's stop signal"),
          " after step ", done,
          " of ", config_.total_steps, "; checkpoint written to ", last_checkpoint_->second,
          "; run the same command with --resume to continue"));
    }
  }
  progress.Finish();
  return WriteSamples(config_.total_steps, /*final=*/true);
}

}  // namespace otgan::train

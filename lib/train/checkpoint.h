// Training checkpoints: everything a run needs to continue bit-identically.
//
// A TrainingState names what a checkpoint holds: modules (parameters and
// buffers), optimisers (their per-parameter state: Adam moments, step
// counts), random generators (LibTorch's default CPU generator is always
// included) and small tensor-valued states with a getter and a setter (e.g. an
// EpochShuffler's State()/Restore()). SaveCheckpoint writes them, with a step
// counter, the elapsed training time and a header (format name, version and
// a fingerprint of the model: module parameter/buffer names, dtypes and
// shapes, optimiser and generator names), to a temporary file that is
// fsync'ed and renamed into place.
//
// Integrity: the file is a short text header carrying the SHA-256 and the
// length of the payload (LibTorch's archive) that follows it, so the checksum
// is written atomically with the contents it covers:
//   "otgan-train-checkpoint 2\nsha256 <64 hex>\nbytes <n>\n\n" <n payload bytes>
// VerifyCheckpoint and LoadCheckpoint recompute the checksum before anything
// is parsed: a flipped bit, overwritten bytes, truncation, trailing bytes or a
// missing/garbled checksum line is DataLoss naming the file and the defect.
// Checkpoints of format 1 (written before checksums existed: a bare LibTorch
// archive) cannot be verified and are refused with a message saying so; they
// are never loaded. LoadCheckpoint also refuses a file of another format
// version or one written for a different model, naming what differs.
//
//   otgan::train::TrainingState state;
//   state.AddModule("critic", critic.ptr());
//   state.AddOptimizer("critic_opt", &critic_opt);
//   state.AddTensorState("shuffler", [&] { return shuffler.State(); },
//                        [&](const at::Tensor& t) { return shuffler.Restore(t); });
//   OTGAN_RETURN_IF_ERROR(otgan::train::SaveCheckpoint(
//       otgan::train::CheckpointPath(dir, 1000), state, {.step = 1000}));
//   OTGAN_ASSIGN_OR_RETURN(auto info, otgan::train::LoadCheckpoint(path, state));
//
// Files are named <dir>/ckpt_<step>.pt; PruneCheckpoints keeps the newest K.
#ifndef OTGAN_LIB_TRAIN_CHECKPOINT_H_
#define OTGAN_LIB_TRAIN_CHECKPOINT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otgan::train {

// Version of the layout written by SaveCheckpoint; bumped on any change.
inline constexpr int64_t kCheckpointFormatVersion = 2;

struct CheckpointInfo {
  int64_t step = 0;              // generator iterations completed
  double elapsed_seconds = 0;    // training time so far (all processes)
};

class TrainingState;

absl::Status SaveCheckpoint(const std::string& path, const TrainingState& state,
                            const CheckpointInfo& info);
absl::StatusOr<CheckpointInfo> LoadCheckpoint(const std::string& path, TrainingState& state);

class TrainingState {
 public:
  using Getter = std::function<at::Tensor()>;
  using Setter = std::function<absl::Status(const at::Tensor&)>;

  // Registers LibTorch's default CPU generator as "torch_default_cpu".
  TrainingState();

  // Names must be unique within each kind and non-empty; a repeated name
  // throws c10::Error (a programming error). Objects are not owned (except
  // the module's shared_ptr) and must outlive the state.
  void AddModule(const std::string& name, std::shared_ptr<torch::nn::Module> module);
  void AddOptimizer(const std::string& name, torch::optim::Optimizer* optimizer);
  void AddGenerator(const std::string& name, at::Generator generator);
  void AddTensorState(const std::string& name, Getter get, Setter set);

  // One line per item, e.g. "module critic param layers.0.weight Float [64, 2]".
  std::vector<std::string> Fingerprint() const;

  const std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>>& modules() const {
    return modules_;
  }

 private:
  friend absl::Status SaveCheckpoint(const std::string& path, const TrainingState& state,
                                     const CheckpointInfo& info);
  friend absl::StatusOr<CheckpointInfo> LoadCheckpoint(const std::string& path,
                                                       TrainingState& state);

  struct TensorState {
    std::string name;
    Getter get;
    Setter set;
  };
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> modules_;
  std::vector<std::pair<std::string, torch::optim::Optimizer*>> optimizers_;
  std::vector<std::pair<std::string, at::Generator>> generators_;
  std::vector<TensorState> tensor_states_;
};

// Writes `state` and `info` to `path` atomically (temp file, fsync, rename).
absl::Status SaveCheckpoint(const std::string& path, const TrainingState& state,
                            const CheckpointInfo& info);

// Checks that `path` is a complete checkpoint whose payload matches its
// checksum, without parsing the payload. NotFound, or DataLoss naming the
// file and the defect (checksum mismatch, truncated, no checksum, ...).
absl::Status VerifyCheckpoint(const std::string& path);

// Restores `state` from `path` and returns the stored counters. Errors (all
// naming `path`): NotFound, DataLoss for a file that fails VerifyCheckpoint or
// is not a lib/train checkpoint, FailedPrecondition for another format
// version or a different model (listing the differing fingerprint lines).
// On error `state` may be partly restored only if the failure happened after
// the header checks (e.g. a shuffler refusing its state).
absl::StatusOr<CheckpointInfo> LoadCheckpoint(const std::string& path, TrainingState& state);

// <dir>/ckpt_<step>.pt
std::string CheckpointPath(const std::string& dir, int64_t step);

// (step, path) of every ckpt_<step>.pt in `dir`, ascending by step; an absent
// folder gives an empty list.
absl::StatusOr<std::vector<std::pair<int64_t, std::string>>> ListCheckpoints(
    const std::string& dir);

// The newest checkpoint in `dir`, or nullopt if there is none.
absl::StatusOr<std::optional<std::pair<int64_t, std::string>>> LatestCheckpoint(
    const std::string& dir);

// The checkpoints of `dir`, newest first, that fail VerifyCheckpoint before
// the newest that passes, and that one (nullopt when none passes).
struct VerifiedCheckpoint {
  std::optional<std::pair<int64_t, std::string>> newest_good;
  std::vector<std::pair<std::string, absl::Status>> skipped;  // (path, why)
};
absl::StatusOr<VerifiedCheckpoint> NewestVerifiedCheckpoint(const std::string& dir);

// Deletes all but the newest `keep` (>= 1) checkpoints in `dir`.
absl::Status PruneCheckpoints(const std::string& dir, int keep);

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_CHECKPOINT_H_

// What every replication executable shares: the common flags, their
// validation into a plain config struct, the run folder and manifest, the
// exit path (one-line errors, clean stop on Ctrl-C, a closing summary), and
// small helpers that several mains use: flag checks, the smoke scale-down of
// flags left at their defaults, the Trainer's run settings, MNIST's training
// images, and the evaluation samples (samples_eval.npy).
//
// Flags live only in replications/; lib/ receives the config structs.
//
//   int main(int argc, char** argv) {
//     return otgan::replications::Main(argc, argv, "otgan_mnist", "OT-GAN on MNIST",
//         [](const otgan::replications::CommonConfig& c) -> absl::Status { ... });
//   }
#ifndef OTGAN_REPLICATIONS_COMMON_H_
#define OTGAN_REPLICATIONS_COMMON_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/Device.h>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/data/dataset.h"
#include "lib/data/toy.h"
#include "lib/dist/context.h"
#include "lib/eval/lenet.h"
#include "lib/train/precision.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "replications/flag_types.h"
#include "replications/seeds.h"

ABSL_DECLARE_FLAG(otgan::train::Budget, budget);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(otgan::replications::DeviceName, device);
ABSL_DECLARE_FLAG(otgan::train::Precision, precision);
ABSL_DECLARE_FLAG(bool, resume);
ABSL_DECLARE_FLAG(std::string, data_dir);
ABSL_DECLARE_FLAG(int64_t, steps);
ABSL_DECLARE_FLAG(int64_t, eval_samples);
ABSL_DECLARE_FLAG(int64_t, eval_every);
ABSL_DECLARE_FLAG(int64_t, log_every);
ABSL_DECLARE_FLAG(int64_t, sample_every);
ABSL_DECLARE_FLAG(int64_t, checkpoint_every);

namespace otgan::replications {

// The Trainer's intervals, in generator iterations (checkpoint_every 0: none).
struct TrainerIntervals {
  int64_t log_every = 0;
  int64_t sample_every = 0;
  int64_t checkpoint_every = 0;
};

struct CommonConfig {
  std::string target;        // e.g. "otgan_mnist"
  train::Budget budget = train::Budget::kSmoke;
  std::string run_dir;       // absolute or workspace-relative resolved path
  uint64_t seed = 0;
  int threads = 0;           // in force (after ConfigureThreads)
  c10::Device device = c10::Device(c10::kCPU);
  bool resume = false;
  train::Precision precision = train::Precision::kFp32;  // --precision: the nets' training passes
  std::string data_dir;      // where mnist/ and fashion/ live
  int64_t steps_override = 0;   // --steps: 0 = the budget's step count
  int64_t eval_samples = 0;     // --eval_samples: 0 = the budget's default
  int64_t eval_every = 0;       // --eval_every: 0 = the budget's default, -1 = off
  // --log_every, --sample_every, --checkpoint_every (each >= 0; 0 = the
  // target's default at this budget, which TrainerConfigFor fills in).
  TrainerIntervals intervals;
  // Data-parallel runs (lib/dist): RANK / WORLD_SIZE / MASTER_ADDR /
  // MASTER_PORT from the environment (scripts/launch_distributed.sh sets
  // them); a world of one otherwise. Rank 0 owns the run folder; rank r > 0
  // keeps its own checkpoints and metrics in <run folder>/rank_<r>/ (run_dir
  // above is that folder on such a rank; root_run_dir is rank 0's).
  dist::DistConfig dist;
  std::string root_run_dir;
  bool is_root() const { return dist.rank == 0; }
};

// Reads and validates the common flags; the default run folder is
// runs/<target>/<budget> under the workspace root.
absl::StatusOr<CommonConfig> CommonConfigFromFlags(const std::string& target);

// Picks the step count: --steps when given, else smoke / cpu / paper.
int64_t StepsFor(const CommonConfig& config, int64_t smoke, int64_t cpu, int64_t paper);

// Number of generated samples to evaluate: --eval_samples when given, else
// 500 for smoke runs and 5000 (the Laschos protocol) otherwise.
int64_t EvalSamplesFor(const CommonConfig& config);

// Creates the run folder and writes <run_dir>/manifest.json with the command
// line, every flag of this program, the seed, threads, device, git revision
// and LibTorch version. `extra` key/values (e.g. {"settings_source", "code"},
// {"eval_dataset", "mnist"}) become the manifest's "facts", apart from the
// flags: the choices a run made in code (lib/io/manifest.h).
absl::Status StartRun(const CommonConfig& config,
                      const std::vector<std::pair<std::string, std::string>>& extra = {});

// Parses flags, runs `body`, prints "<target>: <error>" and returns 1 on
// failure (2 for bad flags, 130 when stopped by a signal after checkpointing),
// else evaluates the run (rank 0 only), prints where the results are and
// returns 0. A target whose body joins a process group (lib/dist) passes
// distributed = true; the others refuse WORLD_SIZE > 1 with a clear message.
int Main(int argc, char** argv, const std::string& target, const std::string& usage,
         const std::function<absl::Status(const CommonConfig&)>& body, bool distributed = false);

// ---------------------------------------------------------------------------
// Flag checks and the smoke scale-down
// ---------------------------------------------------------------------------

// InvalidArgument "--<flag>=<value>: expected a positive finite number"
// unless value > 0 and finite (inf and nan are refused).
absl::Status CheckPositive(const std::string& flag, double value);
// InvalidArgument unless value >= 0 and finite.
absl::Status CheckNonNegative(const std::string& flag, double value);
// "--<flag>=<v>: expected at least <min>" unless v >= min.
absl::Status FlagAtLeast(const char* flag, int64_t v, int64_t min);
// "--<flag>=<v>: expected a positive multiple of <m>" unless v > 0 and m | v.
absl::Status FlagPositiveMultipleOf(const char* flag, int64_t v, int64_t m);

// True when the flag called `name` holds its default value (false for an
// unknown name).
bool FlagAtDefault(const std::string& name);

// Overrides applied at --budget=smoke, as (flag, value) pairs; a main records
// Describe() in its manifest as "smoke_overrides".
struct SmokeOverrides {
  std::vector<std::pair<std::string, std::string>> applied;
  // "batch=16 dim=16", or "none".
  std::string Describe() const;
};

// At --budget=smoke, replaces *value (the flag `name`'s value) by
// smoke_value when the flag is still at its default, and records it; a flag
// given on the command line is never touched.
//
//   SmokeOverrides smoke;
//   int64_t batch = absl::GetFlag(FLAGS_batch);
//   ApplySmokeDefault(config, "batch", int64_t{16}, &batch, &smoke);
//   OTGAN_RETURN_IF_ERROR(CheckPositive("batch", batch));
template <typename T>
void ApplySmokeDefault(const CommonConfig& config, const std::string& name, T smoke_value,
                       T* value, SmokeOverrides* smoke) {
  if (config.budget != train::Budget::kSmoke || !FlagAtDefault(name)) return;
  *value = smoke_value;
  smoke->applied.emplace_back(name, absl::StrCat(smoke_value));
}

// ---------------------------------------------------------------------------
// Trainer settings
// ---------------------------------------------------------------------------

// A TrainerConfig for config's run folder and --resume with `total_steps`;
// each interval is config.intervals' entry (--log_every, --sample_every,
// --checkpoint_every) when non-zero, else the target's default: the entry of
// `smoke` at --budget=smoke and of `other` at cpu and paper.
//
//   train::TrainerConfig tc = TrainerConfigFor(common, steps, /*smoke=*/{1, 3, 0},
//                                              /*other=*/{10, 100, 500});
train::TrainerConfig TrainerConfigFor(const CommonConfig& config, int64_t total_steps,
                                      const TrainerIntervals& smoke, const TrainerIntervals& other);

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

// The 60000 MNIST training images from config.data_dir in [0, 1]: images
// float32 [60000, 1, 28, 28] on the CPU, labels and description.
absl::StatusOr<data::ImageDataset> LoadMnistTrain(const CommonConfig& config);

// ---------------------------------------------------------------------------
// Latents and evaluation samples
// ---------------------------------------------------------------------------

// z ~ N(0, I_latent), [n, latent], drawn on the CPU from `gen` (LibTorch's
// default generator when empty, which the Trainer checkpoints) and moved to
// `device`, so a CPU run and its resumed continuation see the same draws.
at::Tensor GaussianLatents(int64_t n, int64_t latent, const c10::Device& device,
                           c10::optional<at::Generator> gen = c10::nullopt);

// The seed of the evaluation latents: config.seed plus a fixed offset, so
// they differ from the training draws and are the same for every run of a seed.
uint64_t EvalSeed(const CommonConfig& config);

using GenerateFn = std::function<at::Tensor(const at::Tensor& z)>;

// Draws EvalSamplesFor(config) latents N(0, I_latent) from a generator seeded
// with EvalSeed(config), maps them through `generate` in batches of `batch`
// (no autograd), and writes <run_dir>/samples_eval.npy (float32, CPU,
// [N, ...] as `generate` returns them).
//
//   OTGAN_RETURN_IF_ERROR(WriteEvalSamples(config, latent,
//       [&](const at::Tensor& z) { return gen->forward(z); }));
absl::Status WriteEvalSamples(const CommonConfig& config, int64_t latent,
                              const GenerateFn& generate, int64_t batch = 500);

// The OT mains' evaluation samples (sinkhorn_gan_mnist, otgan_mnist,
// otgan_mog), which draw their own latent law: z = draw(EvalSamplesFor(config),
// g) on the CPU from a generator g seeded with config.seed + 0x5eed, mapped
// through `generate` on config.device in chunks of `chunk` rows (0: one pass),
// no autograd, and written to <run_dir>/samples_eval.npy as `generate`
// returns them (moved to the CPU).
//
//   OTGAN_RETURN_IF_ERROR(WriteEvalSamplesOf(config, NormalLatents(latent),
//       [&](const at::Tensor& z) { return gen->forward(z); }));
using LatentDrawFn = std::function<at::Tensor(int64_t n, at::Generator& gen)>;

// The draw of n latents z ~ N(0, I_latent), float32, from g.
LatentDrawFn NormalLatents(int64_t latent);

absl::Status WriteEvalSamplesOf(const CommonConfig& config, const LatentDrawFn& draw,
                                const GenerateFn& generate, int64_t chunk = 0);

// generate(z) in chunks of `chunk` rows of z (0: one pass), each chunk moved
// to `device`, without autograd; the outputs moved to the CPU and concatenated.
at::Tensor GenerateInChunks(const at::Tensor& z, const c10::Device& device,
                            const GenerateFn& generate, int64_t chunk);

// ---------------------------------------------------------------------------
// The evaluation curve (<run_dir>/eval_curve.csv, lib/eval/eval_curve.h)
// ---------------------------------------------------------------------------

// Points of the curve, in generator iterations: --eval_every when > 0; off
// (0) for --eval_every=-1 and, by default, at --budget=smoke; else by default
// a twentieth of the run (at least 1), so every curve has about 20 points
// besides step 0.
int64_t EvalEveryFor(const CommonConfig& config, int64_t total_steps);

// The manifest fact ("eval_curve", "<interval and protocol>") for a run of
// total_steps (say "off" when EvalEveryFor is 0); `protocol` names the header
// that defines the metrics (the toys': "lib/eval/toy_eval_curve.h").
std::pair<std::string, std::string> EvalCurveFact(const CommonConfig& config, int64_t total_steps,
                                                  const std::string& protocol =
                                                      "lib/eval/eval_curve.h");

// What the curve scores: generated images [N, 1, image_size, image_size] in
// `range`, against `dataset`.
struct EvalCurveTarget {
  data::DatasetName dataset = data::DatasetName::kMnist;
  int image_size = 28;
  eval::PixelRange range = eval::PixelRange::kZeroOne;
};

// When EvalEveryFor(config, total_steps) > 0, loads the curve's classifier and
// real sets and sets trainer's eval function: 1000 images generated from
// latents drawn once, here, by draw(1000, g) with a generator g of its own
// (seeded from EvalSeed, so the training draws are untouched and --resume
// stays bit-exact), mapped through `generate` on config.device in chunks of
// 500, no autograd. Prints the protocol on stderr. A no-op when off.
absl::Status AttachEvalCurve(const CommonConfig& config, int64_t total_steps,
                             train::Trainer& trainer, const EvalCurveTarget& target,
                             const LatentDrawFn& draw, const GenerateFn& generate);

// The same with latents z ~ N(0, I_latent).
absl::Status AttachEvalCurve(const CommonConfig& config, int64_t total_steps,
                             train::Trainer& trainer, const EvalCurveTarget& target,
                             int64_t latent, const GenerateFn& generate);

// The 2-D toys' curve (lib/eval/toy_eval_curve.h): modes covered, high-quality
// fraction and exact W2 of 1000 points generated from fixed latents
// z ~ N(0, I_latent), against a fixed target sample of `kind` (stream
// kToyCurveTarget of --seed). Same interval, chunks and no-op as AttachEvalCurve.
absl::Status AttachToyEvalCurve(const CommonConfig& config, int64_t total_steps,
                                train::Trainer& trainer, data::ToyKind kind, int64_t latent,
                                const GenerateFn& generate);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_COMMON_H_

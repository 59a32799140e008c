// About 400 lines: the flags every replication shares and their
// validation, the run folder and manifest, Main's exit path, and the
// evaluation samples and curve every main writes (common.h); the data-parallel
// start is in data_parallel.cc, the seeds in seeds.cc, the flag types in
// flag_types.cc.
#include "replications/common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/eval/eval_curve.h"
#include "lib/eval/run_eval.h"
#include "lib/eval/toy_eval_curve.h"
#include "lib/io/flag_values.h"
#include "lib/io/manifest.h"
#include "lib/io/npy.h"
#include "lib/io/run_lock.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

ABSL_FLAG(otgan::train::Budget, budget, otgan::train::Budget::kSmoke,
          "smoke (well under a minute) | cpu (the target's reproduction budget on the 2-core "
          "machine, see replications/README.md) | paper (published schedule)");
ABSL_FLAG(std::string, out, "",
          "run folder; relative paths resolve against the workspace root "
          "(default runs/<target>/<budget>)");
ABSL_FLAG(uint64_t, seed, 0, "random seed for initialisation, latents and data order");
ABSL_FLAG(int, threads, 0, "intra-op threads; 0 = all cores");
ABSL_FLAG(otgan::replications::DeviceName, device, otgan::replications::DeviceName{},
          "cpu | cuda | cuda:N (needs a CUDA LibTorch)");
ABSL_FLAG(otgan::train::Precision, precision, otgan::train::Precision::kFp32,
          "fp32 | bf16: bf16 runs the nets' training forward passes (and their backward) under "
          "bfloat16 autocast, with fp32 weights, losses, Sinkhorn and penalty norms "
          "(lib/train/precision.h)");
ABSL_FLAG(bool, resume, false, "continue from the newest checkpoint in the run folder");
ABSL_FLAG(std::string, data_dir, "", "dataset root holding mnist/ and fashion/ (default: <workspace>/data)");
ABSL_FLAG(int64_t, steps, 0, "generator iterations; 0 = the budget's count");
ABSL_FLAG(std::string, classifier_weights, "",
          "evaluation LeNet weights: a lenet_<dataset>.pt file or the folder holding it "
          "(default: this binary's runfiles, else <workspace>/eval/weights)");
ABSL_FLAG(int64_t, eval_samples, 0,
          "generated samples for the evaluation; 0 = 500 for smoke, else 5000");

ABSL_FLAG(int64_t, eval_every, 0,
          "evaluation curve (eval_curve.csv: IS, FID-LeNet, pixel W1 of 1000 samples, about 2 s "
          "per point) every this many generator iterations; 0 = the budget's default (smoke: off, "
          "else a twentieth of the run), -1 = off");

ABSL_FLAG(int64_t, log_every, 0,
          "metrics.csv row (and progress line) every this many generator iterations; 0 = the "
          "target's default at this budget");
ABSL_FLAG(int64_t, sample_every, 0,
          "sample grid (samples_<step>.png) every this many generator iterations; 0 = the "
          "target's default at this budget");
ABSL_FLAG(int64_t, checkpoint_every, 0,
          "checkpoint every this many generator iterations; 0 = the target's default at this "
          "budget (none at smoke)");

namespace otgan::replications {
namespace fs = std::filesystem;

absl::StatusOr<CommonConfig> CommonConfigFromFlags(const std::string& target) {
  CommonConfig c;
  c.target = target;
  c.budget = absl::GetFlag(FLAGS_budget);
  std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) out = absl::StrCat("runs/", target, "/", train::BudgetName(c.budget));
  c.run_dir = ResolveOutputPath(out);
  c.seed = absl::GetFlag(FLAGS_seed);
  OTGAN_ASSIGN_OR_RETURN(c.threads, ConfigureThreads(absl::GetFlag(FLAGS_threads)));
  OTGAN_ASSIGN_OR_RETURN(c.device, ParseDevice(absl::GetFlag(FLAGS_device).name));
  c.resume = absl::GetFlag(FLAGS_resume);
  c.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (c.data_dir.empty()) c.data_dir = DefaultDataDir();
  c.steps_override = absl::GetFlag(FLAGS_steps);
  if (c.steps_override < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--steps=", c.steps_override, ": expected 0 (budget default) or a positive count"));
  }
  c.eval_samples = absl::GetFlag(FLAGS_eval_samples);
  if (c.eval_samples < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--eval_samples=", c.eval_samples, ": expected 0 (default) or a positive count"));
  }
  OTGAN_ASSIGN_OR_RETURN(c.dist, dist::DistConfigFromEnv());
  c.root_run_dir = c.run_dir;
  if (c.dist.rank > 0) {
    c.run_dir = (fs::path(c.run_dir) / absl::StrCat("rank_", c.dist.rank)).string();
  }
  c.precision = absl::GetFlag(FLAGS_precision);
  c.eval_every = absl::GetFlag(FLAGS_eval_every);
  if (c.eval_every < -1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--eval_every=", c.eval_every, ": expected -1 (off), 0 (budget default) or a positive count"));
  }
  c.intervals = {absl::GetFlag(FLAGS_log_every), absl::GetFlag(FLAGS_sample_every),
                 absl::GetFlag(FLAGS_checkpoint_every)};
  for (const auto& [name, value] : {std::pair<const char*, int64_t>{"log_every", c.intervals.log_every},
                                    {"sample_every", c.intervals.sample_every},
                                    {"checkpoint_every", c.intervals.checkpoint_every}}) {
    if (value < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", name, "=", value, ": expected 0 (the target's default) or a positive count"));
    }
  }
  if (c.resume && !fs::exists(fs::path(c.run_dir) / "checkpoints")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--resume: no checkpoints in ", c.run_dir, "/checkpoints; run without --resume first"));
  }
  return c;
}

int64_t StepsFor(const CommonConfig& config, int64_t smoke, int64_t cpu, int64_t paper) {
  if (config.steps_override > 0) return config.steps_override;
  switch (config.budget) {
    case train::Budget::kSmoke: return smoke;
    case train::Budget::kCpu: return cpu;
    case train::Budget::kPaper: return paper;
  }
  return smoke;
}

int64_t EvalSamplesFor(const CommonConfig& config) {
  if (config.eval_samples > 0) return config.eval_samples;
  return config.budget == train::Budget::kSmoke ? 500 : 5000;
}

namespace {
// A resumed run continues in the precision it started in: its manifest.json's
// --precision (runs from before the flag existed ran in fp32). Mixing the two
// in one run would make its curves and results describe neither.
absl::Status CheckResumePrecision(const CommonConfig& config) {
  const std::string path = (fs::path(config.run_dir) / "manifest.json").string();
  std::error_code ec;
  if (!fs::exists(path, ec)) return absl::OkStatus();  // nothing recorded to compare with
  OTGAN_ASSIGN_OR_RETURN(const io::RunManifest manifest, io::ReadManifest(path));
  std::string started = manifest.Flag("precision");
  if (started.empty()) started = "fp32";
  const std::string now = train::PrecisionName(config.precision);
  if (started != now) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--resume with --precision=", now, ": ", config.run_dir, " was started with --precision=",
        started, " (its manifest.json); resume it with --precision=", started,
        ", or start a new run folder"));
  }
  return absl::OkStatus();
}
}  // namespace

absl::Status StartRun(const CommonConfig& config,
                      const std::vector<std::pair<std::string, std::string>>& extra) {
  // The checks that can refuse the run come first and write nothing (another
  // live run holding the folder, a fresh run into a folder with checkpoints,
  // no checkpoint that verifies on resume, folders that cannot be written).
  OTGAN_RETURN_IF_ERROR(train::PreflightRunDir(config.run_dir, config.resume));
  if (config.resume) OTGAN_RETURN_IF_ERROR(CheckResumePrecision(config));
  std::error_code ec;
  fs::create_directories(config.run_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("--out: cannot create run folder ", config.run_dir, ": ", ec.message()));
  }
  io::RunManifest m;
  m.program = config.target;
  m.command_line = io::CurrentCommandLine();
  m.flags = io::AllFlagValues({"replications/"});
  m.facts = extra;  // run facts, kept apart from the flags (lib/io/manifest.h)
  m.facts.emplace_back("cpu_runtime", CpuRuntimeDescription());
  m.facts.emplace_back("precision", train::DescribePrecision(config.precision));
  m.seed = config.seed;
  m.threads = config.threads;
  m.device = config.device.str();
  OTGAN_RETURN_IF_ERROR(io::AcquireRunLock(config.run_dir));  // one writer per run folder
  // On resume keep the original manifest and record the resumed one beside it.
  // Written by the Trainer once its own checks (e.g. the checkpoint's model)
  // have passed, or by Main after a body without a Trainer.
  std::string path =
      (fs::path(config.run_dir) / (config.resume ? "manifest_resume.json" : "manifest.json")).string();
  train::DeferUntilChecked(config.run_dir, [path, m] { return io::WriteManifest(path, m); });
  return absl::OkStatus();
}

int Main(int argc, char** argv, const std::string& target, const std::string& usage,
         const std::function<absl::Status(const CommonConfig&)>& body, bool distributed) {
  // OMP_WAIT_POLICY=PASSIVE and friends, before any LibTorch work (may
  // re-execute this program once; lib/util/runtime.h).
  PrepareCpuRuntime(argc, argv);
  absl::SetProgramUsageMessage(usage);
  // --help and --helpshort list every flag defined under replications/ (the
  // common flags here and the family's flags in their own files), not only
  // those of the main's .cc, which is Abseil's default; --helpfull lists all.
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::StartsWith(file, "replications/") || absl::StrContains(file, "/replications/");
  };
  usage_config.contains_helpshort_flags = usage_config.contains_help_flags;
  absl::SetFlagsUsageConfig(usage_config);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::fprintf(stderr, "%s: unexpected argument '%s' (all options are --flags; see --help)\n",
                 target.c_str(), positional[1]);
    return 2;
  }
  if (absl::Status finite = io::CheckFloatFlagsFinite({"replications/"}); !finite.ok()) {
    std::fprintf(stderr, "%s: %s\n", target.c_str(), std::string(finite.message()).c_str());
    return 2;
  }
  absl::StatusOr<CommonConfig> config = CommonConfigFromFlags(target);
  if (!config.ok()) {
    std::fprintf(stderr, "%s: %s\n", target.c_str(), std::string(config.status().message()).c_str());
    return 2;
  }
  if (config->dist.world_size > 1 && !distributed) {
    std::fprintf(stderr,
                 "%s: WORLD_SIZE=%d: this target has no distributed mode (otgan_mnist and "
                 "wgan_gp_mnist have; see README.md, \"Running across machines\"); unset RANK "
                 "and WORLD_SIZE\n",
                 target.c_str(), config->dist.world_size);
    return 2;
  }
  // LibTorch errors thrown inside the body become a Status here, at the boundary.
  absl::StatusOr<absl::Status> wrapped = TorchCall(target, [&] { return body(*config); });
  absl::Status status = wrapped.ok() ? *wrapped : wrapped.status();
  if (status.ok()) status = train::RunDeferredActions(config->run_dir);  // no Trainer::Run
  if (absl::IsCancelled(status)) {
    std::fprintf(stderr, "%s: %s\n", target.c_str(), std::string(status.message()).c_str());
    return 130;
  }
  if (absl::IsInvalidArgument(status)) {
    std::fprintf(stderr, "%s: %s\n", target.c_str(), std::string(status.message()).c_str());
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", target.c_str(), std::string(status.message()).c_str());
    return 1;
  }
  if (!config->is_root()) {
    std::fprintf(stderr, "%s: rank %d of %d done (rank 0 evaluates and owns %s)\n",
                 target.c_str(), config->dist.rank, config->dist.world_size,
                 config->root_run_dir.c_str());
    return 0;
  }
  // Every finished run is scored: <run_dir>/eval.json (lib/eval/run_eval.h).
  // Smoke runs evaluate their few samples on the small-N path (seconds).
  eval::RunEvalOptions eval_options;
  eval_options.data_dir = config->data_dir;
  eval_options.seed = config->seed;
  eval_options.weights_dir = absl::GetFlag(FLAGS_classifier_weights);
  absl::StatusOr<absl::StatusOr<eval::EvalReport>> evaluated = TorchCall(
      "evaluation", [&] { return eval::EvaluateRunDir(config->run_dir, eval_options); });
  absl::Status eval_status = evaluated.ok() ? evaluated->status() : evaluated.status();
  if (!eval_status.ok()) {
    std::fprintf(stderr, "%s: training finished but the evaluation of %s failed: %s\n",
                 target.c_str(), config->run_dir.c_str(),
                 std::string(eval_status.message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "%s: eval: %s\n", target.c_str(), eval::EvalSummary(**evaluated).c_str());
  std::fprintf(stderr,
               "%s: done. Results in %s: manifest.json, metrics.csv, samples_final.png, "
               "samples_eval.npy, eval.json\n",
               target.c_str(), config->run_dir.c_str());
  return 0;
}

absl::Status CheckPositive(const std::string& flag, double value) {
  if (value > 0 && std::isfinite(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, "=", value, ": expected a positive finite number"));
}

absl::Status CheckNonNegative(const std::string& flag, double value) {
  if (value >= 0 && std::isfinite(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, "=", value, ": expected a finite number >= 0"));
}

absl::Status FlagAtLeast(const char* flag, int64_t v, int64_t min) {
  if (v >= min) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", flag, "=", v, ": expected at least ", min));
}

absl::Status FlagPositiveMultipleOf(const char* flag, int64_t v, int64_t m) {
  if (v > 0 && v % m == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, "=", v, ": expected a positive multiple of ", m));
}

bool FlagAtDefault(const std::string& name) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  return flag != nullptr && flag->CurrentValue() == flag->DefaultValue();
}

std::string SmokeOverrides::Describe() const {
  if (applied.empty()) return "none";
  return absl::StrJoin(applied, " ", absl::PairFormatter("="));
}

train::TrainerConfig TrainerConfigFor(const CommonConfig& config, int64_t total_steps,
                                      const TrainerIntervals& smoke, const TrainerIntervals& other) {
  const TrainerIntervals& flags = config.intervals;
  const TrainerIntervals& by_budget = config.budget == train::Budget::kSmoke ? smoke : other;
  auto pick = [](int64_t flag, int64_t fallback) { return flag != 0 ? flag : fallback; };
  train::TrainerConfig tc;
  tc.run_dir = config.run_dir;
  tc.total_steps = total_steps;
  tc.log_every = pick(flags.log_every, by_budget.log_every);
  tc.sample_every = pick(flags.sample_every, by_budget.sample_every);
  tc.checkpoint_every = pick(flags.checkpoint_every, by_budget.checkpoint_every);
  tc.resume = config.resume;
  return tc;
}

at::Tensor GaussianLatents(int64_t n, int64_t latent, const c10::Device& device,
                           c10::optional<at::Generator> gen) {
  at::Tensor z = at::randn({n, latent}, gen, at::TensorOptions().dtype(at::kFloat));
  return device.is_cpu() ? z : z.to(device);
}

uint64_t EvalSeed(const CommonConfig& config) {
  return StreamSeed(config.seed, Stream::kEvalSamples);
}

absl::Status WriteEvalSamples(const CommonConfig& config, int64_t latent,
                              const GenerateFn& generate, int64_t batch) {
  const int64_t n = EvalSamplesFor(config);
  if (batch <= 0) return absl::InvalidArgumentError("WriteEvalSamples: batch must be > 0");
  OTGAN_ASSIGN_OR_RETURN(at::Tensor samples, TorchCall("generate evaluation samples", [&] {
                           torch::NoGradGuard no_grad;
                           at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(EvalSeed(config));
                           std::vector<at::Tensor> parts;
                           for (int64_t start = 0; start < n; start += batch) {
                             const int64_t b = std::min(batch, n - start);
                             at::Tensor z = GaussianLatents(b, latent, config.device, gen);
                             parts.push_back(generate(z).detach().to(at::kCPU, at::kFloat));
                           }
                           return at::cat(parts, 0).contiguous();
                         }));
  return io::WriteNpy((fs::path(config.run_dir) / "samples_eval.npy").string(), samples);
}

absl::StatusOr<data::ImageDataset> LoadMnistTrain(const CommonConfig& config) {
  data::ImageDatasetOptions opt;
  opt.dataset = data::DatasetName::kMnist;
  opt.split = data::Split::kTrain;
  opt.data_dir = config.data_dir;
  opt.range = data::ValueRange::kZeroOne;
  return data::LoadImageDataset(opt);
}

LatentDrawFn NormalLatents(int64_t latent) {
  return [latent](int64_t n, at::Generator& g) { return at::randn({n, latent}, g, at::kFloat); };
}

absl::Status WriteEvalSamplesOf(const CommonConfig& config, const LatentDrawFn& draw,
                                const GenerateFn& generate, int64_t chunk) {
  at::Tensor eval;
  {
    torch::NoGradGuard no_grad;
    at::Generator g = StreamGenerator(config.seed, Stream::kOtEvalSamples);
    const at::Tensor z = draw(EvalSamplesFor(config), g);
    eval = GenerateInChunks(z, config.device, generate, chunk);
  }
  return io::WriteNpy((fs::path(config.run_dir) / "samples_eval.npy").string(), eval);
}

at::Tensor GenerateInChunks(const at::Tensor& z, const c10::Device& device,
                            const GenerateFn& generate, int64_t chunk) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (const at::Tensor& zc : chunk > 0 ? z.split(chunk) : std::vector<at::Tensor>{z}) {
    parts.push_back(generate(zc.to(device)).to(at::kCPU));
  }
  return parts.size() == 1 ? parts[0] : at::cat(parts);
}

namespace {
constexpr int64_t kCurveSamples = 1000;
constexpr int64_t kCurveChunk = 500;
}  // namespace

int64_t EvalEveryFor(const CommonConfig& config, int64_t total_steps) {
  if (config.eval_every > 0) return config.eval_every;
  if (config.eval_every < 0 || config.budget == train::Budget::kSmoke) return 0;
  return std::max<int64_t>(1, total_steps / 20);
}

std::pair<std::string, std::string> EvalCurveFact(const CommonConfig& config, int64_t total_steps,
                                                  const std::string& protocol) {
  const int64_t every = EvalEveryFor(config, total_steps);
  if (every == 0) return {"eval_curve", "off"};
  return {"eval_curve",
          absl::StrCat("eval_curve.csv at step 0, every ", every,
                       " generator iterations and at the end: ", kCurveSamples,
                       " samples from fixed latents; ", protocol,
                       "; its time is left out of the training seconds")};
}

namespace {

using CurveScoreFn =
    std::function<absl::StatusOr<std::map<std::string, double>>(const at::Tensor& generated)>;

// Draws the curve's fixed latents, prints the protocol and sets trainer's eval
// function: `score` of the kCurveSamples points generated from those latents.
void SetCurve(const CommonConfig& config, int64_t every, train::Trainer& trainer,
              const std::vector<std::string>& names, const std::string& description,
              CurveScoreFn score, const LatentDrawFn& draw, const GenerateFn& generate) {
  at::Tensor z;
  {
    torch::NoGradGuard no_grad;
    at::Generator g = StreamGenerator(config.seed, Stream::kEvalCurve);
    z = draw(kCurveSamples, g);
  }
  std::fprintf(stderr, "%s: evaluation curve every %lld steps into eval_curve.csv: %s\n",
               config.target.c_str(), static_cast<long long>(every), description.c_str());
  const c10::Device device = config.device;
  trainer.SetEvalFn(every, names,
                    [score, z, device, generate](int64_t) -> absl::StatusOr<train::StepLosses> {
                      OTGAN_ASSIGN_OR_RETURN(
                          auto metrics, score(GenerateInChunks(z, device, generate, kCurveChunk)));
                      return train::StepLosses(metrics.begin(), metrics.end());
                    });
}

}  // namespace

absl::Status AttachEvalCurve(const CommonConfig& config, int64_t total_steps,
                             train::Trainer& trainer, const EvalCurveTarget& target,
                             const LatentDrawFn& draw, const GenerateFn& generate) {
  const int64_t every = EvalEveryFor(config, total_steps);
  if (every == 0) return absl::OkStatus();
  eval::EvalCurveOptions opt;
  opt.dataset = target.dataset;
  opt.data_dir = config.data_dir;
  opt.weights_dir = absl::GetFlag(FLAGS_classifier_weights);
  opt.num_samples = kCurveSamples;
  opt.seed = config.seed;
  opt.image_size = target.image_size;
  OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<eval::EvalCurve> curve, eval::EvalCurve::Create(opt));
  std::shared_ptr<eval::EvalCurve> shared(std::move(curve));
  const eval::PixelRange range = target.range;
  SetCurve(config, every, trainer, eval::EvalCurve::MetricNames(), shared->Description(),
           [shared, range](const at::Tensor& x) { return shared->Evaluate(x, range); }, draw,
           generate);
  return absl::OkStatus();
}

absl::Status AttachToyEvalCurve(const CommonConfig& config, int64_t total_steps,
                                train::Trainer& trainer, data::ToyKind kind, int64_t latent,
                                const GenerateFn& generate) {
  const int64_t every = EvalEveryFor(config, total_steps);
  if (every == 0) return absl::OkStatus();
  eval::ToyEvalCurveOptions opt;
  opt.kind = kind;
  opt.num_samples = kCurveSamples;
  opt.seed = StreamSeed(config.seed, Stream::kToyCurveTarget);
  OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<eval::ToyEvalCurve> curve,
                         eval::ToyEvalCurve::Create(opt));
  std::shared_ptr<eval::ToyEvalCurve> shared(std::move(curve));
  SetCurve(
      config, every, trainer, shared->MetricNames(), shared->Description(),
      [shared](const at::Tensor& x) { return shared->Evaluate(x); },
      NormalLatents(latent), generate);
  return absl::OkStatus();
}

absl::Status AttachEvalCurve(const CommonConfig& config, int64_t total_steps,
                             train::Trainer& trainer, const EvalCurveTarget& target,
                             int64_t latent, const GenerateFn& generate) {
  return AttachEvalCurve(config, total_steps, trainer, target, NormalLatents(latent), generate);
}

}  // namespace otgan::replications

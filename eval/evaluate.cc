// Evaluates one replication run folder and writes <run>/eval.json
// (lib/eval/run_eval.h says what is computed and under which protocol).
//
//   bazel run //eval:evaluate -- --run=runs/wgan_gp_mnist/cpu
//   bazel run //eval:evaluate -- --run=/tmp/run --data_dir=data --threads=2 --no_pixel_w1
//
// A relative --run (or --data_dir) resolves against the directory `bazel run`
// was started from (BUILD_WORKING_DIRECTORY) when it exists there, else
// against the workspace root. Prints a one-line summary and the path of
// eval.json; on bad input prints one line on stderr and exits non-zero
// (2 for bad flags, 1 for a run folder that cannot be evaluated).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/eval/run_eval.h"
#include "lib/eval/eval_report.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

ABSL_FLAG(std::string, run, "", "run folder holding manifest.json and samples_eval.npy");
ABSL_FLAG(std::string, data_dir, "", "dataset root holding mnist/ and fashion/ (default: <workspace>/data)");
ABSL_FLAG(int, threads, 0, "intra-op threads; 0 = all cores");
ABSL_FLAG(int64_t, max_samples, 0, "evaluate only the first N samples; 0 = all");
ABSL_FLAG(bool, no_pixel_w1, false, "skip the exact pixel W1 (about 28 s per 5000 images)");
ABSL_FLAG(uint64_t, seed, 0, "seed of the real subsets, KID subsets and fresh toy samples");
ABSL_FLAG(std::string, classifier_weights, "",
          "LeNet weights: a lenet_<dataset>.pt file or the folder holding it (default: this "
          "binary's runfiles, else <workspace>/eval/weights)");

namespace otgan::eval {
namespace {
namespace fs = std::filesystem;

// Relative paths: the user's working directory under `bazel run` first (when
// the path exists there), then the workspace root, else as given.
std::string ResolveUserPath(const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  std::error_code ec;
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY"); wd != nullptr && *wd) {
    fs::path p = fs::path(wd) / path;
    if (fs::exists(p, ec)) return p.lexically_normal().string();
  }
  const std::string root = WorkspaceRoot();
  if (!root.empty()) {
    fs::path p = fs::path(root) / path;
    if (fs::exists(p, ec)) return p.lexically_normal().string();
  }
  return path;
}

struct Config {
  std::string run_dir;
  RunEvalOptions options;
};

absl::StatusOr<Config> ConfigFromFlags() {
  Config c;
  const std::string run = absl::GetFlag(FLAGS_run);
  if (run.empty()) {
    return absl::InvalidArgumentError("--run: expected a run folder, e.g. --run=runs/wgan_gp_mnist/cpu");
  }
  c.run_dir = ResolveUserPath(run);
  std::error_code ec;
  if (!fs::is_directory(c.run_dir, ec)) {
    std::vector<std::string> looked;
    if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY"); wd != nullptr && *wd) {
      looked.push_back((fs::path(wd) / run).string());
    }
    if (const std::string root = WorkspaceRoot(); !root.empty()) {
      looked.push_back((fs::path(root) / run).string());
    }
    if (looked.empty() || fs::path(run).is_absolute()) looked = {run};
    return absl::InvalidArgumentError(absl::StrCat(
        "--run=", run, ": no such folder (looked for ", absl::StrJoin(looked, " and "), ")"));
  }
  c.options.data_dir = ResolveUserPath(absl::GetFlag(FLAGS_data_dir));
  c.options.max_samples = absl::GetFlag(FLAGS_max_samples);
  if (c.options.max_samples < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_samples=", c.options.max_samples, ": expected 0 (all) or a positive count"));
  }
  c.options.pixel_w1 = !absl::GetFlag(FLAGS_no_pixel_w1);
  c.options.seed = absl::GetFlag(FLAGS_seed);
  c.options.weights_dir = ResolveUserPath(absl::GetFlag(FLAGS_classifier_weights));
  OTGAN_ASSIGN_OR_RETURN(int threads, ConfigureThreads(absl::GetFlag(FLAGS_threads)));
  (void)threads;
  return c;
}

}  // namespace
}  // namespace otgan::eval

int main(int argc, char** argv) {
  otgan::PrepareCpuRuntime(argc, argv);  // before any LibTorch work (lib/util/runtime.h)
  absl::SetProgramUsageMessage(
      "Evaluates a replication run folder into <run>/eval.json.\n"
      "  bazel run //eval:evaluate -- --run=<folder> [--data_dir --threads --max_samples "
      "--no_pixel_w1 --seed]");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::fprintf(stderr, "evaluate: unexpected argument '%s' (use --run=<folder>)\n",
                 positional[1]);
    return 2;
  }
  absl::StatusOr<otgan::eval::Config> config = otgan::eval::ConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "evaluate: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<absl::StatusOr<otgan::eval::EvalReport>> result = otgan::TorchCall(
      "evaluate", [&] { return otgan::eval::EvaluateRunDir(config->run_dir, config->options); });
  absl::Status status = result.ok() ? result->status() : result.status();
  if (!status.ok()) {
    std::fprintf(stderr, "evaluate: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::printf("%s\n", otgan::eval::EvalSummary(**result).c_str());
  std::printf("wrote %s\n",
              (std::filesystem::path(config->run_dir) / "eval.json").string().c_str());
  return 0;
}

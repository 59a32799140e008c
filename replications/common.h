// What every replication executable shares: the common flags, their
// validation into a plain config struct, the run folder and manifest, and the
// exit path (one-line errors, clean stop on Ctrl-C, a closing summary).
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

#include <c10/core/Device.h>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/train/schedule.h"

ABSL_DECLARE_FLAG(std::string, budget);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(std::string, device);
ABSL_DECLARE_FLAG(bool, resume);
ABSL_DECLARE_FLAG(std::string, data_dir);
ABSL_DECLARE_FLAG(int64_t, steps);
ABSL_DECLARE_FLAG(int64_t, eval_samples);

namespace otgan::replications {

struct CommonConfig {
  std::string target;        // e.g. "otgan_mnist"
  train::Budget budget = train::Budget::kSmoke;
  std::string run_dir;       // absolute or workspace-relative resolved path
  uint64_t seed = 0;
  int threads = 0;           // in force (after ConfigureThreads)
  c10::Device device = c10::Device(c10::kCPU);
  bool resume = false;
  std::string data_dir;      // where mnist/ and fashion/ live
  int64_t steps_override = 0;   // --steps: 0 = the budget's step count
  int64_t eval_samples = 0;     // --eval_samples: 0 = the budget's default
};

// Reads and validates the common flags; the default run folder is
// runs/<target>/<budget> under the workspace root.
absl::StatusOr<CommonConfig> CommonConfigFromFlags(const std::string& target);

// Picks the step count: --steps when given, else smoke / cpu / paper.
int64_t StepsFor(const CommonConfig& config, int64_t smoke, int64_t cpu, int64_t paper);

// Number of generated samples to evaluate: --eval_samples when given, else
// 500 for smoke runs and 5000 (the Laschos protocol) otherwise.
int64_t EvalSamplesFor(const CommonConfig& config);

// Creates the run folder and writes <run_dir>/manifest.json with every flag
// of this program, the seed, threads, device, git revision and LibTorch
// version. `extra` key/values (e.g. {"settings_source", "code"}) are added to
// the flags list so the manifest records choices made in code.
absl::Status StartRun(const CommonConfig& config,
                      const std::vector<std::pair<std::string, std::string>>& extra = {});

// Parses flags, runs `body`, prints "<target>: <error>" and returns 1 on
// failure (2 for bad flags, 130 when stopped by a signal after checkpointing),
// else prints where the results are and returns 0.
int Main(int argc, char** argv, const std::string& target, const std::string& usage,
         const std::function<absl::Status(const CommonConfig&)>& body);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_COMMON_H_

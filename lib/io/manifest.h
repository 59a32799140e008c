// The run manifest: a JSON file written at the start of every run, so that
// each result can be traced to the program, its command line and flags, the
// seed, the code revision and the machine that produced it. One struct,
// RunManifest, with ToJson / RunManifestFromJson, is the one definition of
// its keys for the writer (replications/common.cc) and every reader
// (lib/eval/run_eval, lib/plot/results, tools/figures).
//
// Two kinds of settings are kept apart:
//   flags  the program's own command-line flags and their values (as given,
//          or the default), so `command_line` plus `flags` reproduce the run;
//   facts  what the run decided or derived in code: the dataset the samples
//          are scored on (eval_dataset, sample_range), the step count the
//          budget chose (total_steps), the architecture and optimizer in
//          words, the smoke overrides, the evaluation seed.
// Paths under the workspace root are recorded relative to it (in the command
// line, flag and fact values), so a committed manifest names no directory of
// the machine that wrote it.
//
// WriteManifest stamps the environment fields left empty: git_revision (`git
// rev-parse HEAD` of the workspace, "-dirty" appended when `git status
// --porcelain` lists changes, "unknown" when git or the repository is not
// available: git never makes it fail), libtorch_version (TORCH_VERSION of the
// headers compiled against), hostname, cpu_cores and start_time (ISO 8601
// UTC, e.g. "2024-05-01T12:00:00Z").
//
//   otgan::io::RunManifest m;
//   m.program = "wgan_gp_mnist";
//   m.command_line = otgan::io::CurrentCommandLine();
//   m.flags = otgan::io::AllFlagValues({"replications/"});  // lib/io/flag_values.h
//   m.facts = {{"eval_dataset", "mnist"}, {"settings_source", "code"}};
//   m.seed = 1234;
//   m.threads = 2;
//   m.device = "cpu";
//   OTGAN_RETURN_IF_ERROR(otgan::io::WriteManifest(out_dir + "/manifest.json", m));
//   ...
//   OTGAN_ASSIGN_OR_RETURN(otgan::io::RunManifest back,
//                          otgan::io::ReadManifest(out_dir + "/manifest.json"));
//   std::string dataset = back.Fact("eval_dataset");  // "mnist"
#ifndef OTGAN_LIB_IO_MANIFEST_H_
#define OTGAN_LIB_IO_MANIFEST_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/io/json.h"

namespace otgan::io {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct RunManifest {
  std::string program;       // the replication target, e.g. "otgan_mnist"
  std::string command_line;  // shell-quoted argv, workspace-relative paths
  uint64_t seed = 0;
  int threads = 0;
  std::string device;
  KeyValues flags;  // the program's own flags: name -> value (see the file comment)
  KeyValues facts;  // run facts: name -> value
  // The environment; WriteManifest fills the empty ones.
  std::string git_revision;
  std::string libtorch_version;
  std::string hostname;
  int cpu_cores = 0;
  std::string start_time;

  // The value of flag / fact `key`, "" when absent.
  std::string Flag(const std::string& key) const;
  std::string Fact(const std::string& key) const;
};

// Keys, in this order: program, command_line, seed, threads, device, flags
// (an object name -> value string), facts (likewise), git_revision,
// libtorch_version, hostname, cpu_cores, start_time. seed is a number when it
// is at most 2^53 (exact in a double), else a decimal string.
Json ToJson(const RunManifest& manifest);

// The inverse of ToJson; errors name `context` (the file) and the key.
absl::StatusOr<RunManifest> RunManifestFromJson(const Json& j, const std::string& context);

// Reads and parses `path`.
absl::StatusOr<RunManifest> ReadManifest(const std::string& path);

// Fills the empty environment fields (see the file comment), makes paths
// workspace-relative and writes ToJson(manifest) to `path` atomically.
absl::Status WriteManifest(const std::string& path, RunManifest manifest);

// `git rev-parse HEAD` in `dir` (+ "-dirty" if the tree has changes), or
// "unknown" when `dir` is empty, not a git checkout, or git is missing.
std::string GitRevision(const std::string& dir);

// This process's command line (from /proc/self/cmdline), each argument
// shell-quoted where needed and made workspace-relative; a program under
// bazel-out/<config>/bin/ is named bazel-bin/<path>. "" when unavailable.
std::string CurrentCommandLine();

// `text` with every occurrence of the workspace root followed by '/' removed
// and the root alone replaced by "." (WorkspaceRoot(), lib/util/runtime.h;
// `root` overrides it, for tests). Unchanged when the root is unknown.
std::string WorkspaceRelative(const std::string& text, const std::string& root = "");

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_MANIFEST_H_

// The run manifest: a JSON file written at the start of every run, so that
// each result can be traced to the program, its flags, the seed, the code
// revision and the machine that produced it.
//
// Besides the fields of RunManifest, ManifestToJson records git_revision
// (`git rev-parse HEAD` of the workspace, "-dirty" appended when `git status
// --porcelain` lists changes, "unknown" when git or the repository is not
// available: git never makes it fail), libtorch_version (TORCH_VERSION of the
// headers compiled against), hostname, cpu_cores and start_time (ISO 8601
// UTC, e.g. "2024-05-01T12:00:00Z").
//
//   otgan::io::RunManifest m;
//   m.program = "replications/wgan_gp_mnist";
//   m.flags = otgan::io::AllFlagValues({"replications/"});  // lib/io/flag_values.h
//   m.seed = 1234;
//   m.threads = 2;
//   m.device = "cpu";
//   m.extra.Set("settings_source", "code");  // anything else worth recording
//   OTGAN_RETURN_IF_ERROR(otgan::io::WriteManifest(out_dir + "/manifest.json", m));
#ifndef OTGAN_LIB_IO_MANIFEST_H_
#define OTGAN_LIB_IO_MANIFEST_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lib/io/json.h"

namespace otgan::io {

struct RunManifest {
  std::string program;
  std::vector<std::pair<std::string, std::string>> flags;  // name, value
  uint64_t seed = 0;
  int threads = 0;
  std::string device;
  std::string command_line;
  // Optional run-specific facts (e.g. which of [paper]/[code] settings a run
  // used, data protocol); written under "extra" unless null.
  Json extra;
};

// Keys, in this order: program, command_line, seed, threads, device, flags
// (an object name -> value string), git_revision, libtorch_version, hostname,
// cpu_cores, start_time, then extra if set. seed is a number when it is at
// most 2^53 (exact in a double), else a decimal string.
Json ManifestToJson(const RunManifest& manifest);

// Writes ManifestToJson(manifest) to `path` atomically.
absl::Status WriteManifest(const std::string& path, const RunManifest& manifest);

// `git rev-parse HEAD` in `dir` (+ "-dirty" if the tree has changes), or
// "unknown" when `dir` is empty, not a git checkout, or git is missing.
std::string GitRevision(const std::string& dir);

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_MANIFEST_H_

// The committed results/ folder as data for figures and report tables.
//
// A run folder is any folder under the results root (depth 1 or 2, e.g.
// results/wgan_gp_toy or results/sinkhorn_gan_sweep/eps1_L50) that holds a
// manifest.json. ScanResults parses every run's manifest.json and, when they
// exist, metrics.csv and eval.json; a present but malformed file is an error
// that names it (a missing optional file is not). Folders without a manifest
// (results/bench) are skipped. A resumed run's manifest_resume.json (written
// by `--resume`, which may extend the run with a larger --steps) overrides
// the facts and flags of manifest.json key by key: the finished run's
// total_steps, not the first sitting's.
//
// The manifest and eval.json are read through their typed structs
// (lib/io/manifest.h, lib/eval/eval_report.h), so a renamed key is an error
// that names the file, never a silently missing number.
//
//   OTGAN_ASSIGN_OR_RETURN(std::vector<otgan::plot::Run> runs,
//                          otgan::plot::ScanResults("results"));
//   for (const auto& r : runs) std::cout << r.name << " " << r.Fact("eval_dataset") << "\n";
//   if (runs[0].eval && runs[0].eval->pixel_w1) std::cout << runs[0].eval->pixel_w1->w1_mean;
#ifndef OTGAN_LIB_PLOT_RESULTS_H_
#define OTGAN_LIB_PLOT_RESULTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/io/csv.h"
#include "lib/eval/eval_report.h"
#include "lib/io/json.h"
#include "lib/io/manifest.h"

namespace otgan::plot {

struct Run {
  std::string name;     // path relative to the results root, '/'-separated
  std::string dir;      // the folder itself
  std::string program;  // manifest.program (the replication target)
  io::RunManifest manifest;
  std::optional<io::CsvTable> metrics;  // metrics.csv
  std::optional<eval::EvalReport> eval; // eval.json
  // The command line of manifest_resume.json, when the run was resumed
  // (its facts and flags, but --resume, are merged into `manifest`).
  std::string resumed_command_line;

  // manifest.flags[key] / manifest.facts[key] ("" when absent).
  std::string Flag(const std::string& key) const { return manifest.Flag(key); }
  std::string Fact(const std::string& key) const { return manifest.Fact(key); }
  // <dir>/<file> when that file exists, else "".
  std::string File(const std::string& file) const;
  // The sweep this run belongs to ("sinkhorn_gan_sweep" for
  // "sinkhorn_gan_sweep/eps1_L50"), "" for a top-level run.
  std::string Group() const;
};

// Scans `root` (see the file comment). Runs are sorted by name. An absent
// root is a NotFound error.
absl::StatusOr<std::vector<Run>> ScanResults(const std::string& root);

// Reads a JSON-lines file (one object per non-blank line); errors name
// file:line.
absl::StatusOr<std::vector<io::Json>> ReadJsonLines(const std::string& path);

}  // namespace otgan::plot

#endif  // OTGAN_LIB_PLOT_RESULTS_H_

// The committed results/ folder as data for figures and report tables.
//
// A run folder is any folder under the results root (depth 1 or 2, e.g.
// results/wgan_gp_toy or results/sinkhorn_gan_sweep/eps1_L50) that holds a
// manifest.json. ScanResults parses every run's manifest.json and, when they
// exist, metrics.csv and eval.json; a present but malformed file is an error
// that names it (a missing optional file is not). Folders without a manifest
// (results/bench) are skipped.
//
//   OTGAN_ASSIGN_OR_RETURN(std::vector<otgan::plot::Run> runs,
//                          otgan::plot::ScanResults("results"));
//   for (const auto& r : runs) std::cout << r.name << " " << r.Flag("eval_dataset") << "\n";
//   const otgan::io::Json* w1 = otgan::plot::FindMember(*runs[0].eval, "w1_mean");
#ifndef OTGAN_LIB_PLOT_RESULTS_H_
#define OTGAN_LIB_PLOT_RESULTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/io/csv.h"
#include "lib/io/json.h"

namespace otgan::plot {

struct Run {
  std::string name;     // path relative to the results root, '/'-separated
  std::string dir;      // the folder itself
  std::string program;  // manifest "program" (the replication target)
  io::Json manifest;
  std::optional<io::CsvTable> metrics;  // metrics.csv
  std::optional<io::Json> eval;         // eval.json

  // manifest.flags[key] as a string ("" when absent).
  std::string Flag(const std::string& key) const;
  // <dir>/<file> when that file exists, else "".
  std::string File(const std::string& file) const;
  // The sweep this run belongs to ("sinkhorn_gan_sweep" for
  // "sinkhorn_gan_sweep/eps1_L50"), "" for a top-level run.
  std::string Group() const;
};

// Scans `root` (see the file comment). Runs are sorted by name. An absent
// root is a NotFound error.
absl::StatusOr<std::vector<Run>> ScanResults(const std::string& root);

// Depth-first search of objects (and arrays) for the first member named
// `key`; nullptr when there is none.
const io::Json* FindMember(const io::Json& j, const std::string& key);
// The object that directly holds the first member named `key`, or nullptr.
const io::Json* FindHolder(const io::Json& j, const std::string& key);
// The number FindMember finds, or nullopt when absent or not a number.
std::optional<double> FindNumber(const io::Json& j, const std::string& key);

// Reads a JSON-lines file (one object per non-blank line); errors name
// file:line.
absl::StatusOr<std::vector<io::Json>> ReadJsonLines(const std::string& path);

}  // namespace otgan::plot

#endif  // OTGAN_LIB_PLOT_RESULTS_H_

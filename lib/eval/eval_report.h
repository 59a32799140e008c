// eval.json as a typed struct: the one definition of its keys, shared by the
// writer (lib/eval/run_eval.cc) and every reader (lib/plot/results, the
// figures and report tables, tools). No program looks a key up by name.
//
// The numbers that programs read are typed members; the "protocol" objects
// of the classifier metrics, the toy modes and W2 are descriptive records
// (classifier checksum, counts, preprocessing, seeds) kept as JSON for
// people, written by run_eval and read by no program. The pixel W1 protocol
// is typed, since its counts decide whether a W1 is comparable with the
// published ones (laschos_protocol).
//
// Keys, in file order: run_dir, program, eval_dataset, kind ("images" |
// "toy"), samples, seed, data_dir (images), then for images
// classifier_metrics and pixel_w1 (null with pixel_w1_skipped when skipped),
// for toys toy_modes (null with toy_modes_skipped for the Swiss roll) and w2;
// then timing, command, evaluator_git_revision, evaluated_at.
//
//   OTGAN_ASSIGN_OR_RETURN(otgan::eval::EvalReport e,
//                          otgan::eval::ReadEvalReport("results/otgan_mnist/eval.json"));
//   if (e.pixel_w1 && e.pixel_w1->protocol.laschos_protocol) Use(e.pixel_w1->w1_mean);
//   OTGAN_RETURN_IF_ERROR(otgan::eval::WriteEvalReport("/tmp/eval.json", e));
#ifndef OTGAN_LIB_EVAL_EVAL_REPORT_H_
#define OTGAN_LIB_EVAL_EVAL_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/io/json.h"

namespace otgan::eval {

struct SamplesReport {
  std::string file;                  // "samples_eval.npy"
  std::vector<int64_t> shape_used;
  int64_t count_used = 0;
  std::optional<int64_t> max_samples;       // when the evaluation was capped
  std::optional<std::string> declared_range;  // images: "0,1" | "-1,1"
  double observed_min = 0;
  double observed_max = 0;
};

// LeNet feature-space metrics (lib/eval/image_metrics.h).
struct ClassifierMetricsReport {
  double fid_lenet = 0;
  double kid_mean = 0;
  double kid_std = 0;
  double is_mean = 0;
  double is_std = 0;
  double label_kl = 0;
  std::vector<double> label_histogram;
  double precision = 0;
  double recall = 0;
  io::Json protocol;  // descriptive record (see the file comment)
};

struct PixelW1Protocol {
  std::string method;
  std::string dataset;
  std::string split;
  int64_t num_real = 0;
  int64_t num_generated = 0;
  int64_t repeats = 0;
  std::string resize;
  std::string range;
  uint64_t seed = 0;
  std::string real;
  std::string real_floor_set;
  std::string generated_preprocessing;
  // Whether the Laschos protocol held (5000 real, blocks of 5000 generated).
  bool laschos_protocol = false;
  int64_t generated_available = 0;
  int64_t generated_used = 0;
  std::string note;
};

// The Laschos exact pixel W1 (lib/eval/pixel_w1.h).
struct PixelW1Report {
  double w1_mean = 0;
  double w1_std = 0;
  std::vector<double> w1_values;
  std::optional<double> w1_real_floor;
  PixelW1Protocol protocol;
};

// Toy mode coverage (lib/eval/toy_metrics.h) with the same metrics of fresh
// target samples beside it.
struct ToyModesReport {
  double high_quality_fraction = 0;
  int64_t modes_covered = 0;
  int64_t num_modes = 0;
  std::vector<int64_t> high_quality_per_mode;
  double target_high_quality_fraction = 0;
  int64_t target_modes_covered = 0;
  io::Json protocol;  // descriptive record
};

struct W2Report {
  double w2 = 0;
  double w2_target_floor = 0;
  io::Json protocol;  // descriptive record
};

struct TimingReport {
  std::optional<double> classifier_metrics_seconds;
  std::optional<double> pixel_w1_seconds;
  std::optional<double> toy_modes_seconds;
  std::optional<double> w2_seconds;
  double wall_seconds = 0;
  int threads = 0;
};

struct EvalReport {
  std::string run_dir;  // workspace-relative when under the workspace
  std::string program;
  std::string eval_dataset;  // mnist | fashion | 8gaussians | 25gaussians | swissroll | ring10
  std::string kind;          // "images" | "toy"
  SamplesReport samples;
  uint64_t seed = 0;
  std::optional<std::string> data_dir;  // images only
  // Images.
  std::optional<ClassifierMetricsReport> classifier_metrics;
  std::optional<PixelW1Report> pixel_w1;
  std::optional<std::string> pixel_w1_skipped;  // why pixel_w1 is null
  // Toys.
  std::optional<ToyModesReport> toy_modes;
  std::optional<std::string> toy_modes_skipped;  // why toy_modes is null
  std::optional<W2Report> w2;
  TimingReport timing;
  std::string command;  // reproduces this evaluation
  std::string evaluator_git_revision;
  std::string evaluated_at;  // ISO 8601 UTC

  bool is_images() const { return kind == "images"; }
};

io::Json ToJson(const EvalReport& report);
// The inverse of ToJson; errors name `context` (the file) and the key.
absl::StatusOr<EvalReport> EvalReportFromJson(const io::Json& j, const std::string& context);

absl::StatusOr<EvalReport> ReadEvalReport(const std::string& path);
// Writes ToJson(report) atomically.
absl::Status WriteEvalReport(const std::string& path, const EvalReport& report);

// nlohmann's conversions, so that `io::Json j = report;` and
// `j.get<EvalReport>()` work; from_json throws nlohmann::json::other_error
// with EvalReportFromJson's message on a malformed object.
void to_json(io::Json& j, const EvalReport& report);
void from_json(const io::Json& j, EvalReport& report);

// One line with the key numbers, e.g. "mnist, 40 samples: FID-LeNet 210.3,
// KID 0.41, IS 2.31, precision 0.12, recall 0.05, pixel W1 14.2 (real floor
// 11.9, 40 real, small-N) [3.1 s]".
std::string EvalSummary(const EvalReport& report);

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_EVAL_REPORT_H_

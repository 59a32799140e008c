// Over ~400 lines on purpose: EvaluateRunDir is one protocol (read the run's
// manifest and samples, pick images or points, score them, write eval.json
// atomically), and its branches (image classifier metrics, pixel W1 with the
// Laschos sets and floor, toy mode metrics, small-N paths) read the same
// inputs; each metric's maths lives in its own file (lenet, pixel_w1,
// mode_metrics, eval_report).
#include "lib/eval/run_eval.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/data/dataset.h"
#include "lib/data/toy.h"
#include "lib/eval/image_metrics.h"
#include "lib/eval/lenet.h"
#include "lib/eval/pixel_w1.h"
#include "lib/eval/toy_metrics.h"
#include "lib/io/json.h"
#include "lib/io/manifest.h"
#include "lib/io/npy.h"
#include "lib/util/runfiles.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

namespace otgan::eval {
namespace {
namespace fs = std::filesystem;

constexpr char kManifest[] = "manifest.json";
constexpr char kSamples[] = "samples_eval.npy";
constexpr char kEvalJson[] = "eval.json";
// At most this many generated (and as many real test) images go through the
// classifier metrics: the size of the test split.
constexpr int64_t kMaxClassifierSamples = 10000;
constexpr char kKnownDatasets[] =
    "mnist, fashion, 8gaussians, 25gaussians, swissroll, ring10, 8gaussians_otgan";

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<int64_t> Shape(const at::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

std::string ShapeString(const at::Tensor& t) {
  std::vector<int64_t> s(t.sizes().begin(), t.sizes().end());
  return absl::StrCat("[", absl::StrJoin(s, ","), "]");
}

// What the manifest's facts say about the samples.
struct RunInfo {
  std::string program;
  std::string eval_dataset;
  std::string sample_range;  // "" when absent
  std::string image_size;    // "" when absent
  std::string manifest_path;
};

absl::StatusOr<RunInfo> ReadRunInfo(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(
        path, ": missing; expected the run manifest that every replication writes at its start"));
  }
  OTGAN_ASSIGN_OR_RETURN(io::RunManifest m, io::ReadManifest(path));
  RunInfo info;
  info.manifest_path = path;
  info.program = m.program;
  info.eval_dataset = m.Fact("eval_dataset");
  if (info.eval_dataset.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": facts.eval_dataset: missing or empty (one of ", kKnownDatasets, ")"));
  }
  info.sample_range = m.Fact("sample_range");
  info.image_size = m.Fact("image_size");
  return info;
}

// How far image samples may lie outside their declared range (float rounding).
constexpr double kRangeTolerance = 1e-3;

absl::StatusOr<at::Tensor> ReadSamples(const std::string& path, int64_t max_samples) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(
        path, ": missing; expected the generated evaluation samples ([N,1,H,W] or [N,2])"));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor x, io::ReadNpy(path));
  if (x.dim() < 1 || x.size(0) < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected at least one sample, found shape ", ShapeString(x)));
  }
  if (x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": dtype ", c10::toString(x.scalar_type()),
                                                   ", expected float32 or float64 samples"));
  }
  x = x.to(at::kFloat);
  if (max_samples > 0 && x.size(0) > max_samples) x = x.slice(0, 0, max_samples).contiguous();
  if (!at::isfinite(x).all().item<bool>()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", (~at::isfinite(x)).sum().item<int64_t>(), " values are NaN or infinite"));
  }
  return x;
}

}  // namespace

absl::StatusOr<std::string> FindWeights(const std::string& weights_dir,
                                        const std::string& dataset) {
  const std::string file = absl::StrCat("lenet_", dataset, ".pt");
  std::vector<std::string> candidates;
  if (!weights_dir.empty()) {
    std::error_code ec;
    if (fs::is_regular_file(weights_dir, ec)) return weights_dir;
    candidates.push_back(weights_dir);
  } else {
    if (std::string r = FindRunfile("eval/weights/" + file); !r.empty()) return r;
    const std::string root = WorkspaceRoot();
    if (!root.empty()) candidates.push_back((fs::path(root) / "eval" / "weights").string());
    candidates.push_back("eval/weights");
  }
  std::error_code ec;
  for (const std::string& dir : candidates) {
    fs::path p = fs::path(dir) / file;
    if (fs::exists(p, ec)) return p.string();
  }
  return absl::NotFoundError(absl::StrCat("classifier weights ", file, " not found in ",
                                          absl::StrJoin(candidates, " or "),
                                          " (committed under eval/weights/)"));
}

namespace {

std::string DefaultCommand(const std::string& run_dir, const std::string& data_dir,
                           const RunEvalOptions& o) {
  std::string c = absl::StrCat("bazel run //eval:evaluate -- --run=", run_dir,
                               " --data_dir=", data_dir, " --seed=", o.seed);
  if (o.max_samples > 0) absl::StrAppend(&c, " --max_samples=", o.max_samples);
  if (!o.pixel_w1) absl::StrAppend(&c, " --no_pixel_w1");
  return c;
}

ClassifierMetricsReport ToReport(const ImageMetrics& m) {
  ClassifierMetricsReport c;
  c.fid_lenet = m.fid;
  c.kid_mean = m.kid.mean;
  c.kid_std = m.kid.std;
  c.is_mean = m.inception_score.mean;
  c.is_std = m.inception_score.std;
  c.label_kl = m.label_kl;
  c.label_histogram = m.label_histogram;
  c.precision = m.precision_recall.precision;
  c.recall = m.precision_recall.recall;
  c.protocol = m.protocol;
  return c;
}

PixelW1Report ToReport(const PixelW1Result& r) {
  PixelW1Report w;
  w.w1_mean = r.w1_mean;
  w.w1_std = r.w1_std;
  w.w1_values = r.w1_values;
  if (r.real_floor >= 0) w.w1_real_floor = r.real_floor;
  PixelW1Protocol& p = w.protocol;
  p.method = "exact W1 (optimal assignment), Euclidean ground cost, uniform weights";
  p.dataset = r.dataset;
  p.split = "train";
  p.num_real = r.num_real;
  p.num_generated = r.num_generated;
  p.repeats = r.repeats;
  p.resize = absl::StrCat(r.resize, "x", r.resize, " bilinear (align_corners=false)");
  p.range = "[-1,1]";
  p.seed = r.seed;
  p.real = r.real_description;
  p.real_floor_set = r.floor_description;
  p.generated_preprocessing = r.generated_preprocessing;
  return w;
}

ToyModesReport ToReport(const ToyModeResult& r, const ToyModeResult& target) {
  ToyModesReport t;
  t.high_quality_fraction = r.high_quality_fraction;
  t.modes_covered = r.modes_covered;
  t.num_modes = r.num_modes;
  t.high_quality_per_mode = r.high_quality_per_mode;
  t.protocol = io::Json::object();
  t.protocol["num_samples"] = r.num_samples;
  t.protocol["sigma"] = r.sigma;
  t.protocol["high_quality"] =
      absl::StrCat("Euclidean distance to the nearest centre <= ", r.sigma_multiple, " sigma");
  t.protocol["covered"] = absl::StrCat(">= ", r.coverage_fraction, " * n / K high-quality samples (",
                                       r.coverage_min_count, ")");
  t.target_high_quality_fraction = target.high_quality_fraction;
  t.target_modes_covered = target.modes_covered;
  return t;
}

// Image metrics: fills report.classifier_metrics and pixel_w1 (or
// pixel_w1_skipped) and their timings.
absl::Status EvaluateImages(const std::string& samples_path, const RunInfo& info,
                            data::DatasetName dataset, const at::Tensor& samples,
                            const std::string& data_dir, const RunEvalOptions& options,
                            EvalReport& report) {
  const std::string& manifest_path = info.manifest_path;
  PixelRange range;
  if (info.sample_range == "0,1") {
    range = PixelRange::kZeroOne;
  } else if (info.sample_range == "-1,1") {
    range = PixelRange::kMinusOneOne;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        manifest_path, ": facts.sample_range must be \"0,1\" or \"-1,1\" for image dataset ",
        info.eval_dataset, ", found \"", info.sample_range, "\""));
  }
  {
    // The samples must be what the manifest declares (a generator ending in
    // sigmoid / tanh is): values beyond the range by more than kRangeTolerance
    // mean samples stored on another scale (e.g. 0..255), refused, not scored.
    const double lo = range == PixelRange::kZeroOne ? 0.0 : -1.0, hi = 1.0;
    const double min = samples.min().item<double>(), max = samples.max().item<double>();
    if (min < lo - kRangeTolerance || max > hi + kRangeTolerance) {
      const bool low = min < lo - kRangeTolerance;
      return absl::InvalidArgumentError(absl::StrCat(
          samples_path, ": ", low ? "min " : "max ", low ? min : max, " is ",
          low ? "below" : "above", " the declared sample range [", info.sample_range,
          "] (facts.sample_range of ", manifest_path, "; tolerance ", kRangeTolerance, ")"));
    }
  }
  if (samples.dim() != 4 || samples.size(1) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(samples_path, ": expected grey images [N,1,H,W] for eval_dataset ",
                     info.eval_dataset, ", found shape ", ShapeString(samples)));
  }
  const int64_t n = samples.size(0);
  const int64_t h = samples.size(2);
  const int64_t w = samples.size(3);
  if (h != w || h < 8) {
    return absl::InvalidArgumentError(absl::StrCat(
        samples_path, ": expected square images of side >= 8, found ", h, "x", w));
  }
  if (!info.image_size.empty() && info.image_size != absl::StrCat(h)) {
    return absl::InvalidArgumentError(absl::StrCat(
        samples_path, ": images are ", h, "x", w, " but the manifest's facts.image_size is \"",
        info.image_size, "\""));
  }
  const int64_t min_n = 10;  // inception-score splits
  if (n < min_n) {
    return absl::InvalidArgumentError(absl::StrCat(
        samples_path, ": ", n, " images; the classifier metrics need at least ", min_n));
  }
  const std::string ds_name = data::DatasetNameString(dataset);
  OTGAN_ASSIGN_OR_RETURN(std::string weights, FindWeights(options.weights_dir, ds_name));
  OTGAN_ASSIGN_OR_RETURN(LoadedLeNet clf, LoadLeNet(weights));

  // Classifier metrics: the first n_cls generated images against as many real
  // test images (k-NN precision/recall depend on the two set sizes, so they
  // are kept equal; the k-NN step is quadratic, hence the cap).
  auto t0 = std::chrono::steady_clock::now();
  const bool full = n >= kLaschosNumReal;
  const int64_t n_cls = std::min(n, kMaxClassifierSamples);
  ImageMetricsOptions im;
  im.dataset = dataset;
  im.split = data::Split::kTest;
  im.data_dir = data_dir;
  im.num_real = n_cls;
  im.seed = options.seed;
  im.real_resize = h == kLeNetImageSize ? 0 : static_cast<int>(h);
  OTGAN_ASSIGN_OR_RETURN(ImageMetrics m, ImageMetricsAgainstDataset(
                                             clf, samples.slice(0, 0, n_cls), range, im));
  ClassifierMetricsReport cm = ToReport(m);
  cm.protocol["real_set"] = absl::StrCat("a seeded subset of ", n_cls,
                        " test images, as many as generated images are used",
                        n_cls < n ? absl::StrCat(" (the first ", n_cls, " of ", n, ")") : "",
                        n_cls < kLaschosNumReal
                            ? "; fewer than 5000: smoke-sized, not comparable with runs of "
                              "5000 or more (FID and KID are biased by the sample count)"
                            : "");
  cm.protocol["seed"] = options.seed;
  report.classifier_metrics = std::move(cm);
  report.timing.classifier_metrics_seconds = SecondsSince(t0);

  if (!options.pixel_w1) {
    report.pixel_w1_skipped = "--no_pixel_w1 (pixel_w1 = false)";
    return absl::OkStatus();
  }
  auto t1 = std::chrono::steady_clock::now();
  PixelW1Options pw;
  pw.dataset = dataset;
  pw.data_dir = data_dir;
  pw.num_real = full ? kLaschosNumReal : n;
  pw.seed = options.seed;
  pw.resize = 32;
  pw.real_floor = true;
  const int64_t used = full ? (n / kLaschosNumReal) * kLaschosNumReal : n;
  OTGAN_ASSIGN_OR_RETURN(PixelW1Result r,
                         LaschosPixelW1(samples.slice(0, 0, used), range, pw));
  PixelW1Report pw1 = ToReport(r);
  PixelW1Protocol& p = pw1.protocol;
  p.laschos_protocol = full;
  p.generated_available = n;
  p.generated_used = used;
  if (full) {
    p.note = absl::StrCat(
                         "Laschos et al. protocol: each block of 5000 generated vs 5000 real "
                         "training images",
                         used < n ? absl::StrCat("; the last ", n - used,
                                                 " samples (a partial block) are left out")
                                  : "");
  } else {
    p.note = absl::StrCat(
                         "NOT the Laschos 5000-image protocol: only ", n,
                         " generated samples, so W1 is ", n, " generated vs ", n,
                         " real training images and the floor ", n, " real vs ", n,
                         " other real; small-sample W1 is biased upwards, compare only with "
                         "the floor beside it");
  }
  report.pixel_w1 = std::move(pw1);
  report.timing.pixel_w1_seconds = SecondsSince(t1);
  return absl::OkStatus();
}

// Toy metrics: fills report.toy_modes (or toy_modes_skipped) and w2 and
// their timings.
absl::Status EvaluateToy(const std::string& samples_path, const RunInfo& info,
                         data::ToyKind kind, const at::Tensor& samples,
                         const RunEvalOptions& options, EvalReport& report) {
  if (samples.dim() != 2 || samples.size(1) != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(samples_path, ": expected 2-D points [N,2] for eval_dataset ",
                     info.eval_dataset, ", found shape ", ShapeString(samples)));
  }
  const int64_t n = samples.size(0);
  auto t0 = std::chrono::steady_clock::now();
  const data::ToyDistribution toy = data::ToyDistribution::Make(kind);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  const at::Tensor target = toy.Sample(n, gen);
  const at::Tensor target2 = toy.Sample(n, gen);

  if (toy.centers().size(0) > 0) {
    OTGAN_ASSIGN_OR_RETURN(ToyModeResult m,
                           CheckedToyModeMetrics(samples, toy.centers(), toy.sigma(), {}));
    OTGAN_ASSIGN_OR_RETURN(ToyModeResult ref,
                           CheckedToyModeMetrics(target, toy.centers(), toy.sigma(), {}));
    ToyModesReport modes = ToReport(m, ref);
    modes.protocol["target_reference"] = absl::StrCat(
        "the same metrics of ", n, " fresh target samples (seed ", options.seed, ")");
    report.toy_modes = std::move(modes);
  } else {
    report.toy_modes_skipped = absl::StrCat(toy.name(), " has no modes");
  }
  report.timing.toy_modes_seconds = SecondsSince(t0);

  auto t1 = std::chrono::steady_clock::now();
  OTGAN_ASSIGN_OR_RETURN(double w2, ExactW2(samples, target));
  OTGAN_ASSIGN_OR_RETURN(double floor, ExactW2(target2, target));
  W2Report w2_report;
  w2_report.w2 = w2;
  w2_report.w2_target_floor = floor;
  w2_report.protocol = io::Json::object();
  io::Json& wp = w2_report.protocol;
  wp["method"] =
      "exact W2: sqrt of the mean squared Euclidean cost of an optimal assignment, uniform weights";
  wp["num_generated"] = n;
  wp["num_target"] = n;
  wp["target"] = absl::StrCat(toy.name(), ", fresh samples from an at::CPUGeneratorImpl seeded with ",
                              options.seed);
  wp["floor"] =
      "the same W2 between a second fresh target sample (drawn next from that generator) and the first";
  wp["seed"] = options.seed;
  report.w2 = std::move(w2_report);
  report.timing.w2_seconds = SecondsSince(t1);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EvalReport> EvaluateRunDir(const std::string& run_dir,
                                          const RunEvalOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) {
    return absl::NotFoundError(absl::StrCat(run_dir, ": not a run folder (no such directory)"));
  }
  if (options.max_samples < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_samples=", options.max_samples, ": expected 0 (all samples) or a positive count"));
  }
  const std::string manifest_path = (fs::path(run_dir) / kManifest).string();
  const std::string samples_path = (fs::path(run_dir) / kSamples).string();
  OTGAN_ASSIGN_OR_RETURN(RunInfo info, ReadRunInfo(manifest_path));

  // Which kind of target before reading the samples, so an unknown name is
  // reported as the manifest's defect.
  absl::StatusOr<data::DatasetName> image_ds = data::ParseDatasetName(info.eval_dataset);
  absl::StatusOr<data::ToyKind> toy_kind = data::ParseToyKind(info.eval_dataset);
  if (!image_ds.ok() && !toy_kind.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(manifest_path, ": facts.eval_dataset \"",
                                                   info.eval_dataset, "\" is not one of ",
                                                   kKnownDatasets));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor samples, ReadSamples(samples_path, options.max_samples));
  std::string data_dir = options.data_dir.empty() ? DefaultDataDir() : options.data_dir;
  // Used as an absolute path; recorded workspace-relative (eval.json names no
  // directory of the machine that wrote it).
  if (fs::path abs = fs::absolute(data_dir, ec); !ec) data_dir = abs.lexically_normal().string();

  EvalReport report;
  report.run_dir = io::WorkspaceRelative(run_dir);
  report.program = info.program;
  report.eval_dataset = info.eval_dataset;
  report.kind = image_ds.ok() ? "images" : "toy";
  SamplesReport& s = report.samples;
  s.file = kSamples;
  s.shape_used = Shape(samples);
  s.count_used = samples.size(0);
  if (options.max_samples > 0) s.max_samples = options.max_samples;
  if (image_ds.ok()) s.declared_range = info.sample_range;
  s.observed_min = samples.min().item<double>();
  s.observed_max = samples.max().item<double>();
  report.seed = options.seed;
  if (image_ds.ok()) report.data_dir = io::WorkspaceRelative(data_dir);

  if (image_ds.ok()) {
    OTGAN_RETURN_IF_ERROR(
        EvaluateImages(samples_path, info, *image_ds, samples, data_dir, options, report));
  } else {
    OTGAN_RETURN_IF_ERROR(EvaluateToy(samples_path, info, *toy_kind, samples, options, report));
  }
  report.timing.wall_seconds = SecondsSince(start);
  report.timing.threads = at::get_num_threads();
  report.command = io::WorkspaceRelative(
      options.command.empty() ? DefaultCommand(run_dir, data_dir, options) : options.command);
  report.evaluator_git_revision = io::GitRevision(WorkspaceRoot());
  report.evaluated_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  if (report.classifier_metrics) {
    io::Json& classifier = report.classifier_metrics->protocol["classifier"];
    if (classifier.is_object() && classifier.contains("weights") && classifier["weights"].is_string()) {
      classifier["weights"] = io::WorkspaceRelative(classifier["weights"].get<std::string>());
    }
  }
  OTGAN_RETURN_IF_ERROR(WriteEvalReport((fs::path(run_dir) / kEvalJson).string(), report));
  return report;
}

}  // namespace otgan::eval

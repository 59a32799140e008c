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
#include "lib/io/manifest.h"
#include "lib/io/npy.h"
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

io::Json Shape(const at::Tensor& t) {
  io::Json a = io::Json::Array();
  for (int64_t s : t.sizes()) a.Push(s);
  return a;
}

std::string ShapeString(const at::Tensor& t) {
  std::vector<int64_t> s(t.sizes().begin(), t.sizes().end());
  return absl::StrCat("[", absl::StrJoin(s, ","), "]");
}

// What the manifest says about the samples.
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
  OTGAN_ASSIGN_OR_RETURN(io::Json m, io::ReadJsonFile(path));
  if (!m.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": expected a JSON object"));
  }
  const io::Json* flags = m.Get("flags");
  if (flags == nullptr || !flags->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected a \"flags\" object (name -> value string)"));
  }
  RunInfo info;
  info.manifest_path = path;
  if (const io::Json* p = m.Get("program"); p != nullptr && p->is_string()) {
    info.program = p->as_string();
  }
  absl::StatusOr<std::string> ds = flags->GetString("eval_dataset");
  if (!ds.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": flags.eval_dataset: ", ds.status().message(), " (one of ", kKnownDatasets, ")"));
  }
  info.eval_dataset = *ds;
  if (const io::Json* r = flags->Get("sample_range"); r != nullptr && r->is_string()) {
    info.sample_range = r->as_string();
  }
  if (const io::Json* s = flags->Get("image_size"); s != nullptr && s->is_string()) {
    info.image_size = s->as_string();
  }
  return info;
}

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
  x = x.to(at::kFloat);
  if (max_samples > 0 && x.size(0) > max_samples) x = x.slice(0, 0, max_samples).contiguous();
  if (!at::isfinite(x).all().item<bool>()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", (~at::isfinite(x)).sum().item<int64_t>(), " values are NaN or infinite"));
  }
  return x;
}

// Where lenet_<dataset>.pt lives.
absl::StatusOr<std::string> FindWeights(const std::string& weights_dir,
                                        const std::string& dataset) {
  const std::string file = absl::StrCat("lenet_", dataset, ".pt");
  std::vector<std::string> candidates;
  if (!weights_dir.empty()) {
    candidates.push_back(weights_dir);
  } else {
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

std::string DefaultCommand(const std::string& run_dir, const std::string& data_dir,
                           const RunEvalOptions& o) {
  std::string c = absl::StrCat("bazel run //eval:evaluate -- --run=", run_dir,
                               " --data_dir=", data_dir, " --seed=", o.seed);
  if (o.max_samples > 0) absl::StrAppend(&c, " --max_samples=", o.max_samples);
  if (!o.pixel_w1) absl::StrAppend(&c, " --no_pixel_w1");
  return c;
}

// Image metrics; fills `out` with "classifier_metrics" and "pixel_w1".
absl::Status EvaluateImages(const std::string& samples_path, const RunInfo& info,
                            data::DatasetName dataset, const at::Tensor& samples,
                            const std::string& data_dir, const RunEvalOptions& options,
                            io::Json& out, io::Json& timing) {
  const std::string& manifest_path = info.manifest_path;
  PixelRange range;
  if (info.sample_range == "0,1") {
    range = PixelRange::kZeroOne;
  } else if (info.sample_range == "-1,1") {
    range = PixelRange::kMinusOneOne;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        manifest_path, ": flags.sample_range must be \"0,1\" or \"-1,1\" for image dataset ",
        info.eval_dataset, ", found \"", info.sample_range, "\""));
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
        samples_path, ": images are ", h, "x", w, " but the manifest's flags.image_size is \"",
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
  io::Json cm = m.ToJson();
  if (io::Json* p = cm.GetMutable("protocol"); p != nullptr) {
    p->Set("real_set",
           absl::StrCat("a seeded subset of ", n_cls,
                        " test images, as many as generated images are used",
                        n_cls < n ? absl::StrCat(" (the first ", n_cls, " of ", n, ")") : "",
                        n_cls < kLaschosNumReal
                            ? "; fewer than 5000: smoke-sized, not comparable with runs of "
                              "5000 or more (FID and KID are biased by the sample count)"
                            : ""));
    p->Set("seed", options.seed);
  }
  out.Set("classifier_metrics", std::move(cm));
  timing.Set("classifier_metrics_seconds", SecondsSince(t0));

  if (!options.pixel_w1) {
    out.Set("pixel_w1", io::Json());
    out.Set("pixel_w1_skipped", "--no_pixel_w1 (pixel_w1 = false)");
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
  io::Json pj = ToJson(r);
  if (io::Json* p = pj.GetMutable("protocol"); p != nullptr) {
    p->Set("laschos_protocol", full);
    p->Set("generated_available", n);
    p->Set("generated_used", used);
    if (full) {
      p->Set("note", absl::StrCat(
                         "Laschos et al. protocol: each block of 5000 generated vs 5000 real "
                         "training images",
                         used < n ? absl::StrCat("; the last ", n - used,
                                                 " samples (a partial block) are left out")
                                  : ""));
    } else {
      p->Set("note", absl::StrCat(
                         "NOT the Laschos 5000-image protocol: only ", n,
                         " generated samples, so W1 is ", n, " generated vs ", n,
                         " real training images and the floor ", n, " real vs ", n,
                         " other real; small-sample W1 is biased upwards, compare only with "
                         "the floor beside it"));
    }
  }
  out.Set("pixel_w1", std::move(pj));
  timing.Set("pixel_w1_seconds", SecondsSince(t1));
  return absl::OkStatus();
}

// Toy metrics; fills `out` with "toy_modes" and "w2".
absl::Status EvaluateToy(const std::string& samples_path, const RunInfo& info,
                         data::ToyKind kind, const at::Tensor& samples,
                         const RunEvalOptions& options, io::Json& out, io::Json& timing) {
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
    io::Json mj = ToJson(m);
    mj.Set("target_high_quality_fraction", ref.high_quality_fraction);
    mj.Set("target_modes_covered", ref.modes_covered);
    if (io::Json* p = mj.GetMutable("protocol"); p != nullptr) {
      p->Set("target_reference",
             absl::StrCat("the same metrics of ", n, " fresh target samples (seed ",
                          options.seed, ")"));
    }
    out.Set("toy_modes", std::move(mj));
  } else {
    out.Set("toy_modes", io::Json());
    out.Set("toy_modes_skipped", absl::StrCat(toy.name(), " has no modes"));
  }
  timing.Set("toy_modes_seconds", SecondsSince(t0));

  auto t1 = std::chrono::steady_clock::now();
  OTGAN_ASSIGN_OR_RETURN(double w2, ExactW2(samples, target));
  OTGAN_ASSIGN_OR_RETURN(double floor, ExactW2(target2, target));
  out.Set("w2", io::Json::Object()
                    .Set("w2", w2)
                    .Set("w2_target_floor", floor)
                    .Set("protocol",
                         io::Json::Object()
                             .Set("method",
                                  "exact W2: sqrt of the mean squared Euclidean cost of an "
                                  "optimal assignment, uniform weights")
                             .Set("num_generated", n)
                             .Set("num_target", n)
                             .Set("target", absl::StrCat(toy.name(), ", fresh samples from an "
                                                         "at::CPUGeneratorImpl seeded with ",
                                                         options.seed))
                             .Set("floor", "the same W2 between a second fresh target sample "
                                           "(drawn next from that generator) and the first")
                             .Set("seed", options.seed)));
  timing.Set("w2_seconds", SecondsSince(t1));
  return absl::OkStatus();
}

double NumberAt(const io::Json& j, std::initializer_list<const char*> path, bool* ok) {
  const io::Json* cur = &j;
  for (const char* k : path) {
    cur = cur->Get(k);
    if (cur == nullptr) {
      *ok = false;
      return 0;
    }
  }
  if (!cur->is_number()) {
    *ok = false;
    return 0;
  }
  *ok = true;
  return cur->as_number();
}

}  // namespace

absl::StatusOr<io::Json> EvaluateRunDir(const std::string& run_dir,
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
    return absl::InvalidArgumentError(absl::StrCat(manifest_path, ": flags.eval_dataset \"",
                                                   info.eval_dataset, "\" is not one of ",
                                                   kKnownDatasets));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor samples, ReadSamples(samples_path, options.max_samples));
  std::string data_dir = options.data_dir.empty() ? DefaultDataDir() : options.data_dir;
  // Recorded (and used) as an absolute path, so the command in eval.json works anywhere.
  if (fs::path abs = fs::absolute(data_dir, ec); !ec) data_dir = abs.lexically_normal().string();

  io::Json j = io::Json::Object();
  j.Set("run_dir", run_dir);
  j.Set("program", info.program);
  j.Set("eval_dataset", info.eval_dataset);
  j.Set("kind", image_ds.ok() ? "images" : "toy");
  io::Json s = io::Json::Object();
  s.Set("file", kSamples);
  s.Set("shape_used", Shape(samples));
  s.Set("count_used", samples.size(0));
  if (options.max_samples > 0) s.Set("max_samples", options.max_samples);
  if (image_ds.ok()) s.Set("declared_range", info.sample_range);
  s.Set("observed_min", samples.min().item<double>());
  s.Set("observed_max", samples.max().item<double>());
  j.Set("samples", std::move(s));
  j.Set("seed", options.seed);
  if (image_ds.ok()) j.Set("data_dir", data_dir);

  io::Json metrics = io::Json::Object();
  io::Json timing = io::Json::Object();
  if (image_ds.ok()) {
    OTGAN_RETURN_IF_ERROR(EvaluateImages(samples_path, info, *image_ds, samples, data_dir,
                                         options, metrics, timing));
  } else {
    OTGAN_RETURN_IF_ERROR(
        EvaluateToy(samples_path, info, *toy_kind, samples, options, metrics, timing));
  }
  for (size_t i = 0; i < metrics.keys().size(); ++i) j.Set(metrics.keys()[i], metrics.items()[i]);

  timing.Set("wall_seconds", SecondsSince(start));
  timing.Set("threads", at::get_num_threads());
  j.Set("timing", std::move(timing));
  j.Set("command",
        options.command.empty() ? DefaultCommand(run_dir, data_dir, options) : options.command);
  j.Set("evaluator_git_revision", io::GitRevision(WorkspaceRoot()));
  j.Set("evaluated_at",
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()));
  OTGAN_RETURN_IF_ERROR(io::WriteJsonFile((fs::path(run_dir) / kEvalJson).string(), j));
  return j;
}

std::string EvalSummary(const io::Json& e) {
  std::vector<std::string> parts;
  bool ok = false;
  auto fmt = [](double v) { return absl::StrFormat("%.4g", v); };
  const double n = NumberAt(e, {"samples", "count_used"}, &ok);
  std::string head = absl::StrCat(e.Get("eval_dataset") && e.Get("eval_dataset")->is_string()
                                      ? e.Get("eval_dataset")->as_string()
                                      : "?",
                                  ", ", ok ? absl::StrCat(static_cast<int64_t>(n)) : "?",
                                  " samples");
  double v = NumberAt(e, {"classifier_metrics", "fid_lenet"}, &ok);
  if (ok) parts.push_back("FID-LeNet " + fmt(v));
  v = NumberAt(e, {"classifier_metrics", "kid_mean"}, &ok);
  if (ok) parts.push_back("KID " + fmt(v));
  v = NumberAt(e, {"classifier_metrics", "is_mean"}, &ok);
  if (ok) parts.push_back("IS " + fmt(v));
  v = NumberAt(e, {"classifier_metrics", "precision"}, &ok);
  if (ok) parts.push_back("precision " + fmt(v));
  v = NumberAt(e, {"classifier_metrics", "recall"}, &ok);
  if (ok) parts.push_back("recall " + fmt(v));
  v = NumberAt(e, {"pixel_w1", "w1_mean"}, &ok);
  if (ok) {
    bool fok = false, rok = false;
    const double floor = NumberAt(e, {"pixel_w1", "w1_real_floor"}, &fok);
    const double nr = NumberAt(e, {"pixel_w1", "protocol", "num_real"}, &rok);
    const io::Json* lp = e.Get("pixel_w1")->Get("protocol");
    const bool laschos = lp && lp->Get("laschos_protocol") && lp->Get("laschos_protocol")->as_bool();
    parts.push_back(absl::StrCat("pixel W1 ", fmt(v), " (real floor ", fok ? fmt(floor) : "?",
                                 ", ", rok ? absl::StrCat(static_cast<int64_t>(nr)) : "?",
                                 " real", laschos ? ", Laschos protocol" : ", small-N", ")"));
  }
  v = NumberAt(e, {"toy_modes", "high_quality_fraction"}, &ok);
  if (ok) parts.push_back("high quality " + fmt(v));
  v = NumberAt(e, {"toy_modes", "modes_covered"}, &ok);
  if (ok) {
    bool kok = false;
    const double k = NumberAt(e, {"toy_modes", "num_modes"}, &kok);
    parts.push_back(absl::StrCat("modes ", static_cast<int64_t>(v), "/",
                                 kok ? absl::StrCat(static_cast<int64_t>(k)) : "?"));
  }
  v = NumberAt(e, {"w2", "w2"}, &ok);
  if (ok) {
    bool fok = false;
    const double floor = NumberAt(e, {"w2", "w2_target_floor"}, &fok);
    parts.push_back(absl::StrCat("W2 ", fmt(v), " (target floor ", fok ? fmt(floor) : "?", ")"));
  }
  v = NumberAt(e, {"timing", "wall_seconds"}, &ok);
  std::string tail = ok ? absl::StrFormat(" [%.1f s]", v) : "";
  return absl::StrCat(head, ": ", absl::StrJoin(parts, ", "), tail);
}

}  // namespace otgan::eval

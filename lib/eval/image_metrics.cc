#include "lib/eval/image_metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/eval/frechet.h"
#include "lib/util/status.h"

namespace otgan::eval {
namespace {

io::Json Shape(const at::Tensor& t) {
  io::Json a = io::Json::Array();
  for (int64_t s : t.sizes()) a.Push(s);
  return a;
}

io::Json Doubles(const std::vector<double>& v) {
  io::Json a = io::Json::Array();
  for (double x : v) a.Push(x);
  return a;
}

// The ToClassifierInput statement for a batch of this shape.
std::string Preprocessing(const at::Tensor& t, PixelRange range) {
  if (t.dim() == 2) return ClassifierInputProtocol(range, 28, 28) + " (from [N,784])";
  return ClassifierInputProtocol(range, t.size(-2), t.size(-1));
}

}  // namespace

io::Json ImageMetrics::ToJson() const {
  io::Json j = io::Json::Object();
  j.Set("fid_lenet", fid)
      .Set("kid_mean", kid.mean)
      .Set("kid_std", kid.std)
      .Set("is_mean", inception_score.mean)
      .Set("is_std", inception_score.std)
      .Set("label_kl", label_kl)
      .Set("label_histogram", Doubles(label_histogram))
      .Set("precision", precision_recall.precision)
      .Set("recall", precision_recall.recall)
      .Set("protocol", protocol);
  return j;
}

absl::StatusOr<ImageMetrics> ComputeImageMetrics(LoadedLeNet& classifier,
                                                 const at::Tensor& generated,
                                                 PixelRange gen_range, const at::Tensor& real,
                                                 PixelRange real_range,
                                                 const std::string& real_description,
                                                 const ImageMetricsOptions& options) {
  if (classifier.net.is_empty()) {
    return absl::InvalidArgumentError("image metrics: no classifier loaded");
  }
  const int64_t min_n = std::max<int64_t>({2, options.is_splits, options.pr_k + 1});
  if (!generated.defined() || !real.defined() || generated.dim() < 2 || real.dim() < 2 ||
      generated.size(0) < min_n || real.size(0) < min_n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image metrics: need at least ", min_n, " generated and real images, found ",
        generated.defined() ? generated.size(0) : 0, " and ", real.defined() ? real.size(0) : 0));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor gx, ToClassifierInput(generated, gen_range));
  OTGAN_ASSIGN_OR_RETURN(at::Tensor rx, ToClassifierInput(real, real_range));
  OTGAN_ASSIGN_OR_RETURN(ClassifierOutputs g,
                         EvaluateClassifier(classifier.net, gx, options.batch_size));
  OTGAN_ASSIGN_OR_RETURN(ClassifierOutputs r,
                         EvaluateClassifier(classifier.net, rx, options.batch_size));

  ImageMetrics m;
  OTGAN_ASSIGN_OR_RETURN(m.fid, CheckedFrechetDistance(g.features, r.features));
  KidOptions kid;
  kid.num_subsets = options.kid_subsets;
  kid.subset_size = options.kid_subset_size;
  kid.seed = options.seed;
  OTGAN_ASSIGN_OR_RETURN(m.kid, CheckedKernelInceptionDistance(g.features, r.features, kid));
  OTGAN_ASSIGN_OR_RETURN(m.inception_score,
                         CheckedInceptionScore(g.probabilities, options.is_splits));
  OTGAN_ASSIGN_OR_RETURN(m.precision_recall,
                         CheckedKnnPrecisionRecall(r.features, g.features, options.pr_k));
  OTGAN_RETURN_IF_ERROR(TorchCall("label histogram", [&] {
    m.label_histogram = PredictedLabelHistogram(g.probabilities);
    m.label_kl = LabelHistogramKl(g.probabilities);
  }));

  const LeNetOptions& arch = classifier.net->options();
  io::Json p = io::Json::Object();
  p.Set("classifier",
        io::Json::Object()
            .Set("weights", classifier.path)
            .Set("sha256", classifier.sha256)
            .Set("architecture",
                 absl::StrCat("LeNet conv5x5 ", arch.conv1_channels, " pool conv5x5 ",
                              arch.conv2_channels, " pool fc ", arch.feature_dim, " fc ",
                              arch.num_classes))
            .Set("feature_dim", arch.feature_dim)
            .Set("features", "penultimate layer after ReLU"));
  p.Set("generated", io::Json::Object()
                         .Set("count", generated.size(0))
                         .Set("shape", Shape(generated))
                         .Set("range", PixelRangeName(gen_range))
                         .Set("preprocessing", Preprocessing(generated, gen_range)));
  p.Set("real", io::Json::Object()
                    .Set("count", real.size(0))
                    .Set("shape", Shape(real))
                    .Set("range", PixelRangeName(real_range))
                    .Set("source", real_description)
                    .Set("preprocessing", Preprocessing(real, real_range)));
  p.Set("fid", "Gaussian fits, unbiased covariances, float64, sqrtm by eigh with eigenvalues "
               "clamped at 0");
  p.Set("kid", io::Json::Object()
                   .Set("kernel", "(x.y/d + 1)^3")
                   .Set("estimator", "unbiased MMD^2")
                   .Set("subsets", m.kid.num_subsets)
                   .Set("subset_size", m.kid.subset_size)
                   .Set("seed", options.seed));
  p.Set("inception_score", io::Json::Object()
                               .Set("splits", m.inception_score.splits)
                               .Set("samples_per_split", m.inception_score.samples_per_split));
  p.Set("label_kl", "KL(predicted-label histogram || uniform), nats");
  p.Set("precision_recall", io::Json::Object().Set("k", options.pr_k).Set(
                                "method", "Kynkaanniemi et al. 2019 k-NN balls, Euclidean"));
  m.protocol = std::move(p);
  return m;
}

absl::StatusOr<ImageMetrics> ImageMetricsAgainstDataset(LoadedLeNet& classifier,
                                                        const at::Tensor& generated,
                                                        PixelRange gen_range,
                                                        const ImageMetricsOptions& options) {
  data::ImageDatasetOptions d;
  d.dataset = options.dataset;
  d.split = options.split;
  d.data_dir = options.data_dir;
  d.range = data::ValueRange::kZeroOne;
  d.resize = options.real_resize;
  d.subset_size = options.num_real;
  d.subset_seed = options.seed;
  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset real, data::LoadImageDataset(d));
  return ComputeImageMetrics(classifier, generated, gen_range, real.images, PixelRange::kZeroOne,
                             real.description, options);
}

io::Json ToJson(const PixelW1Result& r) {
  io::Json j = io::Json::Object();
  j.Set("w1_mean", r.w1_mean)
      .Set("w1_std", r.w1_std)
      .Set("w1_values", Doubles(r.w1_values));
  if (r.real_floor >= 0) j.Set("w1_real_floor", r.real_floor);
  j.Set("protocol",
        io::Json::Object()
            .Set("method", "exact W1 (optimal assignment), Euclidean ground cost, uniform weights")
            .Set("dataset", r.dataset)
            .Set("split", "train")
            .Set("num_real", r.num_real)
            .Set("num_generated", r.num_generated)
            .Set("repeats", r.repeats)
            .Set("resize", absl::StrCat(r.resize, "x", r.resize, " bilinear (align_corners=false)"))
            .Set("range", "[-1,1]")
            .Set("seed", r.seed)
            .Set("real", r.real_description)
            .Set("real_floor_set", r.floor_description)
            .Set("generated_preprocessing", r.generated_preprocessing));
  return j;
}

io::Json ToJson(const ToyModeResult& r) {
  io::Json per_mode = io::Json::Array();
  for (int64_t c : r.high_quality_per_mode) per_mode.Push(c);
  io::Json j = io::Json::Object();
  j.Set("high_quality_fraction", r.high_quality_fraction)
      .Set("modes_covered", r.modes_covered)
      .Set("num_modes", r.num_modes)
      .Set("high_quality_per_mode", per_mode)
      .Set("protocol",
           io::Json::Object()
               .Set("num_samples", r.num_samples)
               .Set("sigma", r.sigma)
               .Set("high_quality", absl::StrCat("Euclidean distance to the nearest centre <= ",
                                                 r.sigma_multiple, " sigma"))
               .Set("covered", absl::StrCat(">= ", r.coverage_fraction,
                                            " * n / K high-quality samples (",
                                            r.coverage_min_count, ")")));
  return j;
}

}  // namespace otgan::eval

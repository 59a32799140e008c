#include "lib/eval/image_metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/eval/frechet.h"
#include "lib/util/status.h"

namespace otgan::eval {
namespace {

std::vector<int64_t> Shape(const at::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

// The ToClassifierInput statement for a batch of this shape.
std::string Preprocessing(const at::Tensor& t, PixelRange range) {
  if (t.dim() == 2) return ClassifierInputProtocol(range, 28, 28) + " (from [N,784])";
  return ClassifierInputProtocol(range, t.size(-2), t.size(-1));
}

}  // namespace

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
  using io::Json;
  Json p = Json::object();
  p["classifier"] = {
      {"weights", classifier.path},
      {"sha256", classifier.sha256},
      {"architecture", absl::StrCat("LeNet conv5x5 ", arch.conv1_channels, " pool conv5x5 ",
                                    arch.conv2_channels, " pool fc ", arch.feature_dim, " fc ",
                                    arch.num_classes)},
      {"feature_dim", arch.feature_dim},
      {"features", "penultimate layer after ReLU"}};
  p["generated"] = {{"count", generated.size(0)},
                    {"shape", Shape(generated)},
                    {"range", PixelRangeName(gen_range)},
                    {"preprocessing", Preprocessing(generated, gen_range)}};
  p["real"] = {{"count", real.size(0)},
               {"shape", Shape(real)},
               {"range", PixelRangeName(real_range)},
               {"source", real_description},
               {"preprocessing", Preprocessing(real, real_range)}};
  p["fid"] =
      "Gaussian fits, unbiased covariances, float64, sqrtm by eigh with eigenvalues clamped at 0";
  p["kid"] = {{"kernel", "(x.y/d + 1)^3"},
              {"estimator", "unbiased MMD^2"},
              {"subsets", m.kid.num_subsets},
              {"subset_size", m.kid.subset_size},
              {"seed", options.seed}};
  p["inception_score"] = {{"splits", m.inception_score.splits},
                          {"samples_per_split", m.inception_score.samples_per_split}};
  p["label_kl"] = "KL(predicted-label histogram || uniform), nats";
  p["precision_recall"] = {{"k", options.pr_k},
                           {"method", "Kynkaanniemi et al. 2019 k-NN balls, Euclidean"}};
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

}  // namespace otgan::eval

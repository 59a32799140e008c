#include "lib/eval/eval_curve.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/eval/image_metrics.h"
#include "lib/eval/pixel_w1.h"
#include "lib/eval/run_eval.h"
#include "lib/util/status.h"

namespace otgan::eval {

absl::StatusOr<std::unique_ptr<EvalCurve>> EvalCurve::Create(const EvalCurveOptions& options) {
  if (options.num_samples < 10) {
    return absl::InvalidArgumentError(absl::StrCat(
        "evaluation curve: num_samples=", options.num_samples, " must be at least 10"));
  }
  if (options.image_size != 28 && options.image_size != 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "evaluation curve: image_size=", options.image_size, " must be 28 or 32"));
  }
  std::unique_ptr<EvalCurve> c(new EvalCurve());
  c->options_ = options;
  const std::string ds = data::DatasetNameString(options.dataset);
  OTGAN_ASSIGN_OR_RETURN(std::string weights, FindWeights(options.weights_dir, ds));
  OTGAN_ASSIGN_OR_RETURN(c->classifier_, LoadLeNet(weights));

  data::ImageDatasetOptions test;
  test.dataset = options.dataset;
  test.split = data::Split::kTest;
  test.data_dir = options.data_dir;
  test.range = data::ValueRange::kZeroOne;
  test.resize = options.image_size == 28 ? 0 : options.image_size;
  test.subset_size = options.num_samples;
  test.subset_seed = options.seed;
  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset t, data::LoadImageDataset(test));
  c->real_test_ = t.images;
  c->real_test_description_ = t.description;

  data::ImageDatasetOptions train;
  train.dataset = options.dataset;
  train.split = data::Split::kTrain;
  train.data_dir = options.data_dir;
  train.range = data::ValueRange::kMinusOneOne;
  train.resize = 32;
  train.subset_size = options.num_samples;
  train.subset_seed = options.seed;
  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset r, data::LoadImageDataset(train));
  c->real_pixels_ = r.images;
  train.subset_offset = options.num_samples;
  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset second, data::LoadImageDataset(train));
  OTGAN_ASSIGN_OR_RETURN(std::vector<double> floor, BlockwiseExactW1(second.images, r.images));
  c->floor_ = floor[0];
  return c;
}

std::vector<std::string> EvalCurve::MetricNames() {
  return {"is", "fid_lenet", "kid", "precision", "recall", "pixel_w1", "pixel_w1_floor"};
}

absl::StatusOr<std::map<std::string, double>> EvalCurve::Evaluate(const at::Tensor& generated,
                                                                  PixelRange range) {
  const int64_t n = options_.num_samples;
  if (!generated.defined() || generated.dim() != 4 || generated.size(0) != n ||
      generated.size(2) != options_.image_size || generated.size(3) != options_.image_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "evaluation curve: expected ", n, " images [", n, ",1,", options_.image_size, ",",
        options_.image_size, "], found ",
        generated.defined() ? c10::str(generated.sizes()) : std::string("none")));
  }
  at::Tensor x = generated.detach().to(at::kCPU, at::kFloat).contiguous();
  if (!at::isfinite(x).all().item<bool>()) {
    return absl::InvalidArgumentError("evaluation curve: the generated images hold NaN or inf");
  }
  ImageMetricsOptions im;
  im.dataset = options_.dataset;
  im.split = data::Split::kTest;
  im.num_real = n;
  im.seed = options_.seed;
  im.kid_subset_size = std::min<int64_t>(1000, n);
  im.is_splits = 1;  // IS over the whole set: ten splits of 100 would bias it low
  OTGAN_ASSIGN_OR_RETURN(ImageMetrics m,
                         ComputeImageMetrics(classifier_, x, range, real_test_,
                                             PixelRange::kZeroOne, real_test_description_, im));
  OTGAN_ASSIGN_OR_RETURN(at::Tensor pixels, ToLaschosPixels(x, range, 32));
  OTGAN_ASSIGN_OR_RETURN(std::vector<double> w1, BlockwiseExactW1(pixels, real_pixels_));
  return std::map<std::string, double>{
      {"is", m.inception_score.mean},  {"fid_lenet", m.fid},
      {"kid", m.kid.mean},             {"precision", m.precision_recall.precision},
      {"recall", m.precision_recall.recall}, {"pixel_w1", w1[0]},
      {"pixel_w1_floor", floor_}};
}

std::string EvalCurve::Description() const {
  const int64_t n = options_.num_samples;
  return absl::StrCat(
      n, " generated images from fixed latents per point; LeNet metrics (IS, FID-LeNet, KID, "
      "precision/recall k=3) against ", real_test_description_, " (classifier sha256 ",
      classifier_.sha256.substr(0, 12), "); exact pixel W1 against ", n,
      " training images (32x32, [-1,1], seed ", options_.seed, "), floor = W1 between two "
      "disjoint real sets of ", n, "; biased upwards against eval.json's 5000/10000-sample numbers");
}

}  // namespace otgan::eval

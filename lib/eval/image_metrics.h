// All LeNet feature-space metrics of one set of generated images against real
// images, with the protocol that makes the numbers comparable: FID-LeNet, KID,
// classifier inception score, label-histogram KL and k-NN precision/recall
// (lib/eval/{frechet,kid,classifier_scores,precision_recall}.h). eval.json
// holds them as ClassifierMetricsReport (lib/eval/eval_report.h).
//
// Both image sets go through ToClassifierInput (lib/eval/lenet.h) and one
// pass of the classifier; IS and the label KL use only the generated set;
// FID, KID and precision/recall compare generated with real features.
// Results are only comparable when the classifier checksum, the real set and
// the sample counts in "protocol" agree.
//
//   OTGAN_ASSIGN_OR_RETURN(otgan::eval::LoadedLeNet clf,
//                          otgan::eval::LoadLeNet("eval/weights/lenet_mnist.pt"));
//   otgan::eval::ImageMetricsOptions opt;                // test split, 10k real
//   OTGAN_ASSIGN_OR_RETURN(otgan::eval::ImageMetrics m,
//       otgan::eval::ImageMetricsAgainstDataset(clf, samples, PixelRange::kZeroOne, opt));
//   std::cout << m.fid << " " << m.protocol.dump(2) << "\n";
#ifndef OTGAN_LIB_EVAL_IMAGE_METRICS_H_
#define OTGAN_LIB_EVAL_IMAGE_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "lib/data/dataset.h"
#include "lib/eval/classifier_scores.h"
#include "lib/eval/kid.h"
#include "lib/eval/lenet.h"
#include "lib/eval/pixel_w1.h"
#include "lib/eval/precision_recall.h"
#include "lib/eval/toy_metrics.h"
#include "lib/io/json.h"

namespace otgan::eval {

struct ImageMetricsOptions {
  // The real reference set for ImageMetricsAgainstDataset.
  data::DatasetName dataset = data::DatasetName::kMnist;
  data::Split split = data::Split::kTest;
  std::string data_dir;       // empty = <workspace>/data
  int64_t num_real = 0;       // 0 = the whole split, else a seeded subset
  uint64_t seed = 0;          // real subset seed and KID subset seed
  // Side length the real images are loaded at (0 = 28). Set it to the
  // generated images' size (32 for the Laschos-style generators) so that both
  // sets pass through the same resize to 28x28: the 28 -> 32 -> 28 bilinear
  // round trip alone moves FID-LeNet between two sets of 1000 real test
  // digits from 7.7 (both at the same size) to 45 (measured).
  int real_resize = 0;
  // Metric parameters.
  int64_t kid_subsets = 10;
  int64_t kid_subset_size = 1000;
  int64_t is_splits = 10;
  int64_t pr_k = 3;
  int64_t batch_size = 64;  // classifier batch (larger batches are slower on this CPU)
};

struct ImageMetrics {
  double fid = 0;
  KidResult kid;
  InceptionScoreResult inception_score;
  double label_kl = 0;
  std::vector<double> label_histogram;
  PrecisionRecall precision_recall;
  // What makes the numbers comparable: counts, split, preprocessing, ranges,
  // classifier checksum, seeds (a descriptive record for eval.json).
  io::Json protocol;
};

// Metrics of `generated` (in gen_range) against `real` (in real_range).
// `real_description` says where the real images come from (for the protocol).
// Needs at least max(2, is_splits, pr_k + 1) images on each side.
absl::StatusOr<ImageMetrics> ComputeImageMetrics(LoadedLeNet& classifier,
                                                 const at::Tensor& generated,
                                                 PixelRange gen_range, const at::Tensor& real,
                                                 PixelRange real_range,
                                                 const std::string& real_description,
                                                 const ImageMetricsOptions& options);

// Loads the real set from lib/data (options.dataset / split / num_real / seed,
// 28x28 in [0,1]) and calls ComputeImageMetrics.
absl::StatusOr<ImageMetrics> ImageMetricsAgainstDataset(LoadedLeNet& classifier,
                                                        const at::Tensor& generated,
                                                        PixelRange gen_range,
                                                        const ImageMetricsOptions& options);

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_IMAGE_METRICS_H_

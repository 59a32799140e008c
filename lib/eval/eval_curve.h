// The evaluation curve: cheap quality numbers computed during training, so
// that a run's learning curve (quality against training seconds) is itself a
// result (<run_dir>/eval_curve.csv, written by train::Trainer::SetEvalFn).
//
// Each point scores `num_samples` generated images (the same fixed latents at
// every point) with the metrics of eval.json at a smaller size:
//   is, fid_lenet, kid, precision, recall  LeNet metrics (image_metrics.h)
//       against a fixed seeded subset of num_samples real *test* images;
//   pixel_w1  the exact pixel W1 of the Laschos protocol (pixel_w1.h) between
//       the num_samples generated images and num_samples real *training*
//       images, 32x32 in [-1,1];
//   pixel_w1_floor  the same W1 between two disjoint real training sets of
//       num_samples (what a perfect generator would score at this size).
// W1 and FID of 1000 samples are biased upwards against the 5000/10000-sample
// numbers of eval.json: the curve is for the shape of learning and for
// comparing runs evaluated alike, not for the published tables. About 2 s per
// point at 1000 samples on one core (the exact W1 dominates).
//
//   OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<otgan::eval::EvalCurve> curve,
//                          otgan::eval::EvalCurve::Create({.dataset = kMnist}));
//   OTGAN_ASSIGN_OR_RETURN(auto metrics,
//                          curve->Evaluate(samples, otgan::eval::PixelRange::kMinusOneOne));
//   // metrics["pixel_w1"], metrics["fid_lenet"], ...
#ifndef OTGAN_LIB_EVAL_EVAL_CURVE_H_
#define OTGAN_LIB_EVAL_EVAL_CURVE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "lib/data/dataset.h"
#include "lib/eval/lenet.h"

namespace otgan::eval {

struct EvalCurveOptions {
  data::DatasetName dataset = data::DatasetName::kMnist;
  std::string data_dir;      // empty = otgan::DefaultDataDir()
  std::string weights_dir;   // as RunEvalOptions::weights_dir (run_eval.h)
  int64_t num_samples = 1000;  // generated and real images per point, >= 10
  uint64_t seed = 0;         // real subsets and KID subsets
  int image_size = 28;       // side of the generated images (28 or 32); the
                             // real test images are loaded at this size too
};

class EvalCurve {
 public:
  // Loads the classifier and both real sets and computes the floor.
  static absl::StatusOr<std::unique_ptr<EvalCurve>> Create(const EvalCurveOptions& options);

  // The metric names Evaluate returns, in column order.
  static std::vector<std::string> MetricNames();

  // Scores exactly num_samples generated images [N, 1, S, S] in `range`.
  absl::StatusOr<std::map<std::string, double>> Evaluate(const at::Tensor& generated,
                                                         PixelRange range);

  double pixel_w1_floor() const { return floor_; }
  const EvalCurveOptions& options() const { return options_; }
  // One line for a manifest: counts, splits, seed, classifier checksum.
  std::string Description() const;

 private:
  EvalCurve() = default;
  EvalCurveOptions options_;
  LoadedLeNet classifier_;
  at::Tensor real_test_;     // [n, 1, S, S] in [0, 1]
  std::string real_test_description_;
  at::Tensor real_pixels_;   // [n, 1, 32, 32] in [-1, 1], training split
  double floor_ = 0;
};

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_EVAL_CURVE_H_

// The evaluation curve of the 2-D toys: the toy counterpart of eval_curve.h,
// so that a toy run's learning curve (modes and W2 against training seconds)
// is itself a result (<run_dir>/eval_curve.csv, written through
// train::Trainer::SetEvalFn by replications/common's AttachToyEvalCurve).
//
// Each point scores `num_samples` generated points (the same fixed latents at
// every point) with the toy metrics of eval.json (toy_metrics.h) at a smaller
// size:
//   modes_covered, high_quality_fraction  (Gaussian mixtures only) modes with
//       at least 0.1 n / K samples within 3 sigma of their centre, and the
//       fraction of samples within 3 sigma of any centre;
//   w2       exact W2 between the generated points and a fixed sample of
//            num_samples target points (drawn once, from `seed`);
//   w2_floor the same W2 between that target sample and a second one: what a
//            perfect generator would score at this size.
// At 1000 points the coverage rule needs 12.5 of the 8 Gaussians' expected
// 125 samples per mode (4 of the 25 Gaussians' 40), and W2 is biased upwards
// against eval.json's 5000-point value: compare points of curves made alike.
// About 0.1 s per point at 1000 points on one core (the exact W2 dominates).
//
//   OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<otgan::eval::ToyEvalCurve> curve,
//                          otgan::eval::ToyEvalCurve::Create({.kind = ToyKind::k8Gaussians}));
//   OTGAN_ASSIGN_OR_RETURN(auto metrics, curve->Evaluate(points));  // metrics["w2"], ...
#ifndef OTGAN_LIB_EVAL_TOY_EVAL_CURVE_H_
#define OTGAN_LIB_EVAL_TOY_EVAL_CURVE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "lib/data/toy.h"

namespace otgan::eval {

struct ToyEvalCurveOptions {
  data::ToyKind kind = data::ToyKind::k8Gaussians;
  int64_t num_samples = 1000;  // generated and target points per point, >= 10
  uint64_t seed = 0;           // the two fixed target samples
};

class ToyEvalCurve {
 public:
  // Draws both target samples and computes the floor.
  static absl::StatusOr<std::unique_ptr<ToyEvalCurve>> Create(const ToyEvalCurveOptions& options);

  // The metric names Evaluate returns, in column order: modes_covered and
  // high_quality_fraction for toys with modes, then w2 and w2_floor.
  std::vector<std::string> MetricNames() const;

  // Scores exactly num_samples generated points [N, 2] (finite values).
  absl::StatusOr<std::map<std::string, double>> Evaluate(const at::Tensor& generated) const;

  double w2_floor() const { return floor_; }
  // One line for stderr and manifests: toy, counts, seed, rules.
  std::string Description() const;

 private:
  explicit ToyEvalCurve(const ToyEvalCurveOptions& options)
      : options_(options), toy_(data::ToyDistribution::Make(options.kind)) {}
  ToyEvalCurveOptions options_;
  data::ToyDistribution toy_;
  at::Tensor target_;  // [n, 2]
  double floor_ = 0;
};

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_TOY_EVAL_CURVE_H_

// Metrics for 2-D toy targets (lib/data/toy.h): mode quality and coverage for
// Gaussian mixtures, and the exact W2 distance to fresh target samples.
//
// High quality: a sample is "high quality" when its Euclidean distance to the
// nearest mode centre is at most sigma_multiple * sigma (3 sigma by default;
// sigma is the per-coordinate std of each mode, so a true sample of an
// isotropic 2-D Gaussian mode passes with probability 1 - exp(-4.5) = 0.989).
// Each high-quality sample is attributed to its nearest centre.
//
// Coverage: with K modes of equal weight and n samples a mode expects n / K
// samples; it counts as covered when at least coverage_fraction * n / K
// high-quality samples are attributed to it (default 0.1: with n = 2500 that
// is 32 samples of the 8 Gaussians' expected 312.5, 10 of the 25 Gaussians'
// expected 100). A handful of stray samples therefore does not cover a mode,
// but a mode that is under-represented by up to 10x still does.
//
// Exact W2: sqrt of the optimal mean squared Euclidean cost between n
// generated and n fresh target samples (uniform weights; an exact assignment
// from lib/ot/assignment.h). It is a sample estimate with a positive bias
// that shrinks with n, so compare it with the same value for two independent
// target samples (ExactW2 of target vs target) at the same n.
//
//   auto toy = otgan::data::ToyDistribution::Make(otgan::data::ToyKind::k8Gaussians);
//   otgan::eval::ToyModeResult m =
//       otgan::eval::ToyModeMetrics(samples, toy.centers(), toy.sigma(), {});
//   OTGAN_ASSIGN_OR_RETURN(double w2, otgan::eval::ExactW2(samples, toy.Sample(n, gen)));
#ifndef OTGAN_LIB_EVAL_TOY_METRICS_H_
#define OTGAN_LIB_EVAL_TOY_METRICS_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace otgan::eval {

struct ToyModeOptions {
  double sigma_multiple = 3.0;
  double coverage_fraction = 0.1;
};

struct ToyModeResult {
  int64_t num_samples = 0;
  int64_t num_modes = 0;
  double sigma = 0;
  double sigma_multiple = 0;
  double coverage_fraction = 0;
  double high_quality_fraction = 0;       // high-quality samples / n
  int64_t modes_covered = 0;
  double coverage_min_count = 0;          // coverage_fraction * n / K
  std::vector<int64_t> high_quality_per_mode;  // [K]
};

// See the file comment. samples [n, 2] (n >= 1), centres [K, 2] (K >= 1),
// sigma > 0. Throws c10::Error on bad input; the Checked form validates.
ToyModeResult ToyModeMetrics(const at::Tensor& samples, const at::Tensor& centres, double sigma,
                             const ToyModeOptions& options);
absl::StatusOr<ToyModeResult> CheckedToyModeMetrics(const at::Tensor& samples,
                                                    const at::Tensor& centres, double sigma,
                                                    const ToyModeOptions& options);

// Exact W2 between uniform clouds x [n, d] and y [n, d] (same n): sqrt of the
// mean squared Euclidean cost of an optimal assignment.
absl::StatusOr<double> ExactW2(const at::Tensor& x, const at::Tensor& y);

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_TOY_METRICS_H_

#include "lib/eval/toy_metrics.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "lib/ot/assignment.h"
#include "lib/ot/cost.h"
#include "lib/util/status.h"

namespace otgan::eval {

ToyModeResult ToyModeMetrics(const at::Tensor& samples_in, const at::Tensor& centres_in,
                             double sigma, const ToyModeOptions& options) {
  TORCH_CHECK(samples_in.dim() == 2 && samples_in.size(0) >= 1 && centres_in.dim() == 2 &&
                  centres_in.size(0) >= 1 && samples_in.size(1) == centres_in.size(1),
              "ToyModeMetrics: expected samples [n>=1, d] and centres [K>=1, d], found ",
              samples_in.sizes(), " and ", centres_in.sizes());
  TORCH_CHECK(sigma > 0 && options.sigma_multiple > 0 && options.coverage_fraction >= 0,
              "ToyModeMetrics: need sigma > 0, sigma_multiple > 0, coverage_fraction >= 0");
  at::Tensor x = samples_in.to(at::kCPU, at::kDouble);
  at::Tensor c = centres_in.to(at::kCPU, at::kDouble);
  const int64_t n = x.size(0), k = c.size(0);
  // Exact differences (no expanded-square rounding): [n, K].
  at::Tensor dist = (x.unsqueeze(1) - c.unsqueeze(0)).pow(2).sum(2).sqrt();
  auto [nearest_dist, nearest] = dist.min(1);
  at::Tensor hq = nearest_dist <= options.sigma_multiple * sigma;
  ToyModeResult r;
  r.num_samples = n;
  r.num_modes = k;
  r.sigma = sigma;
  r.sigma_multiple = options.sigma_multiple;
  r.coverage_fraction = options.coverage_fraction;
  r.high_quality_fraction = hq.to(at::kDouble).mean().item<double>();
  at::Tensor per_mode = at::bincount(nearest.masked_select(hq), {}, k);
  r.coverage_min_count = options.coverage_fraction * static_cast<double>(n) / k;
  auto acc = per_mode.accessor<int64_t, 1>();
  for (int64_t j = 0; j < k; ++j) {
    r.high_quality_per_mode.push_back(acc[j]);
    // A mode with no high-quality sample is never covered, even at fraction 0.
    if (acc[j] > 0 && static_cast<double>(acc[j]) >= r.coverage_min_count) ++r.modes_covered;
  }
  return r;
}

absl::StatusOr<ToyModeResult> CheckedToyModeMetrics(const at::Tensor& samples,
                                                    const at::Tensor& centres, double sigma,
                                                    const ToyModeOptions& options) {
  if (!samples.defined() || !centres.defined() || samples.dim() != 2 || centres.dim() != 2 ||
      samples.size(0) < 1 || centres.size(0) < 1 || samples.size(1) != centres.size(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "toy metrics: expected samples [n>=1, d] and mode centres [K>=1, d], found ",
        samples.defined() ? c10::str(samples.sizes()) : "undefined", " and ",
        centres.defined() ? c10::str(centres.sizes()) : "undefined",
        " (a target without modes, like the Swiss roll, has no mode metrics)"));
  }
  if (!(sigma > 0) || !(options.sigma_multiple > 0) || !(options.coverage_fraction >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "toy metrics: expected sigma > 0, sigma_multiple > 0, coverage_fraction >= 0, found ",
        sigma, ", ", options.sigma_multiple, ", ", options.coverage_fraction));
  }
  return TorchCall("toy metrics", [&] { return ToyModeMetrics(samples, centres, sigma, options); });
}

absl::StatusOr<double> ExactW2(const at::Tensor& x, const at::Tensor& y) {
  if (!x.defined() || !y.defined() || x.dim() != 2 || y.dim() != 2 || x.size(0) != y.size(0) ||
      x.size(1) != y.size(1) || x.size(0) < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ExactW2: expected two point clouds [n, d] of the same shape, found ",
        x.defined() ? c10::str(x.sizes()) : "undefined", " and ",
        y.defined() ? c10::str(y.sizes()) : "undefined"));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor cost, TorchCall("ExactW2 cost", [&] {
                           return ot::PairwiseCost(x.to(at::kCPU, at::kDouble),
                                                   y.to(at::kCPU, at::kDouble),
                                                   ot::CostKind::kSqEuclidean);
                         }));
  OTGAN_ASSIGN_OR_RETURN(ot::AssignmentResult r, ot::SolveAssignment(cost));
  return std::sqrt(std::max(r.mean_cost, 0.0));
}

}  // namespace otgan::eval

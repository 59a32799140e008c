#include "lib/eval/toy_eval_curve.h"

#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "lib/eval/toy_metrics.h"
#include "lib/util/status.h"

namespace otgan::eval {

absl::StatusOr<std::unique_ptr<ToyEvalCurve>> ToyEvalCurve::Create(
    const ToyEvalCurveOptions& options) {
  if (options.num_samples < 10) {
    return absl::InvalidArgumentError(absl::StrCat(
        "toy evaluation curve: num_samples=", options.num_samples, " must be at least 10"));
  }
  std::unique_ptr<ToyEvalCurve> c(new ToyEvalCurve(options));
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  c->target_ = c->toy_.Sample(options.num_samples, gen);
  const at::Tensor second = c->toy_.Sample(options.num_samples, gen);
  OTGAN_ASSIGN_OR_RETURN(c->floor_, ExactW2(second, c->target_));
  return c;
}

std::vector<std::string> ToyEvalCurve::MetricNames() const {
  if (toy_.centers().size(0) == 0) return {"w2", "w2_floor"};
  return {"modes_covered", "high_quality_fraction", "w2", "w2_floor"};
}

absl::StatusOr<std::map<std::string, double>> ToyEvalCurve::Evaluate(
    const at::Tensor& generated) const {
  if (!generated.defined() || generated.dim() != 2 || generated.size(0) != options_.num_samples ||
      generated.size(1) != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "toy evaluation curve: expected ", options_.num_samples, " points [", options_.num_samples,
        ", 2], found ", generated.defined() ? c10::str(generated.sizes()) : "undefined"));
  }
  const at::Tensor x = generated.detach().to(at::kCPU, at::kFloat);
  if (!at::isfinite(x).all().item<bool>()) {
    return absl::InvalidArgumentError(
        "toy evaluation curve: the generated points hold non-finite values");
  }
  std::map<std::string, double> out;
  if (toy_.centers().size(0) > 0) {
    OTGAN_ASSIGN_OR_RETURN(ToyModeResult m,
                           CheckedToyModeMetrics(x, toy_.centers(), toy_.sigma(), {}));
    out["modes_covered"] = static_cast<double>(m.modes_covered);
    out["high_quality_fraction"] = m.high_quality_fraction;
  }
  OTGAN_ASSIGN_OR_RETURN(out["w2"], ExactW2(x, target_));
  out["w2_floor"] = floor_;
  return out;
}

std::string ToyEvalCurve::Description() const {
  const int64_t n = options_.num_samples;
  std::string modes;
  if (toy_.centers().size(0) > 0) {
    const ToyModeOptions rules;
    modes = absl::StrCat("modes covered (>= ", rules.coverage_fraction, " n / K within ",
                         rules.sigma_multiple, " sigma of a centre) and the high-quality "
                         "fraction, ");
  }
  return absl::StrCat(toy_.name(), ", ", n, " generated points: ", modes, "exact W2 to a fixed ",
                      n, "-point target sample (seed ", options_.seed, "), floor ", floor_,
                      " (two target samples)");
}

}  // namespace otgan::eval

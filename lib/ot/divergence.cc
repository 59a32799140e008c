#include "lib/ot/divergence.h"

#include <algorithm>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace otgan::ot {
namespace {

at::Tensor WeightsOrUniform(const at::Tensor& w, int64_t n, const at::Tensor& cost) {
  if (w.defined()) return w.to(cost.scalar_type());
  return at::full({n}, 1.0 / static_cast<double>(n), cost.options());
}

// <P, C> (dual = false) or <f, a> + <g, b> (dual = true) for one cost matrix.
at::Tensor Value(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b,
                 SinkhornOptions options, GradMode mode, bool dual, SinkhornStats* stats) {
  options.return_plan = false;
  const int64_t n = cost.size(0), m = cost.size(1);
  if (mode == GradMode::kEnvelope) {
    SinkhornResult r;
    at::Tensor plan, dual_value;
    {
      at::NoGradGuard no_grad;
      const at::Tensor c0 = cost.detach();
      const at::Tensor a0 = a.defined() ? a.detach() : a, b0 = b.defined() ? b.detach() : b;
      r = SolveSinkhorn(c0, a0, b0, options);
      plan = SinkhornPlan(c0, r, a0, b0, options.eps);
      if (dual) {
        dual_value =
            (r.f * WeightsOrUniform(a0, n, c0)).sum() + (r.g * WeightsOrUniform(b0, m, c0)).sum();
      }
    }
    if (stats != nullptr) stats->Add(r);
    at::Tensor value = (plan * cost).sum();
    // Same value as the dual, gradient sum(P * dC) (envelope theorem).
    if (dual) value = value + (dual_value - value.detach());
    return value;
  }
  SinkhornResult r = SolveSinkhorn(cost, a, b, options);
  if (stats != nullptr) stats->Add(r);
  if (dual) {
    return (r.f * WeightsOrUniform(a, n, cost)).sum() + (r.g * WeightsOrUniform(b, m, cost)).sum();
  }
  return (SinkhornPlan(cost, r, a, b, options.eps) * cost).sum();
}

// A cloud as the costs below take it: for the cosine cost its unit rows,
// computed once per call however many costs use the cloud (the energy
// distance's 4 clouds enter 6 costs; normalising per cost tripled that work).
// kCosineOfUnitRows clouds are unit rows already and pass as they are.
at::Tensor Prepared(const at::Tensor& x, CostKind kind) {
  return kind == CostKind::kCosine ? UnitRows(x) : x;
}

// PairwiseCost of two Prepared clouds (for kCosineOfUnitRows PairwiseCost is
// CosineCostOfUnitRows itself).
at::Tensor CostOfPrepared(const at::Tensor& x, const at::Tensor& y, CostKind kind) {
  return kind == CostKind::kCosine ? CosineCostOfUnitRows(x, y) : PairwiseCost(x, y, kind);
}

// W(x, y) between two different Prepared clouds: never the symmetric solver.
at::Tensor Cross(const at::Tensor& x, const at::Tensor& y, CostKind kind, SinkhornOptions options,
                 GradMode mode, SinkhornStats* stats) {
  options.symmetric = false;
  return Value(CostOfPrepared(x, y, kind), at::Tensor(), at::Tensor(), options, mode,
               /*dual=*/false, stats);
}

// W(x, x) of a Prepared cloud: symmetric updates when options.symmetric (on an
// exactly symmetric C).
at::Tensor Self(const at::Tensor& x, CostKind kind, const SinkhornOptions& options, GradMode mode,
                SinkhornStats* stats) {
  at::Tensor cost = CostOfPrepared(x, x, kind);
  if (options.symmetric) cost = 0.5 * (cost + cost.t());
  return Value(cost, at::Tensor(), at::Tensor(), options, mode, /*dual=*/false, stats);
}

void CheckClouds(const char* what, const at::Tensor& x, const at::Tensor& y) {
  TORCH_CHECK(x.defined() && y.defined() && x.dim() == 2 && y.dim() == 2, what,
              ": expected point clouds [n, d] and [m, d]");
}

}  // namespace

void SinkhornStats::Add(const SinkhornResult& r) {
  ++solves;
  max_iterations = std::max(max_iterations, r.iterations);
  max_marginal_error = std::max(max_marginal_error, r.marginal_error);
  all_converged = all_converged && r.converged;
}

absl::StatusOr<GradMode> ParseGradMode(const std::string& name) {
  if (name == "unrolled") return GradMode::kUnrolled;
  if (name == "envelope") return GradMode::kEnvelope;
  return absl::InvalidArgumentError(
      absl::StrCat("gradient mode \"", name, "\": expected unrolled or envelope"));
}

at::Tensor EntropicTransportCost(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b,
                                 const SinkhornOptions& options, GradMode mode,
                                 SinkhornStats* stats) {
  return Value(cost, a, b, options, mode, /*dual=*/false, stats);
}

at::Tensor EntropicTransportCost(const at::Tensor& x, const at::Tensor& y, CostKind kind,
                                 const SinkhornOptions& options, GradMode mode,
                                 SinkhornStats* stats) {
  CheckClouds("EntropicTransportCost", x, y);
  return Cross(Prepared(x, kind), Prepared(y, kind), kind, options, mode, stats);
}

at::Tensor SinkhornDualValue(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b,
                             const SinkhornOptions& options, GradMode mode, SinkhornStats* stats) {
  return Value(cost, a, b, options, mode, /*dual=*/true, stats);
}

at::Tensor SinkhornDualValue(const at::Tensor& x, const at::Tensor& y, CostKind kind,
                             const SinkhornOptions& options, GradMode mode, SinkhornStats* stats) {
  CheckClouds("SinkhornDualValue", x, y);
  SinkhornOptions o = options;
  o.symmetric = false;
  return Value(PairwiseCost(x, y, kind), at::Tensor(), at::Tensor(), o, mode, /*dual=*/true, stats);
}

at::Tensor SinkhornDivergence(const at::Tensor& x, const at::Tensor& y, CostKind kind,
                              const SinkhornOptions& options, GradMode mode, SinkhornStats* stats) {
  CheckClouds("SinkhornDivergence", x, y);
  const at::Tensor px = Prepared(x, kind), py = Prepared(y, kind);
  return 2 * Cross(px, py, kind, options, mode, stats) - Self(px, kind, options, mode, stats) -
         Self(py, kind, options, mode, stats);
}

at::Tensor MinibatchEnergyDistance(const at::Tensor& x, const at::Tensor& x2, const at::Tensor& y,
                                   const at::Tensor& y2, CostKind kind,
                                   const SinkhornOptions& options, GradMode mode,
                                   SinkhornStats* stats) {
  CheckClouds("MinibatchEnergyDistance", x, y);
  CheckClouds("MinibatchEnergyDistance", x2, y2);
  const at::Tensor px = Prepared(x, kind), px2 = Prepared(x2, kind), py = Prepared(y, kind),
                   py2 = Prepared(y2, kind);
  return Cross(px, py, kind, options, mode, stats) + Cross(px, py2, kind, options, mode, stats) +
         Cross(px2, py, kind, options, mode, stats) + Cross(px2, py2, kind, options, mode, stats) -
         2 * Cross(px, px2, kind, options, mode, stats) -
         2 * Cross(py, py2, kind, options, mode, stats);
}

}  // namespace otgan::ot

#include "lib/ot/sinkhorn.h"

#include <cmath>
#include <limits>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "absl/strings/str_cat.h"
#include "lib/ot/softmin.h"

namespace otgan::ot {
namespace {

// Largest exponent used in the marginal error (exp(600) ~ 1e260 stays finite
// in double even when summed over many points).
constexpr double kMaxErrorExponent = 600.0;

at::Tensor LogWeights(const at::Tensor& w, int64_t n, const at::Tensor& cost, const char* name) {
  if (!w.defined()) return at::full({n}, -std::log(static_cast<double>(n)), cost.options());
  TORCH_CHECK(w.dim() == 1 && w.size(0) == n, "SolveSinkhorn: ", name, " must be [", n,
              "], got ", w.sizes());
  return w.to(cost.scalar_type()).log();
}

// sum_i a_i |exp((f_i - f_next_i) / eps) - 1|: the L1 error of the row
// marginals of P(f, g) when f_next = softmin(C, g) (see sinkhorn.h).
double RowMarginalError(const at::Tensor& f, const at::Tensor& f_next, const at::Tensor& log_a,
                        double eps) {
  at::NoGradGuard no_grad;
  at::Tensor d = ((f.detach().to(at::kDouble) - f_next.detach().to(at::kDouble)) / eps)
                     .clamp_max(kMaxErrorExponent);
  at::Tensor err = (log_a.detach().to(at::kDouble).exp() * (d.exp() - 1).abs()).sum();
  return err.item<double>();
}

std::vector<double> AnnealingStages(const at::Tensor& cost, const SinkhornOptions& o) {
  std::vector<double> stages;
  if (!o.eps_scaling || cost.numel() == 0) return stages;
  double spread;
  {
    at::NoGradGuard no_grad;
    spread = (cost.max() - cost.min()).item<double>();
  }
  if (!std::isfinite(spread)) return stages;
  for (double e = spread; e > o.eps; e *= o.scaling_factor) stages.push_back(e);
  return stages;
}

}  // namespace

absl::Status ValidateSinkhornOptions(const SinkhornOptions& o) {
  if (!(o.eps > 0) || !std::isfinite(o.eps)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Sinkhorn eps=", o.eps, ": expected a finite positive number"));
  }
  if (o.max_iter < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Sinkhorn max_iter=", o.max_iter, ": expected at least 1"));
  }
  if (!(o.tol >= 0) || !std::isfinite(o.tol)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Sinkhorn tol=", o.tol, ": expected a finite number >= 0 (0 = no early stop)"));
  }
  if (o.check_every < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Sinkhorn check_every=", o.check_every, ": expected at least 1"));
  }
  if (!(o.scaling_factor > 0 && o.scaling_factor < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Sinkhorn scaling_factor=", o.scaling_factor, ": expected a number in (0, 1)"));
  }
  return absl::OkStatus();
}

SinkhornResult SolveSinkhorn(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b,
                             const SinkhornOptions& o) {
  absl::Status valid = ValidateSinkhornOptions(o);
  TORCH_CHECK(valid.ok(), "SolveSinkhorn: ", std::string(valid.message()));
  TORCH_CHECK(cost.defined() && cost.dim() == 2 && cost.is_floating_point(),
              "SolveSinkhorn: cost must be a floating [n, m] tensor");
  const int64_t n = cost.size(0), m = cost.size(1);
  TORCH_CHECK(n > 0 && m > 0, "SolveSinkhorn: empty cost matrix ", cost.sizes());
  const at::Tensor log_a = LogWeights(a, n, cost, "a");
  const at::Tensor log_b = LogWeights(b, m, cost, "b");
  const std::vector<double> stages = AnnealingStages(cost, o);
  const double eps = o.eps;

  SinkhornResult r;
  bool measured = false;  // does r.marginal_error describe the potentials we return?
  at::Tensor f, g;
  if (o.symmetric) {
    TORCH_CHECK(n == m, "SolveSinkhorn: symmetric mode needs a square cost, got ", cost.sizes());
    {
      at::NoGradGuard no_grad;
      TORCH_CHECK(at::allclose(log_a, log_b), "SolveSinkhorn: symmetric mode needs a == b");
    }
    f = at::zeros({n}, cost.options());
    for (double e : stages) {
      f = 0.5 * (f + Softmin(cost, f, log_a, e));
      ++r.iterations;
    }
    for (int it = 1; it <= o.max_iter; ++it) {
      at::Tensor f_next = Softmin(cost, f, log_a, eps);
      ++r.iterations;
      if (o.tol > 0 && (it % o.check_every == 0 || it == o.max_iter)) {
        r.marginal_error = RowMarginalError(f, f_next, log_a, eps);
        if (r.marginal_error < o.tol) {
          measured = true;
          r.converged = true;
          break;
        }
      }
      f = 0.5 * (f + f_next);
    }
    g = f;
    if (!measured) {
      at::NoGradGuard no_grad;
      r.marginal_error =
          RowMarginalError(f, Softmin(cost.detach(), f.detach(), log_a, eps), log_a, eps);
    }
  } else {
    const at::Tensor cost_t = cost.t().contiguous();  // the fused kernel streams rows
    g = at::zeros({m}, cost.options());
    for (double e : stages) {
      f = Softmin(cost, g, log_b, e);
      g = Softmin(cost_t, f, log_a, e);
      ++r.iterations;
    }
    at::Tensor f_pending;  // softmin(C, g) computed by the last check, reused next iteration
    for (int it = 1; it <= o.max_iter; ++it) {
      f = f_pending.defined() ? f_pending : Softmin(cost, g, log_b, eps);
      f_pending = at::Tensor();
      g = Softmin(cost_t, f, log_a, eps);
      ++r.iterations;
      measured = false;
      if (o.tol > 0 && (it % o.check_every == 0 || it == o.max_iter)) {
        at::Tensor f_next = Softmin(cost, g, log_b, eps);
        r.marginal_error = RowMarginalError(f, f_next, log_a, eps);
        measured = true;
        if (r.marginal_error < o.tol) {
          r.converged = true;
          break;
        }
        f_pending = f_next;
      }
    }
    if (!measured) {
      at::NoGradGuard no_grad;
      r.marginal_error =
          RowMarginalError(f, Softmin(cost.detach(), g.detach(), log_b, eps), log_a, eps);
    }
  }
  r.f = f;
  r.g = g;
  if (o.return_plan) r.plan = SinkhornPlan(cost, r, a, b, eps);
  return r;
}

at::Tensor SinkhornPlan(const at::Tensor& cost, const SinkhornResult& result, const at::Tensor& a,
                        const at::Tensor& b, double eps) {
  TORCH_CHECK(cost.dim() == 2 && result.f.defined() && result.g.defined(),
              "SinkhornPlan: needs a cost [n, m] and a result with potentials");
  TORCH_CHECK(eps > 0, "SinkhornPlan: eps must be positive, got ", eps);
  const at::Tensor log_a = LogWeights(a, cost.size(0), cost, "a");
  const at::Tensor log_b = LogWeights(b, cost.size(1), cost, "b");
  at::Tensor z = (result.f.unsqueeze(1) + result.g.unsqueeze(0) - cost) / eps +
                 log_a.unsqueeze(1) + log_b.unsqueeze(0);
  return z.exp();
}

}  // namespace otgan::ot

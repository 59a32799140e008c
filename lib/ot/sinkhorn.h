// Log-domain Sinkhorn for entropic optimal transport between two discrete
// measures a (weights of n points) and b (weights of m points) with cost C [n, m].
//
// Solves  min_P <P, C> + eps KL(P | a b^T)  subject to P 1 = a, P^T 1 = b, via the
// dual potentials f [n], g [m]:
//   f_i = -eps log sum_j b_j exp((g_j - C_ij) / eps)   (lib/ot/softmin.h, rows of C)
//   g_j = -eps log sum_i a_i exp((f_i - C_ij) / eps)   (same call on C^T)
// and P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps). One iteration updates both
// potentials. After each iteration the column marginals are exact; the reported
// marginal error is the L1 error of the row marginals, sum_i |(P 1)_i - a_i|.
//
// Autograd flows through the iterations when C requires grad (the "unrolled"
// gradient); wrap the call in at::NoGradGuard for the envelope gradient
// (lib/ot/divergence.h does both).
//
//   otgan::ot::SinkhornOptions opts;
//   opts.eps = 0.1;
//   opts.max_iter = 500;
//   OTGAN_RETURN_IF_ERROR(otgan::ot::ValidateSinkhornOptions(opts));
//   auto r = otgan::ot::SolveSinkhorn(cost, at::Tensor(), at::Tensor(), opts);  // uniform
//   at::Tensor plan = otgan::ot::SinkhornPlan(cost, r, a, b, opts.eps);
#ifndef OTGAN_LIB_OT_SINKHORN_H_
#define OTGAN_LIB_OT_SINKHORN_H_

#include <ATen/ATen.h>

#include "absl/status/status.h"

namespace otgan::ot {

struct SinkhornOptions {
  double eps = 1.0;       // entropic regularisation, in the units of the cost
  int max_iter = 100;     // iterations at the target eps (see eps_scaling)
  double tol = 1e-6;      // stop when the L1 marginal error is below; 0 = always run max_iter
  int check_every = 10;   // iterations between marginal-error checks
  // Anneal eps from the cost's spread (max C - min C) down to eps, multiplying
  // by scaling_factor at each stage; one iteration per stage above eps, then up
  // to max_iter iterations at eps. Annealing iterations count in `iterations`.
  bool eps_scaling = false;
  double scaling_factor = 0.5;
  // Averaged updates f <- (f + softmin(C, f)) / 2, g = f, for the self-transport
  // terms: requires a square symmetric C and a == b.
  bool symmetric = false;
  bool return_plan = false;  // fill SinkhornResult::plan
};

struct SinkhornResult {
  at::Tensor f, g;             // dual potentials [n], [m]
  int iterations = 0;          // iterations run (annealing stages included)
  double marginal_error = 0;   // L1 row-marginal error of the returned potentials
  bool converged = false;      // tol > 0 and marginal_error < tol
  at::Tensor plan;             // [n, m], only when options.return_plan
};

// InvalidArgument naming the offending field (eps > 0, max_iter >= 1, tol >= 0,
// check_every >= 1, scaling_factor in (0, 1)), else OK.
absl::Status ValidateSinkhornOptions(const SinkhornOptions& options);

// a [n], b [m]: positive weights summing to 1; an undefined tensor means uniform.
// The options must pass ValidateSinkhornOptions (violations throw c10::Error), and
// so must the shapes. Never produces NaN or Inf for finite costs: degenerate
// clouds (one point, duplicates, zero cost) and eps far below the cost scale are
// handled in the log domain. The marginal error is capped near 1e260 when the
// iterations are far from converged at tiny eps.
SinkhornResult SolveSinkhorn(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b,
                             const SinkhornOptions& options);

// P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) from a result's potentials.
at::Tensor SinkhornPlan(const at::Tensor& cost, const SinkhornResult& result,
                        const at::Tensor& a, const at::Tensor& b, double eps);

}  // namespace otgan::ot

#endif  // OTGAN_LIB_OT_SINKHORN_H_

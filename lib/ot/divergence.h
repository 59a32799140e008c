// Sinkhorn-based losses between point clouds, with two gradient modes.
//
// W(x, y) below is the transport cost of the entropic plan, <P_eps, C>, the value
// Genevay et al. (2018) and Salimans et al. (2018) use (entropy term left out).
//
//   EntropicTransportCost  W(x, y) = <P_eps, C>
//   SinkhornDualValue      <f, a> + <g, b> = <P_eps, C> + eps KL(P_eps | a b^T) at
//                          convergence (the entropic OT value OT_eps, entropy
//                          included, relative to a b^T so it is >= 0 for C >= 0;
//                          the correction term eps <exp((f+g-C)/eps) - 1, a b^T>
//                          of the general dual vanishes at convergence and is
//                          left out)
//   SinkhornDivergence     2 W(x, y) - W(x, x) - W(y, y)  (SPEC section 1, debiased;
//                          POT's empirical_sinkhorn_divergence returns
//                          W(x,y) - (W(x,x) + W(y,y)) / 2, i.e. half of this)
//   MinibatchEnergyDistance  Salimans et al.: W(x,y) + W(x,y') + W(x',y) + W(x',y')
//                          - 2 W(x,x') - 2 W(y,y')
//
// Gradient modes:
//   kUnrolled  autograd through every Sinkhorn iteration (Genevay et al.).
//   kEnvelope  Sinkhorn runs under NoGradGuard on a detached cost; the value is
//              sum(P.detach() * C) with C recomputed with grad, so the gradient
//              flows through C only (Salimans et al.). For SinkhornDualValue this
//              is the exact gradient of the converged value (envelope theorem);
//              for <P, C> it leaves out the dP/dC term (an O(eps) approximation).
// Point clouds carry uniform weights.
//
//   otgan::ot::SinkhornOptions opts;  opts.eps = 1.0;  opts.max_iter = 50;  opts.tol = 0;
//   at::Tensor loss = otgan::ot::SinkhornDivergence(fake, real, CostKind::kSqEuclidean,
//                                                   opts, GradMode::kUnrolled);
//   loss.backward();
#ifndef OTGAN_LIB_OT_DIVERGENCE_H_
#define OTGAN_LIB_OT_DIVERGENCE_H_

#include <string>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "lib/ot/cost.h"
#include "lib/ot/sinkhorn.h"

namespace otgan::ot {

enum class GradMode { kUnrolled, kEnvelope };

// What the Sinkhorn solves behind one value did (for tools and logs): every
// function below takes an optional pointer and accumulates into it.
struct SinkhornStats {
  int solves = 0;               // Sinkhorn problems solved
  int max_iterations = 0;       // most iterations any solve ran
  double max_marginal_error = 0;  // worst L1 row-marginal error
  bool all_converged = true;    // every solve reached tol
  void Add(const SinkhornResult& r);
};

// "unrolled" | "envelope"; anything else is InvalidArgument.
absl::StatusOr<GradMode> ParseGradMode(const std::string& name);

// <P_eps, C> for a precomputed cost [n, m] and weights a [n], b [m] (undefined =
// uniform). In kEnvelope mode the gradient is sum(P.detach() * dC).
at::Tensor EntropicTransportCost(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b,
                                 const SinkhornOptions& options, GradMode mode,
                                 SinkhornStats* stats = nullptr);
// The same on point clouds x [n, d], y [m, d] with uniform weights.
at::Tensor EntropicTransportCost(const at::Tensor& x, const at::Tensor& y, CostKind kind,
                                 const SinkhornOptions& options, GradMode mode,
                                 SinkhornStats* stats = nullptr);

// <f, a> + <g, b> (see the file comment); scalar tensor.
at::Tensor SinkhornDualValue(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b,
                             const SinkhornOptions& options, GradMode mode,
                                 SinkhornStats* stats = nullptr);
at::Tensor SinkhornDualValue(const at::Tensor& x, const at::Tensor& y, CostKind kind,
                             const SinkhornOptions& options, GradMode mode,
                                 SinkhornStats* stats = nullptr);

// 2 W(x, y) - W(x, x) - W(y, y) with W = <P_eps, C>. The self terms use
// symmetric updates when options.symmetric is set.
at::Tensor SinkhornDivergence(const at::Tensor& x, const at::Tensor& y, CostKind kind,
                              const SinkhornOptions& options, GradMode mode,
                                 SinkhornStats* stats = nullptr);

// W(x,y) + W(x,y2) + W(x2,y) + W(x2,y2) - 2 W(x,x2) - 2 W(y,y2), W = <P_eps, C>.
at::Tensor MinibatchEnergyDistance(const at::Tensor& x, const at::Tensor& x2,
                                   const at::Tensor& y, const at::Tensor& y2, CostKind kind,
                                   const SinkhornOptions& options, GradMode mode,
                                 SinkhornStats* stats = nullptr);

}  // namespace otgan::ot

#endif  // OTGAN_LIB_OT_DIVERGENCE_H_

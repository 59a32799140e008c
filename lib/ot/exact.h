// Exact (unregularised) optimal transport between discrete measures, and the
// evaluation's exact W1 between two equal-size point clouds.
//
// ExactOt solves min_P sum_ij P_ij C_ij over P >= 0 with row sums a and column
// sums b (any n, m, any nonnegative weights of equal total) by successive
// shortest paths on the bipartite transportation network (Dijkstra with node
// potentials, dense, double precision). Its node potentials are a dual
// certificate (f_i + g_j <= C_ij, equality where P_ij > 0) that is checked
// before returning. The general solver costs O((n + m) n m) time per
// problem in the worst case, so it is meant for small problems (default limit
// n m <= 2^20); n == m with uniform weights (every W1 evaluation) goes to the
// O(n^3) assignment solver instead, which handles n = 5000 in seconds.
//
//   OTGAN_ASSIGN_OR_RETURN(otgan::ot::ExactOtResult r,
//                          otgan::ot::ExactOt(C, a, b));  // a [n], b [m]
//   OTGAN_ASSIGN_OR_RETURN(double w1, otgan::ot::ExactW1Points(fake, real));
#ifndef OTGAN_LIB_OT_EXACT_H_
#define OTGAN_LIB_OT_EXACT_H_

#include <cstdint>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace otgan::ot {

struct ExactOtOptions {
  // Refuse problems whose working memory estimate exceeds this.
  int64_t max_bytes = int64_t{8} << 30;
  // Refuse general (non-assignment) problems with more than this many cells
  // n * m: the successive-shortest-path solver is O((n + m) n m).
  int64_t max_general_cells = int64_t{1} << 20;
  // |sum a - sum b| must be at most this times max(sum a, sum b); b is then
  // rescaled to the total of a.
  double mass_tolerance = 1e-6;
  // Certificate tolerance, relative to max_ij |C_ij|.
  double relative_tolerance = 1e-9;
};

struct ExactOtResult {
  double value = 0;      // sum_ij P_ij C_ij
  at::Tensor plan;       // [n, m] float64, row sums a, column sums b
  int64_t iterations = 0;  // augmenting paths (general solver) or Dijkstra augmentations
  // Dual certificate: f [n], g [m] float64 with f_i + g_j <= C_ij (+ tolerance).
  at::Tensor f;
  at::Tensor g;
  double dual_value = 0;            // sum a_i f_i + sum b_j g_j
  double max_dual_violation = 0;    // max_ij f_i + g_j - C_ij
  bool used_assignment = false;     // the n == m uniform fast path ran
};

// Working memory of the general solver for an n x m problem, in bytes.
int64_t ExactOtMemoryEstimate(int64_t n, int64_t m);

// See the file comment. `cost` [n, m] floating with finite entries; `a` [n] and
// `b` [m] nonnegative (undefined = uniform 1/n, 1/m). Errors: InvalidArgument
// (shapes, dtypes, negative or non-finite weights, unequal totals),
// ResourceExhausted (too large, with the estimate), Internal (certificate).
absl::StatusOr<ExactOtResult> ExactOt(const at::Tensor& cost, const at::Tensor& a = {},
                                      const at::Tensor& b = {},
                                      const ExactOtOptions& options = {});

// Euclidean cost matrix |x_i - y_j| [n, m] in float64 (squared distances by
// PairwiseCost in double, then an in-place square root), without autograd.
absl::StatusOr<at::Tensor> EuclideanCostMatrix(const at::Tensor& x, const at::Tensor& y);

// Exact W1 between uniform clouds x [n, d] and y [n, d] (same n) under the
// Euclidean ground cost: the evaluation protocol's number. The cost matrix is
// EuclideanCostMatrix (float64), then solved by SolveAssignment. Different sizes n != m go through ExactOt.
absl::StatusOr<double> ExactW1Points(const at::Tensor& x, const at::Tensor& y);

}  // namespace otgan::ot

#endif  // OTGAN_LIB_OT_EXACT_H_

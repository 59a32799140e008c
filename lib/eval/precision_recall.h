// Improved precision and recall of generative models (Kynkaanniemi et al.
// 2019) with k-NN manifold estimates in a feature space.
//
// The real manifold is the union of balls B(r_i, d_k(r_i)) around each real
// feature r_i, d_k(r_i) being the Euclidean distance to its k-th nearest
// neighbour among the other real features (the point itself excluded). The
// generated manifold is built the same way from the generated features.
//
//   precision = fraction of generated samples inside the real manifold,
//   recall    = fraction of real samples inside the generated manifold,
//
// with "inside" meaning |x - c| <= radius for some ball (closed balls, so
// identical sets score exactly 1). k = 3 as in the paper. Distances are
// computed in double precision in row blocks, so memory stays O(block * n).
//
//   otgan::eval::PrecisionRecall pr = otgan::eval::KnnPrecisionRecall(real_f, fake_f, 3);
#ifndef OTGAN_LIB_EVAL_PRECISION_RECALL_H_
#define OTGAN_LIB_EVAL_PRECISION_RECALL_H_

#include <cstdint>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace otgan::eval {

struct PrecisionRecall {
  double precision = 0;
  double recall = 0;
  int64_t k = 0;
};

// Distance of each row of x [n, d] to its k-th nearest other row (n > k).
at::Tensor KnnRadii(const at::Tensor& x, int64_t k);

// Fraction of rows of `query` within at least one ball (centres [m, d], radii [m]).
double FractionInsideBalls(const at::Tensor& query, const at::Tensor& centres,
                           const at::Tensor& radii);

// See the file comment. Throws c10::Error on bad shapes; the Checked form
// validates (same d, more than k rows in each set, k >= 1).
PrecisionRecall KnnPrecisionRecall(const at::Tensor& real, const at::Tensor& fake,
                                   int64_t k = 3);
absl::StatusOr<PrecisionRecall> CheckedKnnPrecisionRecall(const at::Tensor& real,
                                                          const at::Tensor& fake, int64_t k = 3);

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_PRECISION_RECALL_H_

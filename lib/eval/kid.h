// Kernel Inception Distance (Binkowski et al. 2018) in any feature space:
// the unbiased estimate of MMD^2 with the cubic polynomial kernel
//
//   k(x, y) = (x . y / d + 1)^3,     d = feature dimension,
//   MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m-1)) + sum_{i != j} k(y_i, y_j) / (m (m-1))
//             - 2 sum_{i, j} k(x_i, y_j) / m^2,
//
// averaged over `num_subsets` pairs of random subsets of `subset_size` rows
// drawn without replacement from each set (subset_size = min(requested, n1,
// n2)). The estimate is unbiased, so it can be slightly negative when the two
// distributions agree. Kernel sums are accumulated in double precision.
// Subsets come from a std::mt19937_64 seeded with `seed` (independent of
// LibTorch's generator), so the value is reproducible.
//
//   otgan::eval::KidResult kid = otgan::eval::KernelInceptionDistance(fake_f, real_f, {});
//   // kid.mean, kid.std over 10 subsets of size min(1000, n)
#ifndef OTGAN_LIB_EVAL_KID_H_
#define OTGAN_LIB_EVAL_KID_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace otgan::eval {

struct KidOptions {
  int64_t num_subsets = 10;
  int64_t subset_size = 1000;
  uint64_t seed = 0;
};

struct KidResult {
  double mean = 0;            // mean of the per-subset MMD^2_u
  double std = 0;             // their standard deviation (population, ddof 0, as in the reference code)
  int64_t subset_size = 0;    // the size actually used
  int64_t num_subsets = 0;
  std::vector<double> values; // per-subset estimates
};

// Unbiased MMD^2 of the cubic polynomial kernel between all rows of x [m, d]
// and y [m', d] (m, m' >= 2).
double PolynomialMmd2Unbiased(const at::Tensor& x, const at::Tensor& y);

// See the file comment. Throws c10::Error on bad shapes; CheckedKid validates.
KidResult KernelInceptionDistance(const at::Tensor& f1, const at::Tensor& f2,
                                  const KidOptions& options);
absl::StatusOr<KidResult> CheckedKernelInceptionDistance(const at::Tensor& f1,
                                                         const at::Tensor& f2,
                                                         const KidOptions& options);

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_KID_H_

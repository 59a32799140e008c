// Frechet distance between Gaussian fits of two feature sets ("FID-LeNet" when
// the features are the LeNet's penultimate layer, lib/eval/lenet.h).
//
//   d^2 = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1^{1/2} S2 S1^{1/2})^{1/2})
//
// with sample means mu and unbiased sample covariances S (denominator n - 1).
// Computed in double precision. Both matrix square roots come from symmetric
// eigendecompositions (at::linalg_eigh): S1^{1/2} = V diag(sqrt(max(l, 0))) V^T,
// and tr((S1^{1/2} S2 S1^{1/2})^{1/2}) = sum_i sqrt(max(l_i, 0)) over the
// eigenvalues of the symmetric PSD matrix S1^{1/2} S2 S1^{1/2}. Eigenvalues
// that rounding makes slightly negative (the covariances are PSD in exact
// arithmetic, and singular when n <= d) are clamped to 0. This avoids the
// complex-valued scipy.linalg.sqrtm of the reference FID code and gives the same
// value up to rounding. A result within rounding of 0 may come out as a tiny
// negative number; it is clamped to 0.
//
//   double fid = otgan::eval::FrechetDistance(fake_features, real_features);
#ifndef OTGAN_LIB_EVAL_FRECHET_H_
#define OTGAN_LIB_EVAL_FRECHET_H_

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace otgan::eval {

// Mean [d] and unbiased covariance [d, d] (double) of the rows of f [n, d], n >= 2.
struct GaussianMoments {
  at::Tensor mean;
  at::Tensor cov;
};
GaussianMoments FeatureMoments(const at::Tensor& f);

// The Frechet distance between N(mu1, s1) and N(mu2, s2) (see the file comment).
double FrechetDistanceFromMoments(const at::Tensor& mu1, const at::Tensor& s1,
                                  const at::Tensor& mu2, const at::Tensor& s2);

// Frechet distance of the Gaussian fits of f1 [n1, d] and f2 [n2, d]. Throws
// c10::Error on bad shapes (n < 2, different d); use the checked form at
// boundaries that take user input.
double FrechetDistance(const at::Tensor& f1, const at::Tensor& f2);
absl::StatusOr<double> CheckedFrechetDistance(const at::Tensor& f1, const at::Tensor& f2);

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_FRECHET_H_

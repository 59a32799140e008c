#include "lib/eval/frechet.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "lib/util/status.h"

namespace otgan::eval {

GaussianMoments FeatureMoments(const at::Tensor& f) {
  TORCH_CHECK(f.dim() == 2 && f.size(0) >= 2, "FeatureMoments: expected [n>=2, d], found ",
              f.sizes());
  at::Tensor x = f.to(at::kCPU, at::kDouble);
  GaussianMoments m;
  m.mean = x.mean(0);
  at::Tensor c = x - m.mean;
  m.cov = at::matmul(c.t(), c) / static_cast<double>(x.size(0) - 1);
  return m;
}

namespace {

// Symmetric PSD square root via eigh, negative eigenvalues clamped to 0.
at::Tensor SqrtPsd(const at::Tensor& s) {
  at::Tensor sym = 0.5 * (s + s.t());
  auto [evals, evecs] = at::linalg_eigh(sym);
  at::Tensor r = evals.clamp_min(0.0).sqrt();
  return at::matmul(evecs * r.unsqueeze(0), evecs.t());
}

}  // namespace

double FrechetDistanceFromMoments(const at::Tensor& mu1, const at::Tensor& s1,
                                  const at::Tensor& mu2, const at::Tensor& s2) {
  at::Tensor m1 = mu1.to(at::kDouble), m2 = mu2.to(at::kDouble);
  at::Tensor a = s1.to(at::kDouble), b = s2.to(at::kDouble);
  TORCH_CHECK(m1.dim() == 1 && m1.sizes() == m2.sizes() && a.dim() == 2 &&
                  a.size(0) == m1.size(0) && a.sizes() == b.sizes() && a.size(0) == a.size(1),
              "FrechetDistanceFromMoments: expected means [d] and covariances [d,d]");
  const double mean_term = (m1 - m2).pow(2).sum().item<double>();
  at::Tensor ra = SqrtPsd(a);
  at::Tensor inner = at::matmul(at::matmul(ra, b), ra);
  inner = 0.5 * (inner + inner.t());
  at::Tensor evals = at::linalg_eigvalsh(inner);
  const double tr_sqrt = evals.clamp_min(0.0).sqrt().sum().item<double>();
  const double d2 =
      mean_term + a.trace().item<double>() + b.trace().item<double>() - 2.0 * tr_sqrt;
  return std::max(d2, 0.0);
}

double FrechetDistance(const at::Tensor& f1, const at::Tensor& f2) {
  TORCH_CHECK(f1.dim() == 2 && f2.dim() == 2 && f1.size(1) == f2.size(1),
              "FrechetDistance: expected feature matrices [n1,d] and [n2,d], found ", f1.sizes(),
              " and ", f2.sizes());
  GaussianMoments a = FeatureMoments(f1);
  GaussianMoments b = FeatureMoments(f2);
  return FrechetDistanceFromMoments(a.mean, a.cov, b.mean, b.cov);
}

absl::StatusOr<double> CheckedFrechetDistance(const at::Tensor& f1, const at::Tensor& f2) {
  if (!f1.defined() || !f2.defined() || f1.dim() != 2 || f2.dim() != 2 ||
      f1.size(1) != f2.size(1) || f1.size(0) < 2 || f2.size(0) < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "FrechetDistance: expected two feature matrices [n>=2, d] with the same d, found ",
        f1.defined() ? c10::str(f1.sizes()) : "undefined", " and ",
        f2.defined() ? c10::str(f2.sizes()) : "undefined"));
  }
  return TorchCall("FrechetDistance", [&] { return FrechetDistance(f1, f2); });
}

}  // namespace otgan::eval

#include "lib/eval/precision_recall.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "lib/util/status.h"

namespace otgan::eval {
namespace {

constexpr int64_t kBlock = 1024;

// Squared Euclidean distances between rows of a [b, d] and b_ [m, d], clamped >= 0.
at::Tensor SqDist(const at::Tensor& a, const at::Tensor& b, const at::Tensor& b_sq) {
  at::Tensor a_sq = a.pow(2).sum(1, /*keepdim=*/true);
  return (a_sq + b_sq.unsqueeze(0) - 2.0 * at::matmul(a, b.t())).clamp_min(0.0);
}

}  // namespace

at::Tensor KnnRadii(const at::Tensor& x_in, int64_t k) {
  TORCH_CHECK(x_in.dim() == 2 && k >= 1 && x_in.size(0) > k,
              "KnnRadii: expected [n > k, d] and k >= 1, found ", x_in.sizes(), " and k ", k);
  at::Tensor x = x_in.to(at::kCPU, at::kDouble).contiguous();
  const int64_t n = x.size(0);
  at::Tensor x_sq = x.pow(2).sum(1);
  std::vector<at::Tensor> radii;
  for (int64_t s = 0; s < n; s += kBlock) {
    const int64_t e = std::min(n, s + kBlock);
    at::Tensor d2 = SqDist(x.slice(0, s, e), x, x_sq);
    // Exclude the point itself: set its own distance to +inf.
    at::Tensor rows = at::arange(e - s, at::kLong);
    d2.index_put_({rows, rows + s}, std::numeric_limits<double>::infinity());
    at::Tensor kth = std::get<0>(at::topk(d2, k, /*dim=*/1, /*largest=*/false, /*sorted=*/true));
    radii.push_back(kth.select(1, k - 1).sqrt());
  }
  return at::cat(radii, 0);
}

double FractionInsideBalls(const at::Tensor& query_in, const at::Tensor& centres_in,
                           const at::Tensor& radii_in) {
  at::Tensor q = query_in.to(at::kCPU, at::kDouble).contiguous();
  at::Tensor c = centres_in.to(at::kCPU, at::kDouble).contiguous();
  at::Tensor r2 = radii_in.to(at::kCPU, at::kDouble).pow(2);
  TORCH_CHECK(q.dim() == 2 && c.dim() == 2 && q.size(1) == c.size(1) && r2.dim() == 1 &&
                  r2.size(0) == c.size(0) && q.size(0) >= 1,
              "FractionInsideBalls: bad shapes ", q.sizes(), ", ", c.sizes(), ", ", r2.sizes());
  at::Tensor c_sq = c.pow(2).sum(1);
  int64_t inside = 0;
  for (int64_t s = 0; s < q.size(0); s += kBlock) {
    const int64_t e = std::min(q.size(0), s + kBlock);
    at::Tensor d2 = SqDist(q.slice(0, s, e), c, c_sq);
    // A tiny relative slack absorbs the rounding of the expanded-square form,
    // so that a point exactly on a sphere (or a duplicate) counts as inside.
    at::Tensor in = (d2 <= r2.unsqueeze(0) * (1 + 1e-9) + 1e-12).any(1);
    inside += in.sum().item<int64_t>();
  }
  return static_cast<double>(inside) / static_cast<double>(q.size(0));
}

PrecisionRecall KnnPrecisionRecall(const at::Tensor& real, const at::Tensor& fake, int64_t k) {
  TORCH_CHECK(real.dim() == 2 && fake.dim() == 2 && real.size(1) == fake.size(1),
              "KnnPrecisionRecall: expected [n,d] and [m,d], found ", real.sizes(), " and ",
              fake.sizes());
  PrecisionRecall pr;
  pr.k = k;
  at::Tensor real_radii = KnnRadii(real, k);
  at::Tensor fake_radii = KnnRadii(fake, k);
  pr.precision = FractionInsideBalls(fake, real, real_radii);
  pr.recall = FractionInsideBalls(real, fake, fake_radii);
  return pr;
}

absl::StatusOr<PrecisionRecall> CheckedKnnPrecisionRecall(const at::Tensor& real,
                                                          const at::Tensor& fake, int64_t k) {
  if (k < 1) return absl::InvalidArgumentError(absl::StrCat("precision/recall: k=", k, " < 1"));
  if (!real.defined() || !fake.defined() || real.dim() != 2 || fake.dim() != 2 ||
      real.size(1) != fake.size(1) || real.size(0) <= k || fake.size(0) <= k) {
    return absl::InvalidArgumentError(absl::StrCat(
        "precision/recall: expected two feature matrices [n > k, d] with the same d (k = ", k,
        "), found ", real.defined() ? c10::str(real.sizes()) : "undefined", " and ",
        fake.defined() ? c10::str(fake.sizes()) : "undefined"));
  }
  return TorchCall("precision/recall", [&] { return KnnPrecisionRecall(real, fake, k); });
}

}  // namespace otgan::eval

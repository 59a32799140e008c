#include "lib/eval/kid.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"
#include "lib/util/status.h"

namespace otgan::eval {
namespace {

// The kernel matrix k(x_i, y_j).
at::Tensor Kernel(const at::Tensor& x, const at::Tensor& y) {
  const double d = static_cast<double>(x.size(1));
  at::Tensor k = at::matmul(x, y.t()) / d + 1.0;
  return k * k * k;  // pow(3) is ~10x slower in this LibTorch build
}

// k distinct indices of 0..n-1 chosen uniformly (partial Fisher-Yates).
std::vector<int64_t> Choose(int64_t n, int64_t k, std::mt19937_64& rng) {
  std::vector<int64_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  for (int64_t i = 0; i < k; ++i) {
    std::uniform_int_distribution<int64_t> d(i, n - 1);
    std::swap(idx[i], idx[d(rng)]);
  }
  idx.resize(k);
  return idx;
}

}  // namespace

double PolynomialMmd2Unbiased(const at::Tensor& x_in, const at::Tensor& y_in) {
  TORCH_CHECK(x_in.dim() == 2 && y_in.dim() == 2 && x_in.size(1) == y_in.size(1) &&
                  x_in.size(0) >= 2 && y_in.size(0) >= 2,
              "PolynomialMmd2Unbiased: expected [m>=2,d] and [m'>=2,d], found ", x_in.sizes(),
              " and ", y_in.sizes());
  at::Tensor x = x_in.to(at::kCPU, at::kDouble);
  at::Tensor y = y_in.to(at::kCPU, at::kDouble);
  const double m = static_cast<double>(x.size(0)), n = static_cast<double>(y.size(0));
  at::Tensor kxx = Kernel(x, x), kyy = Kernel(y, y), kxy = Kernel(x, y);
  const double sxx = (kxx.sum() - kxx.diagonal().sum()).item<double>();
  const double syy = (kyy.sum() - kyy.diagonal().sum()).item<double>();
  const double sxy = kxy.sum().item<double>();
  return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2.0 * sxy / (m * n);
}

KidResult KernelInceptionDistance(const at::Tensor& f1, const at::Tensor& f2,
                                  const KidOptions& options) {
  TORCH_CHECK(f1.dim() == 2 && f2.dim() == 2 && f1.size(1) == f2.size(1),
              "KernelInceptionDistance: expected [n1,d] and [n2,d], found ", f1.sizes(), " and ",
              f2.sizes());
  TORCH_CHECK(options.num_subsets >= 1 && options.subset_size >= 2,
              "KernelInceptionDistance: need num_subsets >= 1 and subset_size >= 2");
  KidResult r;
  r.subset_size = std::min({options.subset_size, f1.size(0), f2.size(0)});
  TORCH_CHECK(r.subset_size >= 2, "KernelInceptionDistance: need at least 2 rows per set");
  r.num_subsets = options.num_subsets;
  at::Tensor a = f1.to(at::kCPU, at::kDouble), b = f2.to(at::kCPU, at::kDouble);
  std::mt19937_64 rng(options.seed);
  for (int64_t s = 0; s < options.num_subsets; ++s) {
    std::vector<int64_t> i1 = Choose(a.size(0), r.subset_size, rng);
    std::vector<int64_t> i2 = Choose(b.size(0), r.subset_size, rng);
    at::Tensor x = a.index_select(0, at::tensor(i1, at::kLong));
    at::Tensor y = b.index_select(0, at::tensor(i2, at::kLong));
    r.values.push_back(PolynomialMmd2Unbiased(x, y));
  }
  double sum = 0;
  for (double v : r.values) sum += v;
  r.mean = sum / r.values.size();
  double var = 0;
  for (double v : r.values) var += (v - r.mean) * (v - r.mean);
  r.std = std::sqrt(var / r.values.size());
  return r;
}

absl::StatusOr<KidResult> CheckedKernelInceptionDistance(const at::Tensor& f1,
                                                         const at::Tensor& f2,
                                                         const KidOptions& options) {
  if (!f1.defined() || !f2.defined() || f1.dim() != 2 || f2.dim() != 2 ||
      f1.size(1) != f2.size(1) || f1.size(0) < 2 || f2.size(0) < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "KID: expected two feature matrices [n>=2, d] with the same d, found ",
        f1.defined() ? c10::str(f1.sizes()) : "undefined", " and ",
        f2.defined() ? c10::str(f2.sizes()) : "undefined"));
  }
  if (options.num_subsets < 1 || options.subset_size < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "KID: expected num_subsets >= 1 and subset_size >= 2, found ", options.num_subsets,
        " and ", options.subset_size));
  }
  return TorchCall("KID", [&] { return KernelInceptionDistance(f1, f2, options); });
}

}  // namespace otgan::eval

#include "lib/eval/classifier_scores.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "lib/util/status.h"

namespace otgan::eval {
namespace {

// x log(x / y) with 0 log 0 = 0, elementwise.
at::Tensor XLogXOverY(const at::Tensor& x, const at::Tensor& y) {
  at::Tensor safe_x = at::where(x > 0, x, at::ones_like(x));
  at::Tensor safe_y = at::where(x > 0, y, at::ones_like(y));
  return at::where(x > 0, x * (safe_x.log() - safe_y.log()), at::zeros_like(x));
}

}  // namespace

double InceptionScoreOfSet(const at::Tensor& probs) {
  TORCH_CHECK(probs.dim() == 2 && probs.size(0) >= 1, "InceptionScore: expected [N>=1, K], found ",
              probs.sizes());
  at::Tensor p = probs.to(at::kCPU, at::kDouble);
  at::Tensor py = p.mean(0, /*keepdim=*/true).expand_as(p);
  const double mean_kl = XLogXOverY(p, py).sum(1).mean().item<double>();
  return std::exp(mean_kl);
}

InceptionScoreResult InceptionScore(const at::Tensor& probs, int64_t splits) {
  TORCH_CHECK(probs.dim() == 2 && splits >= 1 && splits <= probs.size(0),
              "InceptionScore: expected [N, K] and 1 <= splits <= N, found ", probs.sizes(),
              " and splits ", splits);
  InceptionScoreResult r;
  r.splits = splits;
  r.samples_per_split = probs.size(0) / splits;
  std::vector<double> scores;
  for (int64_t s = 0; s < splits; ++s) {
    scores.push_back(InceptionScoreOfSet(
        probs.slice(0, s * r.samples_per_split, (s + 1) * r.samples_per_split)));
  }
  for (double v : scores) r.mean += v;
  r.mean /= splits;
  for (double v : scores) r.std += (v - r.mean) * (v - r.mean);
  r.std = std::sqrt(r.std / splits);
  return r;
}

absl::StatusOr<InceptionScoreResult> CheckedInceptionScore(const at::Tensor& probs,
                                                           int64_t splits) {
  if (!probs.defined() || probs.dim() != 2 || probs.size(0) < 1 || probs.size(1) < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "InceptionScore: expected probabilities [N, K], found ",
        probs.defined() ? c10::str(probs.sizes()) : "undefined"));
  }
  if (splits < 1 || splits > probs.size(0)) {
    return absl::InvalidArgumentError(absl::StrCat("InceptionScore: splits=", splits,
                                                   " must be in [1, N=", probs.size(0), "]"));
  }
  at::Tensor p = probs.to(at::kDouble);
  if (p.min().item<double>() < 0 ||
      (p.sum(1) - 1.0).abs().max().item<double>() > 1e-3) {
    return absl::InvalidArgumentError(
        "InceptionScore: rows must be probability vectors (non-negative, summing to 1); "
        "pass softmax outputs, not logits");
  }
  return TorchCall("InceptionScore", [&] { return InceptionScore(probs, splits); });
}

std::vector<double> PredictedLabelHistogram(const at::Tensor& probs) {
  TORCH_CHECK(probs.dim() == 2 && probs.size(0) >= 1,
              "PredictedLabelHistogram: expected [N>=1, K], found ", probs.sizes());
  const int64_t k = probs.size(1);
  at::Tensor counts = at::bincount(probs.argmax(1).to(at::kCPU), {}, k).to(at::kDouble);
  counts = counts / static_cast<double>(probs.size(0));
  auto acc = counts.accessor<double, 1>();
  std::vector<double> h(k);
  for (int64_t i = 0; i < k; ++i) h[i] = acc[i];
  return h;
}

double LabelHistogramKl(const at::Tensor& probs) {
  std::vector<double> h = PredictedLabelHistogram(probs);
  const double k = static_cast<double>(h.size());
  double kl = 0;
  for (double v : h) {
    if (v > 0) kl += v * std::log(v * k);
  }
  return kl;
}

}  // namespace otgan::eval

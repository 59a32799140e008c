#include "lib/nn/init.h"

#include <cmath>

#include <torch/utils.h>

namespace otgan::nn {

Fans FansOf(const at::Tensor& weight, Layout layout) {
  TORCH_CHECK(weight.dim() >= 2, "FansOf: weight must have at least 2 dims, got ", weight.dim());
  double area = 1;
  for (int64_t d = 2; d < weight.dim(); ++d) area *= static_cast<double>(weight.size(d));
  const double d0 = static_cast<double>(weight.size(0)) * area;
  const double d1 = static_cast<double>(weight.size(1)) * area;
  switch (layout) {
    case Layout::kLinear:
    case Layout::kConv:
      return {d1, d0};  // [out, in, ...]
    case Layout::kConvTranspose:
      return {d0, d1};  // [in, out, ...]
  }
  return {};
}

void UniformWithStdev(at::Tensor weight, double stdev) {
  torch::NoGradGuard no_grad;
  const double limit = stdev * std::sqrt(3.0);
  weight.uniform_(-limit, limit);
}

void ZeroBias(at::Tensor bias) {
  if (!bias.defined()) return;
  torch::NoGradGuard no_grad;
  bias.zero_();
}

void TflibLinear(at::Tensor weight, at::Tensor bias, TflibLinearKind kind) {
  const Fans f = FansOf(weight, Layout::kLinear);
  const double stdev =
      kind == TflibLinearKind::kGlorot ? std::sqrt(2.0 / (f.in + f.out)) : std::sqrt(2.0 / f.in);
  UniformWithStdev(weight, stdev);
  ZeroBias(bias);
}

double TflibConvStdev(const Fans& fans, int64_t stride, bool transposed) {
  const double s2 = static_cast<double>(stride * stride);
  // conv2d.py: fan_out /= stride^2; deconv2d.py: fan_in /= stride^2.
  const double fan_in = transposed ? fans.in / s2 : fans.in;
  const double fan_out = transposed ? fans.out : fans.out / s2;
  return std::sqrt(4.0 / (fan_in + fan_out));
}

void TflibConv(at::Tensor weight, at::Tensor bias, int64_t stride, bool transposed) {
  const Fans f = FansOf(weight, transposed ? Layout::kConvTranspose : Layout::kConv);
  UniformWithStdev(weight, TflibConvStdev(f, stride, transposed));
  ZeroBias(bias);
}

void GlorotUniform(at::Tensor weight, at::Tensor bias, Layout layout) {
  const Fans f = FansOf(weight, layout);
  const double limit = std::sqrt(6.0 / (f.in + f.out));
  torch::NoGradGuard no_grad;
  weight.uniform_(-limit, limit);
  ZeroBias(bias);
}

}  // namespace otgan::nn

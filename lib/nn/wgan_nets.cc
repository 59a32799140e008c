#include "lib/nn/wgan_nets.h"

#include <algorithm>

#include <torch/utils.h>

#include "lib/nn/init.h"

namespace otgan::nn {
namespace {

constexpr int64_t kKernel = 5;
constexpr int64_t kStride = 2;

// ConvTranspose2d 5x5 stride 2, the adjoint of a TF "SAME" stride-2 conv of
// a 2H input (which pads 1 before): padding 1 gives 2H + 1 outputs whose
// first 2H are TF's conv2d_transpose (cropped in Up2x).
torch::nn::ConvTranspose2dOptions Up(int64_t in, int64_t out) {
  return torch::nn::ConvTranspose2dOptions(in, out, kKernel).stride(kStride).padding(1);
}

// The deconv of x cropped to twice x's H and W (the cropped-off last row and
// column are not computed).
at::Tensor Up2x(FastConvTranspose2d& up, const at::Tensor& x) {
  return up->ForwardCropped(x, 2 * x.size(2), 2 * x.size(3));
}

// Stride-2 5x5 conv; the padding is applied by SamePad.
torch::nn::Conv2dOptions Down(int64_t in, int64_t out) {
  return torch::nn::Conv2dOptions(in, out, kKernel).stride(kStride).padding(0);
}

// TensorFlow's "SAME" padding for a kKernel x kKernel, stride-kStride conv:
// total = max((ceil(n / s) - 1) s + k - n, 0), floor(total / 2) before.
at::Tensor SamePad(const at::Tensor& x) {
  auto pads = [](int64_t n) {
    const int64_t out = (n + kStride - 1) / kStride;
    const int64_t total = std::max<int64_t>((out - 1) * kStride + kKernel - n, 0);
    return std::pair<int64_t, int64_t>(total / 2, total - total / 2);
  };
  const auto [top, bottom] = pads(x.size(2));
  const auto [left, right] = pads(x.size(3));
  return at::constant_pad_nd(x, {left, right, top, bottom});
}

at::Tensor AsImages(const at::Tensor& x, int64_t side) {
  return x.dim() == 2 ? x.view({x.size(0), 1, side, side}) : x;
}

// tflib Batchnorm as gan_mnist.py calls it: batch statistics always.
torch::nn::BatchNormOptions TflibBatchNorm(int64_t features) {
  return torch::nn::BatchNormOptions(features).eps(1e-5).affine(true).track_running_stats(false);
}

void ResetBatchNorm(const at::Tensor& weight, const at::Tensor& bias) {
  torch::NoGradGuard no_grad;
  weight.fill_(1);
  bias.zero_();
}

}  // namespace

// ---- WGAN-GP MNIST ----
WganGpGeneratorImpl::WganGpGeneratorImpl(int64_t dim, int64_t latent, bool batch_norm)
    : dim_(dim), latent_(latent), batch_norm_(batch_norm) {
  reset();
}

void WganGpGeneratorImpl::reset() {
  fc_ = register_module("fc", torch::nn::Linear(latent_, 4 * 4 * 4 * dim_));
  up1_ = register_module("up1", FastConvTranspose2d(Up(4 * dim_, 2 * dim_)));
  up2_ = register_module("up2", FastConvTranspose2d(Up(2 * dim_, dim_)));
  up3_ = register_module("up3", FastConvTranspose2d(Up(dim_, 1)));
  if (batch_norm_) {
    bn1_ = register_module("bn1", torch::nn::BatchNorm1d(TflibBatchNorm(4 * 4 * 4 * dim_)));
    bn2_ = register_module("bn2", torch::nn::BatchNorm2d(TflibBatchNorm(2 * dim_)));
    bn3_ = register_module("bn3", torch::nn::BatchNorm2d(TflibBatchNorm(dim_)));
  }
}

void WganGpGeneratorImpl::InitTflib() {
  TflibLinear(fc_->weight, fc_->bias, TflibLinearKind::kGlorot);
  TflibConv(up1_->weight, up1_->bias, kStride, /*transposed=*/true);
  TflibConv(up2_->weight, up2_->bias, kStride, /*transposed=*/true);
  TflibConv(up3_->weight, up3_->bias, kStride, /*transposed=*/true);
  if (batch_norm_) {
    ResetBatchNorm(bn1_->weight, bn1_->bias);
    ResetBatchNorm(bn2_->weight, bn2_->bias);
    ResetBatchNorm(bn3_->weight, bn3_->bias);
  }
}

at::Tensor WganGpGeneratorImpl::forward(const at::Tensor& z) {
  at::Tensor h = fc_->forward(z);
  if (batch_norm_) h = bn1_->forward(h);
  h = at::relu(h).view({-1, 4 * dim_, 4, 4});
  h = Up2x(up1_, h);  // 8x8
  if (batch_norm_) h = bn2_->forward(h);
  h = at::relu(h).narrow(2, 0, 7).narrow(3, 0, 7);  // crop 7x7
  h = Up2x(up2_, h);                     // 14x14
  if (batch_norm_) h = bn3_->forward(h);
  h = at::relu(h);
  return at::sigmoid(Up2x(up3_, h));  // 28x28
}

WganGpCriticImpl::WganGpCriticImpl(int64_t dim, bool batch_norm)
    : dim_(dim), batch_norm_(batch_norm) {
  reset();
}

void WganGpCriticImpl::reset() {
  c1_ = register_module("c1", torch::nn::Conv2d(Down(1, dim_)));
  c2_ = register_module("c2", torch::nn::Conv2d(Down(dim_, 2 * dim_)));
  c3_ = register_module("c3", torch::nn::Conv2d(Down(2 * dim_, 4 * dim_)));
  fc_ = register_module("fc", torch::nn::Linear(4 * 4 * 4 * dim_, 1));
  if (batch_norm_) {
    bn2_ = register_module("bn2", torch::nn::BatchNorm2d(TflibBatchNorm(2 * dim_)));
    bn3_ = register_module("bn3", torch::nn::BatchNorm2d(TflibBatchNorm(4 * dim_)));
  }
}

void WganGpCriticImpl::InitTflib() {
  TflibConv(c1_->weight, c1_->bias, kStride, /*transposed=*/false);
  TflibConv(c2_->weight, c2_->bias, kStride, /*transposed=*/false);
  TflibConv(c3_->weight, c3_->bias, kStride, /*transposed=*/false);
  TflibLinear(fc_->weight, fc_->bias, TflibLinearKind::kGlorot);
  if (batch_norm_) {
    ResetBatchNorm(bn2_->weight, bn2_->bias);
    ResetBatchNorm(bn3_->weight, bn3_->bias);
  }
}

at::Tensor WganGpCriticImpl::forward(const at::Tensor& x) {
  at::Tensor h = at::leaky_relu(c1_->forward(SamePad(AsImages(x, 28))), 0.2);  // 14x14
  h = c2_->forward(SamePad(h));                                                // 7x7
  if (batch_norm_) h = bn2_->forward(h);
  h = c3_->forward(SamePad(at::leaky_relu(h, 0.2)));  // 4x4
  if (batch_norm_) h = bn3_->forward(h);
  h = at::leaky_relu(h, 0.2);
  return fc_->forward(h.flatten(1)).squeeze(1);
}

}  // namespace otgan::nn

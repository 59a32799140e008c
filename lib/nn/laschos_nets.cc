#include "lib/nn/laschos_nets.h"


namespace otgan::nn {
namespace {

// ConvTranspose2d 5x5 stride 2 with "SAME"-like padding: doubles H and W.
torch::nn::ConvTranspose2dOptions Up(int64_t in, int64_t out) {
  return torch::nn::ConvTranspose2dOptions(in, out, 5).stride(2).padding(2).output_padding(1);
}

}  // namespace

// ---- Laschos ----
LaschosGeneratorImpl::LaschosGeneratorImpl(int64_t latent) : latent_(latent) { reset(); }

void LaschosGeneratorImpl::reset() {
  fc_ = register_module("fc", torch::nn::Linear(latent_, 4 * 4 * 256));
  ln0_ = register_module("ln0", torch::nn::LayerNorm(torch::nn::LayerNormOptions({256, 4, 4})));
  up1_ = register_module("up1", torch::nn::ConvTranspose2d(Up(256, 128)));
  ln1_ = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({128, 8, 8})));
  up2_ = register_module("up2", torch::nn::ConvTranspose2d(Up(128, 64)));
  ln2_ = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({64, 16, 16})));
  up3_ = register_module("up3", torch::nn::ConvTranspose2d(Up(64, 1)));
}

at::Tensor LaschosGeneratorImpl::forward(const at::Tensor& z) {
  at::Tensor h = at::relu(ln0_->forward(fc_->forward(z).view({-1, 256, 4, 4})));
  h = at::relu(ln1_->forward(up1_->forward(h)));  // 8x8
  h = at::relu(ln2_->forward(up2_->forward(h)));  // 16x16
  return at::tanh(up3_->forward(h));              // 32x32
}

}  // namespace otgan::nn

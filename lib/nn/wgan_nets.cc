#include "lib/nn/wgan_nets.h"


namespace otgan::nn {
namespace {

// ConvTranspose2d 5x5 stride 2 with "SAME"-like padding: doubles H and W.
torch::nn::ConvTranspose2dOptions Up(int64_t in, int64_t out) {
  return torch::nn::ConvTranspose2dOptions(in, out, 5).stride(2).padding(2).output_padding(1);
}

torch::nn::Conv2dOptions Down(int64_t in, int64_t out) {
  return torch::nn::Conv2dOptions(in, out, 5).stride(2).padding(2);
}

at::Tensor AsImages(const at::Tensor& x, int64_t side) {
  return x.dim() == 2 ? x.view({x.size(0), 1, side, side}) : x;
}

}  // namespace

// ---- WGAN-GP MNIST ----
WganGpGeneratorImpl::WganGpGeneratorImpl(int64_t dim, int64_t latent)
    : dim_(dim), latent_(latent) {
  reset();
}

void WganGpGeneratorImpl::reset() {
  fc_ = register_module("fc", torch::nn::Linear(latent_, 4 * 4 * 4 * dim_));
  up1_ = register_module("up1", torch::nn::ConvTranspose2d(Up(4 * dim_, 2 * dim_)));
  up2_ = register_module("up2", torch::nn::ConvTranspose2d(Up(2 * dim_, dim_)));
  up3_ = register_module("up3", torch::nn::ConvTranspose2d(Up(dim_, 1)));
}

at::Tensor WganGpGeneratorImpl::forward(const at::Tensor& z) {
  at::Tensor h = at::relu(fc_->forward(z)).view({-1, 4 * dim_, 4, 4});
  h = at::relu(up1_->forward(h));                                             // 8x8
  h = h.narrow(2, 0, 7).narrow(3, 0, 7);                                       // crop 7x7
  h = at::relu(up2_->forward(h));                                             // 14x14
  return at::sigmoid(up3_->forward(h));                                       // 28x28
}

WganGpCriticImpl::WganGpCriticImpl(int64_t dim) : dim_(dim) { reset(); }

void WganGpCriticImpl::reset() {
  c1_ = register_module("c1", torch::nn::Conv2d(Down(1, dim_)));
  c2_ = register_module("c2", torch::nn::Conv2d(Down(dim_, 2 * dim_)));
  c3_ = register_module("c3", torch::nn::Conv2d(Down(2 * dim_, 4 * dim_)));
  fc_ = register_module("fc", torch::nn::Linear(4 * 4 * 4 * dim_, 1));
}

at::Tensor WganGpCriticImpl::forward(const at::Tensor& x) {
  at::Tensor h = at::leaky_relu(c1_->forward(AsImages(x, 28)), 0.2);  // 14x14
  h = at::leaky_relu(c2_->forward(h), 0.2);                           // 7x7
  h = at::leaky_relu(c3_->forward(h), 0.2);                           // 4x4
  return fc_->forward(h.flatten(1)).squeeze(1);
}

}  // namespace otgan::nn

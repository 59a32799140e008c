// The WGAN-GP authors' MNIST nets (Gulrajani 2017, gan_mnist.py, DIM = 64),
// also used for WGAN (Arjovsky 2017 gives no MNIST architecture; sharing the
// nets makes the two comparable).
//
//   otgan::nn::WganGpGenerator g(64);
//   at::Tensor x = g->forward(at::randn({50, 128}));  // [50, 1, 28, 28] in (0, 1)
#ifndef OTGAN_LIB_NN_WGAN_NETS_H_
#define OTGAN_LIB_NN_WGAN_NETS_H_

#include <cstdint>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace otgan::nn {

// ---------------------------------------------------------------------------
// WGAN-GP MNIST [code]: G: Linear 128 -> 4*4*4*DIM, ReLU, deconv 5x5 -> 2*DIM,
// ReLU, crop 7x7, deconv -> DIM, ReLU, deconv -> 1, sigmoid (28x28).
// D: conv 5x5 stride 2 with DIM, 2*DIM, 4*DIM channels, LeakyReLU 0.2, Linear -> 1.
// ---------------------------------------------------------------------------
class WganGpGeneratorImpl : public torch::nn::Cloneable<WganGpGeneratorImpl> {
 public:
  explicit WganGpGeneratorImpl(int64_t dim = 64, int64_t latent = 128);
  void reset() override;
  at::Tensor forward(const at::Tensor& z);  // [N, latent] -> [N, 1, 28, 28] in (0, 1)
  int64_t latent() const { return latent_; }

 private:
  int64_t dim_, latent_;
  torch::nn::Linear fc_{nullptr};
  torch::nn::ConvTranspose2d up1_{nullptr}, up2_{nullptr}, up3_{nullptr};
};
TORCH_MODULE(WganGpGenerator);

class WganGpCriticImpl : public torch::nn::Cloneable<WganGpCriticImpl> {
 public:
  explicit WganGpCriticImpl(int64_t dim = 64);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);  // [N, 1, 28, 28] (or [N, 784]) -> [N]

 private:
  int64_t dim_;
  torch::nn::Conv2d c1_{nullptr}, c2_{nullptr}, c3_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(WganGpCritic);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_WGAN_NETS_H_

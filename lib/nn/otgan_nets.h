// OT-GAN (Salimans 2018) nets for MNIST: weight normalisation, GLU in the
// generator, CReLU in the critic, l2-normalised critic embedding.
//
//   otgan::nn::OtganGenerator g(64, 100);
//   at::Tensor x = g->forward(at::rand({8, 100}) * 2 - 1);  // [8, 1, 28, 28] in (0, 1)
#ifndef OTGAN_LIB_NN_OTGAN_NETS_H_
#define OTGAN_LIB_NN_OTGAN_NETS_H_

#include <cstdint>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace otgan::nn {

// ---------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------

// cat(relu(x), relu(-x)) along dim 1: doubles the channels (Shang et al. 2016).
at::Tensor CRelu(const at::Tensor& x);

// Weight-normalised layers (Salimans & Kingma 2016): w = g * v / |v| per
// output unit. Initialised with g = |v| so the initial function equals the
// default-initialised plain layer (no data-dependent initialisation).
class WNLinearImpl : public torch::nn::Cloneable<WNLinearImpl> {
 public:
  WNLinearImpl(int64_t in, int64_t out);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);
  at::Tensor weight() const;  // the effective weight g * v / |v|

 private:
  int64_t in_, out_;
  at::Tensor v_, g_, b_;
};
TORCH_MODULE(WNLinear);

// Conv2d (transposed = false) or ConvTranspose2d (transposed = true) with a
// square kernel; transposed layers double the spatial size for stride 2.
class WNConv2dImpl : public torch::nn::Cloneable<WNConv2dImpl> {
 public:
  WNConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, bool transposed);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);

 private:
  int64_t in_, out_, kernel_, stride_;
  bool transposed_;
  at::Tensor v_, g_, b_;
};
TORCH_MODULE(WNConv2d);

// ---------------------------------------------------------------------------
// OT-GAN, scaled down to MNIST (the paper's CIFAR nets are far larger):
// G: z [N, latent] -> WN-Linear -> GLU -> [2*dim, 7, 7] -> WN-deconv 5x5 -> GLU
//    -> [dim, 14, 14] -> WN-deconv 5x5 -> sigmoid [1, 28, 28].
// Critic: WN-conv 5x5/2 (dim/2) -> CReLU -> WN-conv 5x5/2 (dim) -> CReLU ->
//    WN-Linear -> embedding [embed], l2-normalised.
// ---------------------------------------------------------------------------
class OtganGeneratorImpl : public torch::nn::Cloneable<OtganGeneratorImpl> {
 public:
  explicit OtganGeneratorImpl(int64_t dim = 64, int64_t latent = 100);
  void reset() override;
  at::Tensor forward(const at::Tensor& z);
  int64_t latent() const { return latent_; }

 private:
  int64_t dim_, latent_;
  WNLinear fc_{nullptr};
  WNConv2d up1_{nullptr}, up2_{nullptr};
};
TORCH_MODULE(OtganGenerator);

class OtganCriticImpl : public torch::nn::Cloneable<OtganCriticImpl> {
 public:
  explicit OtganCriticImpl(int64_t dim = 64, int64_t embed = 256);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);  // [N, 1, 28, 28] -> [N, embed], unit rows

 private:
  int64_t dim_, embed_;
  WNConv2d c1_{nullptr}, c2_{nullptr};
  WNLinear fc_{nullptr};
};
TORCH_MODULE(OtganCritic);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_OTGAN_NETS_H_

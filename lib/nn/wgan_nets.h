// The WGAN-GP authors' MNIST nets (Gulrajani 2017, gan_mnist.py, DIM = 64),
// also used for WGAN (Arjovsky 2017 gives no MNIST architecture; the same
// file's MODE='wgan' trains them with weight clipping, adding batch norm).
//
//   otgan::nn::WganGpGenerator g(64, 128, /*batch_norm=*/true);
//   g->InitTflib();                                    // gan_mnist.py's initialisation
//   at::Tensor x = g->forward(at::randn({50, 128}));  // [50, 1, 28, 28] in (0, 1)
//
// Padding follows TensorFlow's "SAME" rule of the code: the stride-2 5x5
// convolutions pad (k - s) / 2 rounded down before and the rest after (28 ->
// 14 and 14 -> 7 pad 1 before, 2 after; 7 -> 4 pads 2 and 2), and each
// stride-2 deconvolution is the adjoint of such a convolution (LibTorch
// padding 1, output cropped to twice the input size).
//
// Batch norm (constructor option, gan_mnist.py's MODE='wgan'): tflib's
// Batchnorm as the code calls it (tflib/ops/batchnorm.py, is_training=None):
// always the statistics of the batch being normalised (biased variance,
// epsilon 1e-5; no running averages are used, in training or sampling),
// learned per-channel scale (init 1) and offset (init 0). G: after the Linear
// (axes [0]: per feature over the batch), after deconvs 1 and 2 (axes
// [0, 2, 3]: per channel); D: after convs 2 and 3. With batch norm a
// sample depends on the rest of its batch, so the critic must see real and
// fake batches in separate calls, as the code does.
#ifndef OTGAN_LIB_NN_WGAN_NETS_H_
#define OTGAN_LIB_NN_WGAN_NETS_H_

#include <cstdint>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "lib/nn/conv_transpose.h"

namespace otgan::nn {

// ---------------------------------------------------------------------------
// WGAN-GP MNIST [code]: G: Linear 128 -> 4*4*4*DIM, (BN), ReLU, deconv 5x5 ->
// 2*DIM, (BN), ReLU, crop 7x7, deconv -> DIM, (BN), ReLU, deconv -> 1,
// sigmoid (28x28). D: conv 5x5 stride 2 with DIM, 2*DIM (BN), 4*DIM (BN)
// channels, LeakyReLU 0.2, Linear -> 1. (BN) only with batch_norm.
// ---------------------------------------------------------------------------
class WganGpGeneratorImpl : public torch::nn::Cloneable<WganGpGeneratorImpl> {
 public:
  explicit WganGpGeneratorImpl(int64_t dim = 64, int64_t latent = 128, bool batch_norm = false);
  void reset() override;
  at::Tensor forward(const at::Tensor& z);  // [N, latent] -> [N, 1, 28, 28] in (0, 1)
  int64_t latent() const { return latent_; }
  bool batch_norm() const { return batch_norm_; }

  // Re-draws the weights as tflib does in gan_mnist.py (no autograd; LibTorch's
  // default generator): the Linear glorot (stdev sqrt(2/(in+out)), linear.py
  // default), the deconvs he_init (stdev sqrt(4/(fan_in/4 + fan_out)),
  // deconv2d.py), all uniform; biases zero; batch-norm scale 1, offset 0.
  void InitTflib();

 private:
  int64_t dim_, latent_;
  bool batch_norm_;
  torch::nn::Linear fc_{nullptr};
  // ConvTranspose2d's options, parameters and names, computed as one stride-1
  // conv2d (lib/nn/conv_transpose.h): 3-10x faster on CPU.
  FastConvTranspose2d up1_{nullptr}, up2_{nullptr}, up3_{nullptr};
  torch::nn::BatchNorm1d bn1_{nullptr};
  torch::nn::BatchNorm2d bn2_{nullptr}, bn3_{nullptr};
};
TORCH_MODULE(WganGpGenerator);

class WganGpCriticImpl : public torch::nn::Cloneable<WganGpCriticImpl> {
 public:
  explicit WganGpCriticImpl(int64_t dim = 64, bool batch_norm = false);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);  // [N, 1, 28, 28] (or [N, 784]) -> [N]
  bool batch_norm() const { return batch_norm_; }

  // tflib's initialisation (conv2d.py he_init: stdev sqrt(4/(fan_in +
  // fan_out/4)); the output Linear glorot); biases zero; BN scale 1, offset 0.
  void InitTflib();

 private:
  int64_t dim_;
  bool batch_norm_;
  torch::nn::Conv2d c1_{nullptr}, c2_{nullptr}, c3_{nullptr};
  torch::nn::Linear fc_{nullptr};
  torch::nn::BatchNorm2d bn2_{nullptr}, bn3_{nullptr};
};
TORCH_MODULE(WganGpCritic);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_WGAN_NETS_H_

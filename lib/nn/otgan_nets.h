// OT-GAN (Salimans et al. 2018) nets as in the official code, openai/ot-gan
// @e0673f0, models/dcgan.py and utils/nn.py, scaled to 28x28 MNIST:
// weight-normalised layers with (optional) data-dependent initialisation, a
// generator of nearest-neighbour upsampling + 5x5 convolutions + gated linear
// units (no transposed convolutions), and a critic whose embedding is the
// l2-normalised flattened CReLU feature map.
//
//   otgan::nn::OtganGenerator g(32, 100);
//   otgan::nn::OtganCritic d(128);
//   {
//     at::NoGradGuard no_grad;            // utils/nn.py's init pass, fresh runs only
//     d->DataInit(real_batch_in_pm1);     // [N, 1, 28, 28] in [-1, 1]
//     g->DataInit(at::rand({N, 100}) * 2 - 1);
//   }
//   at::Tensor x = g->forward(at::rand({8, 100}) * 2 - 1);  // [8, 1, 28, 28] in (-1, 1)
//   at::Tensor e = d->forward(x);  // [8, 2 * 128 * 7 * 7], unit rows, entries >= 0
#ifndef OTGAN_LIB_NN_OTGAN_NETS_H_
#define OTGAN_LIB_NN_OTGAN_NETS_H_

#include <cstdint>
#include <string>

#include <ATen/ATen.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace otgan::nn {

// ---------------------------------------------------------------------------
// Layers (utils/nn.py: get_params, dense, conv2d)
// ---------------------------------------------------------------------------

// cat(relu(x), relu(-x)) along dim 1: doubles the channels (Shang et al. 2016).
at::Tensor CRelu(const at::Tensor& x);

// Nearest-neighbour 2x upsampling of [N, C, H, W] (dcgan.py:38-46,
// tf.image.resize_nearest_neighbor to twice the size): out[i, j] =
// x[i / 2, j / 2]. ATen's upsample_nearest2d, whose backward sums each 2x2
// block directly (two repeat_interleave calls, as before, backpropagate by
// index_add_, ~3% of the generator update).
at::Tensor Upsample2(const at::Tensor& x);

// Weight-normalised layers (Salimans & Kingma 2016): w = g * v / |v| per
// output unit, y = x w + b. Parameters "v", "g", "b" start as the official
// code's variable initialisers: v ~ N(0, 0.05^2), g = 1, b = 0 (nn.py:123-127,
// 143, 160), so each output unit starts with a unit-norm weight vector.
//
// DataInit(x) is nn.py's init pass (nn.py:133-162): with t = x (v / |v|) (no
// bias), m and s^2 the mean and (biased) variance of t over every axis but
// the output unit, it sets g = init_scale / s and b = -m * init_scale / s, and
// returns the layer's output with those values (zero mean, std init_scale
// per unit on x), which the next layer's init pass consumes. s^2 is clamped
// at 1e-12 (the code has no guard).
class WNLinearImpl : public torch::nn::Cloneable<WNLinearImpl> {
 public:
  WNLinearImpl(int64_t in, int64_t out);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);
  at::Tensor DataInit(const at::Tensor& x, double init_scale = 1.0);
  at::Tensor weight() const;  // the effective weight g * v / |v|, [out, in]

 private:
  int64_t in_, out_;
  at::Tensor v_, g_, b_;
};
TORCH_MODULE(WNLinear);

// Stride-s convolution with a square kernel and TF "SAME" padding: per spatial
// dim of size n, total padding max((ceil(n/s) - 1) s + k - n, 0), the smaller
// half before (5x5 stride 2 on 28: 1 before, 2 after; stride 1: 2 and 2).
class WNConv2dImpl : public torch::nn::Cloneable<WNConv2dImpl> {
 public:
  WNConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride);
  void reset() override;
  at::Tensor forward(const at::Tensor& x);
  at::Tensor DataInit(const at::Tensor& x, double init_scale = 1.0);

  // Stride > 1 and true: the input gradient by one stride-1 convolution per
  // output phase (lib/nn/strided_conv.h; same values). Off by default: in the
  // OT-GAN MNIST step it measured 4-9% slower than ATen's own here, the
  // convolutions' gain eaten by the interleave's copies (bench/train_step
  // --otgan_phase_conv_backward times both).
  bool polyphase_input_grad = false;

 private:
  at::Tensor Conv(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const;
  int64_t in_, out_, kernel_, stride_;
  at::Tensor v_, g_, b_;
};
TORCH_MODULE(WNConv2d);

// ---------------------------------------------------------------------------
// Nets (models/dcgan.py), scaled to MNIST
// ---------------------------------------------------------------------------

// dcgan.py:28-52 for 32x32x3 CIFAR: WN-dense 100 -> 2 x 4x4x1024, GLU; then
// three times (nearest-neighbour upsample x2, WN-conv 5x5 to 2 x C, GLU) with
// C = 512, 256, 128; WN-conv 5x5 to 3 (init_scale 0.1), tanh.
// MNIST (28 = 7 x 4): WN-dense latent -> 2 x 7x7x(2 dim), GLU; two times
// (upsample x2, WN-conv 5x5 to 2 x C, GLU) with C = dim, dim / 2 (7 -> 14 -> 28);
// WN-conv 5x5 to 1 (init_scale 0.1), tanh. Output in (-1, 1), [N, 1, 28, 28].
class OtganGeneratorImpl : public torch::nn::Cloneable<OtganGeneratorImpl> {
 public:
  explicit OtganGeneratorImpl(int64_t dim = 32, int64_t latent = 100);
  void reset() override;
  at::Tensor forward(const at::Tensor& z);
  // The init pass on latents z (the code draws its own batch, dcgan.py:30).
  // Call under at::NoGradGuard; returns the generated images.
  at::Tensor DataInit(const at::Tensor& z);
  int64_t latent() const { return latent_; }
  int64_t dim() const { return dim_; }
  // One line for a manifest, e.g. "OtganGenerator(dim=32, latent=100): ...".
  std::string Describe() const;

 private:
  at::Tensor Run(const at::Tensor& z, bool init);
  int64_t dim_, latent_;
  WNLinear fc_{nullptr};
  WNConv2d c1_{nullptr}, c2_{nullptr}, out_{nullptr};
};
TORCH_MODULE(OtganGenerator);

// dcgan.py:7-22 for CIFAR: WN-conv 5x5 to 128 (no pre-activation); WN-conv
// 5x5/2 to 256, 512, 1024, each on CReLU of its input; CReLU; flatten;
// l2-normalise (the embedding: non-negative, unit rows, so the cosine cost
// 1 - <e, e'> lies in [0, 1]).
// MNIST: WN-conv 5x5 to dim/4 (28x28); WN-conv 5x5/2 on CReLU to dim/2 (14x14)
// and to dim (7x7); CReLU; flatten -> 2 * dim * 49 features; l2-normalise.
class OtganCriticImpl : public torch::nn::Cloneable<OtganCriticImpl> {
 public:
  explicit OtganCriticImpl(int64_t dim = 128);
  void reset() override;
  // x [N, 1, 28, 28] or [N, 784], in [-1, 1] -> [N, embed_size()], unit rows.
  at::Tensor forward(const at::Tensor& x);
  // The init pass on a real batch (train.py:52-53,189). Call under NoGradGuard.
  at::Tensor DataInit(const at::Tensor& x);
  int64_t embed_size() const { return 2 * dim_ * 7 * 7; }
  // Sets WNConv2d::polyphase_input_grad of the strided layers (default false).
  void SetPolyphaseInputGrad(bool on);
  // One line for a manifest, e.g. "OtganCritic(dim=64): ... (6272 features) ...".
  std::string Describe() const;

 private:
  at::Tensor Run(const at::Tensor& x, bool init);
  int64_t dim_;
  WNConv2d c0_{nullptr}, c1_{nullptr}, c2_{nullptr};
};
TORCH_MODULE(OtganCritic);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_OTGAN_NETS_H_

// Laschos et al. 2019 generator, as in their code (the assigner is an Mlp,
// lib/nn/mlp.h, initialised with LaschosGlorotInit below).
//
// artnoage/Optimal-Transport-GAN @ 09a4c89, src/networks/DeconvNew32.py:
//   :16-19  tf.layers.dense(z, 4*4*256) -> keras LayerNormalization() -> relu -> [4,4,256]
//   :22-24  conv2d_transpose(128, 5, strides 2, 'same') -> LayerNormalization() -> relu
//   :27-29  conv2d_transpose(64, 5, strides 2, 'same') -> LayerNormalization() -> relu
//   :32-34  conv2d_transpose(1, 5, strides 2, 'same') -> tanh
// Keras LayerNormalization() normalises the last axis with epsilon 1e-3 and a
// per-feature gamma/beta: after the dense layer that is all 4096 features, on
// the NHWC conv maps it is each pixel over its channels (ours: NCHW, so over
// dimension 1 per pixel). TF's 'same' transposed convolution of a 5x5 kernel
// at stride 2 places input i's tap k at output 2i + k - 1 (1 pixel of padding
// before, 2 after); ConvTranspose2d(padding 1) gives that grid plus one extra
// last row and column. up1/up2/up3 hold ConvTranspose2d(padding 1) parameters
// (LibTorch layout [in, out, 5, 5]) and forward() computes TF's 2H x 2W output
// from them directly, as one 3x3 convolution per layer over the four output
// phases, in channels-last memory (oneDNN's fast path; tests/nn/nets_test.cc
// checks it against at::conv_transpose2d cropped). Weights and biases:
// Keras/tf.layers defaults, glorot_uniform and zeros (no kernel_initializer is
// passed).
//
//   otgan::nn::LaschosGenerator g(250);
//   at::Tensor x = g->forward(at::randn({50, 250}));  // [50, 1, 32, 32] in (-1, 1)
#ifndef OTGAN_LIB_NN_LASCHOS_NETS_H_
#define OTGAN_LIB_NN_LASCHOS_NETS_H_

#include <cstdint>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "lib/nn/conv_transpose.h"
#include "lib/nn/mlp.h"

namespace otgan::nn {

// Keras LayerNormalization()'s default epsilon (added to the variance).
inline constexpr double kKerasLayerNormEps = 1e-3;

// Keras LayerNormalization() on an NHWC map, for NCHW x [N, C, H, W]: each
// pixel is normalised over its C channels (biased variance, + eps inside the
// square root), then scaled and shifted per channel: gamma, beta [C].
at::Tensor ChannelLayerNorm(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& beta,
                            double eps = kKerasLayerNormEps);

// ---------------------------------------------------------------------------
// Laschos 2019 generator [code]: [N, latent] -> [N, 1, 32, 32] in (-1, 1).
// Parameters: fc (Linear latent -> 4096), ln0 (LayerNorm over the 4096
// features), up1/up2/up3 (transposed convs 256 -> 128 -> 64 -> 1, LibTorch
// layout [in, out, 5, 5]), ln1_gamma/beta [128], ln2_gamma/beta [64].
// reset() initialises as Keras does: glorot_uniform weights, zero biases,
// LayerNorm gamma 1 and beta 0.
// ---------------------------------------------------------------------------
class LaschosGeneratorImpl : public torch::nn::Cloneable<LaschosGeneratorImpl> {
 public:
  explicit LaschosGeneratorImpl(int64_t latent = 250);
  void reset() override;
  at::Tensor forward(const at::Tensor& z);
  int64_t latent() const { return latent_; }

 private:
  int64_t latent_;
  torch::nn::Linear fc_{nullptr};
  torch::nn::LayerNorm ln0_{nullptr};
  at::Tensor ln1_gamma_, ln1_beta_, ln2_gamma_, ln2_beta_;
  FastConvTranspose2d up1_{nullptr}, up2_{nullptr}, up3_{nullptr};
};
TORCH_MODULE(LaschosGenerator);

// Keras glorot_uniform weights and zero biases on every Linear layer of an
// Mlp: the assigner network of their code, src/networks/DenseCritic.py:16-20
// (tf.layers.dense without kernel_initializer, i.e. glorot_uniform, zeros).
void LaschosGlorotInit(Mlp& mlp);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_LASCHOS_NETS_H_

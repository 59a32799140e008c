// Weight initialisation schemes of the replicated papers' code, as named parts.
//
// LibTorch's defaults (kaiming_uniform(a = sqrt(5)) weights, random biases)
// differ from every replicated codebase, and for ConvTranspose2d PyTorch reads
// the fan-in from the *output* channels (the weight is stored [in, out, kh, kw];
// PyTorch PR #30079), which makes those weights about 2.8x smaller than
// intended. Each function here names the scheme, reads fans from the layout it
// is told, and zeroes the bias, as the authors' code did.
//
//   tflib (igul222/improved_wgan_training @ fa66c57, tflib/ops/):
//     Linear   glorot  stdev sqrt(2/(in+out))         (linear.py:55-60, default)
//              he      stdev sqrt(2/in)               (linear.py:62-67)
//     Conv2D   he_init stdev sqrt(4/(fan_in+fan_out)), fan_in = in k^2,
//              fan_out = out k^2 / stride^2           (conv2d.py:62-70, he_init=True default)
//     Deconv2D he_init stdev sqrt(4/(fan_in+fan_out)), fan_in = in k^2 / stride^2,
//              fan_out = out k^2                      (deconv2d.py:48-55, he_init=True default)
//     all drawn U[-stdev sqrt(3), stdev sqrt(3)], biases zero.
//   Keras / tf.layers glorot_uniform (Laschos et al. code): U[-l, l],
//     l = sqrt(6/(fan_in+fan_out)), fans = channels x kernel area, biases zero.
//
//   otgan::nn::TflibLinear(fc->weight, fc->bias, otgan::nn::TflibLinearKind::kGlorot);
//   otgan::nn::TflibConv(conv->weight, conv->bias, /*stride=*/2, /*transposed=*/false);
//   otgan::nn::GlorotUniform(up->weight, up->bias, otgan::nn::Layout::kConvTranspose);
#ifndef OTGAN_LIB_NN_INIT_H_
#define OTGAN_LIB_NN_INIT_H_

#include <cstdint>

#include <ATen/ATen.h>

namespace otgan::nn {

// How a weight tensor stores its dimensions.
enum class Layout {
  kLinear,         // [out, in]
  kConv,           // [out, in, kh, kw]
  kConvTranspose,  // [in, out, kh, kw] (LibTorch's ConvTranspose2d)
};

// Fan-in (input channels x kernel area) and fan-out (output channels x kernel
// area) of a weight stored in `layout`, read from the right dimensions.
struct Fans {
  double in = 0;
  double out = 0;
};
Fans FansOf(const at::Tensor& weight, Layout layout);

// Fills `weight` in place with U[-stdev sqrt(3), stdev sqrt(3)] (mean 0,
// standard deviation stdev), without autograd. Draws from LibTorch's default
// generator, so at::manual_seed makes it reproducible.
void UniformWithStdev(at::Tensor weight, double stdev);

// Zeroes `bias` in place when it is defined.
void ZeroBias(at::Tensor bias);

enum class TflibLinearKind { kGlorot, kHe };

// tflib Linear: glorot (the default, stdev sqrt(2/(in+out))) or he
// (stdev sqrt(2/in)); weight [out, in]; zero bias.
void TflibLinear(at::Tensor weight, at::Tensor bias, TflibLinearKind kind);

// The stdev tflib's Conv2D (transposed = false) or Deconv2D (transposed =
// true) gives a 2-d convolution weight with he_init=True, its default.
double TflibConvStdev(const Fans& fans, int64_t stride, bool transposed);

// tflib Conv2D / Deconv2D with he_init=True: U with stdev TflibConvStdev;
// weight in LibTorch's layout (kConv, or kConvTranspose when transposed); zero bias.
void TflibConv(at::Tensor weight, at::Tensor bias, int64_t stride, bool transposed);

// Keras glorot_uniform: U[-l, l], l = sqrt(6/(fan_in+fan_out)); zero bias.
void GlorotUniform(at::Tensor weight, at::Tensor bias, Layout layout);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_INIT_H_

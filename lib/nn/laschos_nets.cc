#include "lib/nn/laschos_nets.h"

#include <vector>

#include <c10/util/Exception.h>

#include "lib/nn/init.h"

namespace otgan::nn {
namespace {

// ConvTranspose2d 5x5 stride 2, padding 1: its output grid (input i, tap k ->
// output 2i + k - 1) is TF's 'same' grid plus one extra last row and column.
// The module only holds the parameters (LibTorch layout [in, out, 5, 5]);
// SameDeconv computes TF's 2H x 2W output directly.
torch::nn::ConvTranspose2dOptions Up(int64_t in, int64_t out) {
  return torch::nn::ConvTranspose2dOptions(in, out, 5).stride(2).padding(1);
}

// TF 'same' conv2d_transpose, 5x5 kernel, stride 2, of x [N, Cin, H, W] in
// channels-last memory -> [N, Cout, 2H, 2W] in channels-last memory.
// Output row 2m + r only sees taps k = 2m + r + 1 - 2i: for r = 0 the taps
// (3, 1, -) at inputs (m-1, m, m+1), for r = 1 the taps (4, 2, 0). So the four
// output phases (ry, rx) are one 3x3 stride-1 convolution (padding 1) with
// 4 Cout output channels, ordered (ry, rx, c), whose result is interleaved.
// Channels-last keeps LibTorch's oneDNN convolution on its fast path (3-4x
// faster than NCHW here) and makes the per-pixel LayerNorm a contiguous
// last-axis normalisation.
at::Tensor SameDeconv(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  const int64_t cin = weight.size(0), cout = weight.size(1);
  // Tap index per (phase, offset); 5 is a zero tap appended to the kernel.
  static const std::vector<int64_t> kTaps = {3, 1, 5, 4, 2, 0};
  const at::Tensor taps = at::tensor(kTaps, at::TensorOptions().dtype(at::kLong).device(weight.device()));
  at::Tensor w = at::constant_pad_nd(weight, {0, 1, 0, 1})  // [in, out, 6, 6]
                     .index_select(2, taps)
                     .index_select(3, taps)                  // [in, out, (ry, a), (rx, b)]
                     .view({cin, cout, 2, 3, 2, 3})
                     .permute({2, 4, 1, 0, 3, 5})            // [ry, rx, out, in, a, b]
                     .reshape({4 * cout, cin, 3, 3})
                     .contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor z = at::conv2d(x.contiguous(at::MemoryFormat::ChannelsLast), w, bias.repeat({4}),
                            /*stride=*/{1, 1}, /*padding=*/{1, 1});  // [N, 4 Cout, H, W]
  const int64_t n = z.size(0), h = z.size(2), wd = z.size(3);
  return z.permute({0, 2, 3, 1})                     // [N, H, W, 4 Cout] (contiguous)
      .reshape({n, h, wd, 2, 2, cout})
      .permute({0, 1, 3, 2, 4, 5})                   // [N, H, ry, W, rx, C]
      .reshape({n, 2 * h, 2 * wd, cout})
      .permute({0, 3, 1, 2});                        // [N, C, 2H, 2W], channels-last memory
}

}  // namespace

at::Tensor ChannelLayerNorm(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& beta,
                            double eps) {
  TORCH_CHECK(x.dim() == 4, "ChannelLayerNorm: expected [N, C, H, W], got ", x.sizes());
  const int64_t c = x.size(1);
  TORCH_CHECK(gamma.numel() == c && beta.numel() == c, "ChannelLayerNorm: gamma and beta need ",
              c, " entries, got ", gamma.numel(), " and ", beta.numel());
  // NHWC, normalise the last axis (LibTorch's fused kernel), back to NCHW
  // logical order (channels-last memory; no copy when x already is). In the
  // parameters' type: under bf16 autocast (lib/train/precision.h) x arrives
  // in bf16, and LibTorch 1.13's CPU layer norm takes one type only.
  return at::layer_norm(x.to(gamma.scalar_type()).permute({0, 2, 3, 1}), {c}, gamma, beta, eps)
      .permute({0, 3, 1, 2});
}

// ---- Laschos ----
LaschosGeneratorImpl::LaschosGeneratorImpl(int64_t latent) : latent_(latent) { reset(); }

void LaschosGeneratorImpl::reset() {
  fc_ = register_module("fc", torch::nn::Linear(latent_, 4 * 4 * 256));
  ln0_ = register_module(
      "ln0", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4 * 4 * 256}).eps(kKerasLayerNormEps)));
  up1_ = register_module("up1", FastConvTranspose2d(Up(256, 128)));
  ln1_gamma_ = register_parameter("ln1_gamma", at::ones({128}));
  ln1_beta_ = register_parameter("ln1_beta", at::zeros({128}));
  up2_ = register_module("up2", FastConvTranspose2d(Up(128, 64)));
  ln2_gamma_ = register_parameter("ln2_gamma", at::ones({64}));
  ln2_beta_ = register_parameter("ln2_beta", at::zeros({64}));
  up3_ = register_module("up3", FastConvTranspose2d(Up(64, 1)));
  // Keras / tf.layers defaults: glorot_uniform kernels, zero biases.
  GlorotUniform(fc_->weight, fc_->bias, Layout::kLinear);
  GlorotUniform(up1_->weight, up1_->bias, Layout::kConvTranspose);
  GlorotUniform(up2_->weight, up2_->bias, Layout::kConvTranspose);
  GlorotUniform(up3_->weight, up3_->bias, Layout::kConvTranspose);
}

at::Tensor LaschosGeneratorImpl::forward(const at::Tensor& z) {
  // Dense -> LayerNorm(4096) -> relu -> reshape to NHWC [N, 4, 4, 256] as the
  // code does (DeconvNew32.py:16-19); NCHW logical view, channels-last memory.
  // (The layer norm in its parameters' type, as ChannelLayerNorm.)
  at::Tensor h = at::relu(ln0_->forward(fc_->forward(z).to(ln0_->weight.scalar_type())))
                     .view({-1, 4, 4, 256})
                     .permute({0, 3, 1, 2});
  h = at::relu(ChannelLayerNorm(SameDeconv(h, up1_->weight, up1_->bias), ln1_gamma_, ln1_beta_));
  h = at::relu(ChannelLayerNorm(SameDeconv(h, up2_->weight, up2_->bias), ln2_gamma_, ln2_beta_));
  return at::tanh(SameDeconv(h, up3_->weight, up3_->bias)).contiguous();  // [N, 1, 32, 32]
}

void LaschosGlorotInit(Mlp& mlp) {
  for (const torch::nn::Linear& layer : mlp->layers()) {
    GlorotUniform(layer->weight, layer->bias, Layout::kLinear);
  }
}

}  // namespace otgan::nn

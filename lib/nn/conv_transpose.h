// A transposed 2-d convolution computed as one ordinary stride-1 convolution
// plus an interleave (the sub-pixel / polyphase decomposition), a drop-in for
// torch::nn::ConvTranspose2d on CPU.
//
// Why: Debian's LibTorch 1.13.1 runs ConvTranspose2d through its slow
// col2im path (no oneDNN), 3-4x slower than an ordinary convolution with the
// same multiply-adds (/work/shared/ENVIRONMENT.md, "Training throughput").
// Output pixel oy of a stride-s transposed convolution only sees the kernel
// taps ky = (oy + p) mod s (mod s), so each of the s*s output phases is a
// stride-1 correlation of the input with a flipped sub-kernel. All phases are
// stacked as the output channels of one conv2d (sub-kernels zero-padded to
// ceil(k/s) taps), whose result is interleaved into the output grid and
// cropped. Everything is built from differentiable ATen ops, so the backward
// (and the double backward a gradient penalty through a generator needs)
// is autograd's; the parameters keep ConvTranspose2d's layout, names and
// initialisation (weight [in, out, kh, kw], bias [out]), so checkpoints and
// the schemes of lib/nn/init.h (Layout::kConvTranspose) apply unchanged.
//
//   otgan::nn::FastConvTranspose2d up(
//       torch::nn::ConvTranspose2dOptions(256, 128, 5).stride(2).padding(2).output_padding(1));
//   at::Tensor y = up->forward(at::randn({50, 256, 4, 4}));  // [50, 128, 8, 8]
//
// Dilation != 1 or groups != 1 fall back to at::conv_transpose2d (correct,
// not faster).
#ifndef OTGAN_LIB_NN_CONV_TRANSPOSE_H_
#define OTGAN_LIB_NN_CONV_TRANSPOSE_H_

#include <cstdint>

#include <ATen/ATen.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/options/conv.h>
#include <torch/nn/pimpl.h>

namespace otgan::nn {

// Equals at::conv_transpose2d(input, weight, bias, stride, padding,
// output_padding) (groups 1, dilation 1) in value and in every gradient.
// input [N, in, H, W]; weight [in, out, kh, kw]; bias [out] or undefined.
// max_output_size {rows, cols} (0 = all) returns only the first rows x cols
// of that output, and computes only what they need (for generators that crop
// a 2H + 1 output to 2H).
at::Tensor PolyphaseConvTranspose2d(const at::Tensor& input, const at::Tensor& weight,
                                    const at::Tensor& bias, at::IntArrayRef stride,
                                    at::IntArrayRef padding, at::IntArrayRef output_padding,
                                    at::IntArrayRef max_output_size = {});

class FastConvTranspose2dImpl : public torch::nn::Cloneable<FastConvTranspose2dImpl> {
 public:
  explicit FastConvTranspose2dImpl(torch::nn::ConvTranspose2dOptions options);
  FastConvTranspose2dImpl(int64_t in, int64_t out, torch::ExpandingArray<2> kernel)
      : FastConvTranspose2dImpl(torch::nn::ConvTranspose2dOptions(in, out, kernel)) {}
  // Draws the weight and bias exactly as torch::nn::ConvTranspose2d does (same
  // random stream), so swapping the module type keeps seeded runs identical.
  void reset() override;
  at::Tensor forward(const at::Tensor& input);  // [N, in, H, W] -> [N, out, H', W']
  // forward(input) cropped to its first rows x cols (0 = all), without
  // computing the cropped-off outputs.
  at::Tensor ForwardCropped(const at::Tensor& input, int64_t rows, int64_t cols);

  torch::nn::ConvTranspose2dOptions options;
  at::Tensor weight;  // [in, out / groups, kh, kw]
  at::Tensor bias;    // [out], undefined when options.bias() is false
};
TORCH_MODULE(FastConvTranspose2d);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_CONV_TRANSPOSE_H_

// A strided 2-d convolution whose input gradient runs as s*s stride-1
// convolutions, one per output phase (the polyphase decomposition of the
// transposed convolution, as in lib/nn/conv_transpose.h), a drop-in for
// at::conv2d in nets that backpropagate through strided convolutions.
//
// Why: the input gradient of a stride-s convolution is a stride-s transposed
// convolution, which Debian's LibTorch 1.13.1 computes ~2x slower than the
// forward convolution with the same multiply-adds. Per phase it is a stride-1
// oneDNN convolution: at OT-GAN's critic shapes (batch 256, one thread) the
// 4 phase convolutions took 0.41 s and 0.11 s where ATen's input gradient
// took 1.2 s and 0.76 s (PyTorch 1.13 microbench, session 8); one stacked
// convolution with every sub-kernel zero-padded (conv_transpose.h's form)
// took 0.79 s and 0.54 s. Measured in the whole OT-GAN step, though, the
// phases' stack, interleave and crop copies eat the gain: critic update
// 3.24 s against ATen's 2.98 s, generator update 4.11 s against 3.97 s
// (bench/train_step --otgan_phase_conv_backward,
// results/bench/train_step_otgan_variants.jsonl), so the nets leave it off
// (WNConv2d::polyphase_input_grad) and the bench keeps it to measure again.
// The forward and the weight gradient are ATen's own (conv2d,
// convolution_backward); only the input gradient changes route. The backward
// is built from differentiable ATen ops, so double backward works as well.
//
//   at::Tensor y = otgan::nn::StridedConv2d(x, w, b, {2, 2}, {2, 2});  // == at::conv2d
//
// Stride 1 (both dims) is passed straight to at::conv2d: its input gradient
// is a stride-1 convolution that ATen already runs fast.
#ifndef OTGAN_LIB_NN_STRIDED_CONV_H_
#define OTGAN_LIB_NN_STRIDED_CONV_H_

#include <ATen/ATen.h>

namespace otgan::nn {

// Equals at::conv2d(x, weight, bias, stride, padding) (dilation 1, groups 1)
// in value and in the gradients of x, weight and bias, up to float rounding.
// x [N, in, H, W]; weight [out, in, kh, kw]; bias [out] or undefined. Throws
// c10::Error on shapes at::conv2d would refuse.
at::Tensor StridedConv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                         at::IntArrayRef stride, at::IntArrayRef padding);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_STRIDED_CONV_H_

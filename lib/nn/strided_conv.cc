#include "lib/nn/strided_conv.h"

#include <algorithm>
#include <array>
#include <tuple>
#include <vector>

#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/custom_function.h>

namespace otgan::nn {
namespace {

// The input gradient of y = conv2d(x, w, stride s, padding p): the
// transposed convolution of g = dL/dy, computed one output phase at a time.
// Padded-input row r = a + s i (phase a < s) receives g[m] w[a + s t] for
// i = m + t, so phase a is a full stride-1 correlation of g with the flipped
// sub-kernel w[a::s] (T_a = ceil((k - a) / s) taps). The s*s phases are
// separate oneDNN convolutions: one stacked convolution with every sub-kernel
// zero-padded to ceil(k / s) taps (PolyphaseConvTranspose2d's form) measured
// 2-5x slower here at OT-GAN's critic shapes. Phases are padded to a common
// size, interleaved, and cropped to x's rows [p, p + H) (zero where the
// forward never reached).
at::Tensor InputGradByPhases(const at::Tensor& g, const at::Tensor& w,
                             const std::array<int64_t, 2>& stride,
                             const std::array<int64_t, 2>& padding, int64_t h, int64_t wd) {
  const int64_t n = g.size(0), cin = w.size(1), ho = g.size(2), wo = g.size(3);
  const int64_t kh = w.size(2), kw = w.size(3), sy = stride[0], sx = stride[1];
  const int64_t rows = ho + (kh + sy - 1) / sy - 1, cols = wo + (kw + sx - 1) / sx - 1;
  std::vector<at::Tensor> phases;
  phases.reserve(sy * sx);
  for (int64_t a = 0; a < sy; ++a) {
    for (int64_t b = 0; b < sx; ++b) {
      const int64_t ta = (kh - a + sy - 1) / sy, tb = (kw - b + sx - 1) / sx;
      if (ta <= 0 || tb <= 0) {  // stride > kernel: this phase gets no gradient
        phases.push_back(at::zeros({n, cin, rows, cols}, g.options()));
        continue;
      }
      // [out, in, ta, tb] -> flipped, [in, out, ta, tb]: a convolution from g's channels.
      const at::Tensor k = w.slice(2, a, kh, sy).slice(3, b, kw, sx).flip({2, 3}).transpose(0, 1);
      at::Tensor r =
          at::conv2d(g, k.contiguous(), {}, 1, {ta - 1, tb - 1});  // [n, in, ho+ta-1, wo+tb-1]
      if (r.size(2) != rows || r.size(3) != cols) {
        r = at::constant_pad_nd(r, {0, cols - r.size(3), 0, rows - r.size(2)});
      }
      phases.push_back(r);
    }
  }
  // [sy sx, n, in, rows, cols] -> [n, in, rows, sy, cols, sx] -> [n, in, rows sy, cols sx].
  at::Tensor full = at::stack(phases, 0)
                        .view({sy, sx, n, cin, rows, cols})
                        .permute({2, 3, 4, 0, 5, 1})
                        .reshape({n, cin, rows * sy, cols * sx});
  // Padded-input coordinates -> x's: keep [p, p + H), zero past the covered end.
  const int64_t py = padding[0], px = padding[1];
  const int64_t keep_h = std::min(h, full.size(2) - py), keep_w = std::min(wd, full.size(3) - px);
  full = full.slice(2, py, py + keep_h).slice(3, px, px + keep_w);
  if (keep_h < h || keep_w < wd) full = at::constant_pad_nd(full, {0, wd - keep_w, 0, h - keep_h});
  return full;
}

// conv2d without bias; backward: input gradient by InputGradByPhases,
// weight gradient by ATen's convolution_backward. Under CPU autocast
// (--precision=bf16) x and the weight are cast to the autocast dtype here, as
// at::conv2d would, and the gradients go back in their own dtypes.
struct StridedConv2dFunction : public torch::autograd::Function<StridedConv2dFunction> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const at::Tensor& x, const at::Tensor& weight,
                                                std::array<int64_t, 2> stride,
                                                std::array<int64_t, 2> padding) {
    const bool autocast = at::autocast::is_cpu_enabled();
    const at::ScalarType dtype =
        autocast ? at::autocast::get_autocast_cpu_dtype() : weight.scalar_type();
    const at::Tensor xc = x.to(dtype), wc = weight.to(dtype);
    ctx->save_for_backward({xc, wc});
    ctx->saved_data["x_dtype"] = static_cast<int64_t>(x.scalar_type());
    ctx->saved_data["w_dtype"] = static_cast<int64_t>(weight.scalar_type());
    ctx->saved_data["sy"] = stride[0];
    ctx->saved_data["sx"] = stride[1];
    ctx->saved_data["py"] = padding[0];
    ctx->saved_data["px"] = padding[1];
    return {at::conv2d(xc, wc, {}, stride, padding)};  // autocast: already in its dtype
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& weight = saved[1];
    const std::array<int64_t, 2> stride = {ctx->saved_data["sy"].toInt(),
                                           ctx->saved_data["sx"].toInt()};
    const std::array<int64_t, 2> padding = {ctx->saved_data["py"].toInt(),
                                            ctx->saved_data["px"].toInt()};
    const at::Tensor grad_out = grads[0].defined() ? grads[0].to(weight.scalar_type()) : grads[0];
    at::Tensor grad_x, grad_w;
    if (!grad_out.defined()) return {grad_x, grad_w, at::Tensor(), at::Tensor()};
    if (ctx->needs_input_grad(0)) {
      grad_x = InputGradByPhases(grad_out, weight, stride, padding, x.size(2), x.size(3));
    }
    if (ctx->needs_input_grad(1)) {
      grad_w = std::get<1>(at::convolution_backward(
          grad_out, x, weight, /*bias_sizes=*/c10::nullopt, stride, padding, /*dilation=*/{1, 1},
          /*transposed=*/false, /*output_padding=*/{0, 0}, /*groups=*/1, {false, true, false}));
    }
    const auto x_dtype = static_cast<at::ScalarType>(ctx->saved_data["x_dtype"].toInt());
    const auto w_dtype = static_cast<at::ScalarType>(ctx->saved_data["w_dtype"].toInt());
    if (grad_x.defined()) grad_x = grad_x.to(x_dtype);
    if (grad_w.defined()) grad_w = grad_w.to(w_dtype);
    return {grad_x, grad_w, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor StridedConv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                         at::IntArrayRef stride, at::IntArrayRef padding) {
  TORCH_CHECK(stride.size() == 2 && padding.size() == 2,
              "StridedConv2d: stride and padding need 2 values, got ", stride, " and ", padding);
  TORCH_CHECK(x.dim() == 4 && weight.dim() == 4 && x.size(1) == weight.size(1),
              "StridedConv2d: expected x [N, in, H, W] and weight [out, in, kh, kw], got ",
              x.sizes(), " and ", weight.sizes());
  if (stride[0] == 1 && stride[1] == 1) return at::conv2d(x, weight, bias, stride, padding);
  at::Tensor y =
      StridedConv2dFunction::apply(x, weight, std::array<int64_t, 2>{stride[0], stride[1]},
                                   std::array<int64_t, 2>{padding[0], padding[1]})[0];
  // In y's dtype, as at::conv2d adds it (under bf16 autocast an fp32 bias
  // would otherwise promote the output to fp32).
  if (bias.defined()) y = y + bias.to(y.scalar_type()).view({1, -1, 1, 1});
  return y;
}

}  // namespace otgan::nn

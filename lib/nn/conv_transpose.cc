#include "lib/nn/conv_transpose.h"

#include <algorithm>
#include <array>

#include <torch/nn/modules/conv.h>

namespace otgan::nn {
namespace {

// The polyphase plan along one spatial axis. Output oy receives input iy with
// tap ky iff oy + p = iy * s + ky. Writing oy + p = m * s + r (0 <= r < s),
// y[oy] = sum_t x[m - t] w[r + s t] over t = 0..T-1, T = ceil(k / s) (taps past
// k are zero): a correlation of x, padded by T - 1 on the left, with the
// flipped sub-kernel K_r[j] = w[r + s (T - 1 - j)]. Only m in [m_min, m_max]
// reach the output, so the input is padded by `left` / `right` (negative =
// cropped) to give exactly that many correlation outputs per phase.
struct AxisPlan {
  int64_t taps;    // T
  int64_t left;    // input padding before (T - 1 - m_min)
  int64_t right;   // input padding after (m_max - H + 1)
  int64_t phases;  // m_max - m_min + 1 correlation outputs per phase
  int64_t crop;    // first output pixel in the interleaved grid: p - m_min * s
  int64_t out;     // H_out = (H - 1) s - 2 p + k + output_padding
};

// `limit` > 0 keeps only the first `limit` outputs (not computing the rest).
AxisPlan PlanAxis(int64_t in, int64_t k, int64_t s, int64_t p, int64_t op, int64_t limit) {
  AxisPlan a;
  a.taps = (k + s - 1) / s;
  a.out = (in - 1) * s - 2 * p + k + op;
  TORCH_CHECK(a.out > 0, "PolyphaseConvTranspose2d: output size ", a.out,
              " is not positive (input ", in, ", kernel ", k, ", stride ", s, ", padding ", p,
              ", output_padding ", op, ")");
  TORCH_CHECK(limit >= 0, "PolyphaseConvTranspose2d: negative output limit ", limit);
  if (limit > 0) a.out = std::min(a.out, limit);
  const int64_t m_min = p / s;
  const int64_t m_max = (a.out - 1 + p) / s;
  a.left = a.taps - 1 - m_min;
  a.right = m_max - in + 1;
  a.phases = m_max - m_min + 1;
  a.crop = p - m_min * s;
  return a;
}

}  // namespace

at::Tensor PolyphaseConvTranspose2d(const at::Tensor& input, const at::Tensor& weight,
                                    const at::Tensor& bias, at::IntArrayRef stride,
                                    at::IntArrayRef padding, at::IntArrayRef output_padding,
                                    at::IntArrayRef max_output_size) {
  TORCH_CHECK(input.dim() == 4, "PolyphaseConvTranspose2d: expected input [N, C, H, W], got ",
              input.sizes());
  TORCH_CHECK(weight.dim() == 4, "PolyphaseConvTranspose2d: expected weight [in, out, kh, kw], got ",
              weight.sizes());
  TORCH_CHECK(input.size(1) == weight.size(0), "PolyphaseConvTranspose2d: input has ",
              input.size(1), " channels, weight expects ", weight.size(0));
  TORCH_CHECK(stride.size() == 2 && padding.size() == 2 && output_padding.size() == 2,
              "PolyphaseConvTranspose2d: stride, padding and output_padding need 2 values");
  for (int d = 0; d < 2; ++d) {
    TORCH_CHECK(stride[d] >= 1 && padding[d] >= 0 && output_padding[d] >= 0 &&
                    output_padding[d] < stride[d],
                "PolyphaseConvTranspose2d: invalid stride ", stride, ", padding ", padding,
                " or output_padding ", output_padding);
  }
  const int64_t cout = weight.size(1), kh = weight.size(2), kw = weight.size(3);
  const int64_t sy = stride[0], sx = stride[1];
  TORCH_CHECK(max_output_size.empty() || max_output_size.size() == 2,
              "PolyphaseConvTranspose2d: max_output_size needs 0 or 2 values");
  const int64_t ly = max_output_size.empty() ? 0 : max_output_size[0];
  const int64_t lx = max_output_size.empty() ? 0 : max_output_size[1];
  const AxisPlan ay = PlanAxis(input.size(2), kh, sy, padding[0], output_padding[0], ly);
  const AxisPlan ax = PlanAxis(input.size(3), kw, sx, padding[1], output_padding[1], lx);

  // Sub-kernels: [in, out, T sy, T sx] -> [in, out, Ty, sy, Tx, sx], flip the tap
  // index, -> [out, sy, sx, in, Ty, Tx] -> conv2d weight [out sy sx, in, Ty, Tx].
  at::Tensor w = at::constant_pad_nd(weight, {0, ax.taps * sx - kw, 0, ay.taps * sy - kh});
  w = w.view({weight.size(0), cout, ay.taps, sy, ax.taps, sx})
          .flip({2, 4})
          .permute({1, 3, 5, 0, 2, 4})
          .reshape({cout * sy * sx, weight.size(0), ay.taps, ax.taps});
  at::Tensor b = bias.defined() ? bias.repeat_interleave(sy * sx) : at::Tensor();

  // Symmetric padding goes to the convolution; the rest (or a crop) is explicit.
  std::array<int64_t, 2> conv_pad = {0, 0};
  at::Tensor x = input;
  {
    const int64_t py = (ay.left >= 0 && ay.right >= 0) ? std::min(ay.left, ay.right) : 0;
    const int64_t px = (ax.left >= 0 && ax.right >= 0) ? std::min(ax.left, ax.right) : 0;
    conv_pad = {py, px};
    if (ay.left != py || ay.right != py || ax.left != px || ax.right != px) {
      x = at::constant_pad_nd(x, {ax.left - px, ax.right - px, ay.left - py, ay.right - py});
    }
  }
  at::Tensor z = at::conv2d(x, w, b, /*stride=*/{1, 1}, conv_pad);  // [N, out sy sx, My, Mx]

  // Interleave the phases: [N, out, sy, sx, My, Mx] -> [N, out, My sy, Mx sx].
  const int64_t n = input.size(0);
  at::Tensor y = z.view({n, cout, sy, sx, ay.phases, ax.phases})
                     .permute({0, 1, 4, 2, 5, 3})
                     .reshape({n, cout, ay.phases * sy, ax.phases * sx});
  if (ay.crop != 0 || ay.phases * sy != ay.out) y = y.narrow(2, ay.crop, ay.out);
  if (ax.crop != 0 || ax.phases * sx != ax.out) y = y.narrow(3, ax.crop, ax.out);
  return y;
}

FastConvTranspose2dImpl::FastConvTranspose2dImpl(torch::nn::ConvTranspose2dOptions options_)
    : options(std::move(options_)) {
  reset();
}

void FastConvTranspose2dImpl::reset() {
  // LibTorch's own module draws the parameters: same shapes, same
  // initialisation, same consumption of the default generator.
  torch::nn::ConvTranspose2d plain(options);
  weight = register_parameter("weight", plain->weight.detach().clone());
  if (options.bias()) {
    bias = register_parameter("bias", plain->bias.detach().clone());
  } else {
    bias = register_parameter("bias", at::Tensor(), /*requires_grad=*/false);
  }
}

at::Tensor FastConvTranspose2dImpl::forward(const at::Tensor& input) {
  return ForwardCropped(input, 0, 0);
}

at::Tensor FastConvTranspose2dImpl::ForwardCropped(const at::Tensor& input, int64_t rows,
                                                   int64_t cols) {
  const auto& d = *options.dilation();
  if (options.groups() != 1 || d[0] != 1 || d[1] != 1 || input.dim() != 4) {
    at::Tensor y =
        at::conv_transpose2d(input, weight, bias, *options.stride(), *options.padding(),
                             *options.output_padding(), options.groups(), *options.dilation());
    if (rows > 0 && rows < y.size(-2)) y = y.narrow(-2, 0, rows);
    if (cols > 0 && cols < y.size(-1)) y = y.narrow(-1, 0, cols);
    return y;
  }
  return PolyphaseConvTranspose2d(input, weight, bias, *options.stride(), *options.padding(),
                                  *options.output_padding(), {rows, cols});
}

}  // namespace otgan::nn

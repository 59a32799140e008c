#include "lib/nn/otgan_nets.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/grad_mode.h>

#include "lib/nn/strided_conv.h"
#include "lib/ot/cost.h"

namespace otgan::nn {
namespace {

// Norm of v over every dim but 0 (the output unit), shaped to broadcast against v.
at::Tensor UnitNorm(const at::Tensor& v) {
  std::vector<int64_t> dims;
  for (int64_t d = 1; d < v.dim(); ++d) dims.push_back(d);
  return v.pow(2).sum(dims, /*keepdim=*/true).clamp_min(1e-24).sqrt();
}

// g ([out]) shaped to broadcast along dim 0 of a `rank`-d weight.
at::Tensor Along0(const at::Tensor& g, int64_t rank) {
  std::vector<int64_t> shape(rank, 1);
  shape[0] = g.size(0);
  return g.view(shape);
}

// nn.py:138-162 on the pre-activation t (output units along dim 1): sets g
// and b in place and returns g * t + b.
at::Tensor InitFromMoments(const at::Tensor& t, double init_scale, at::Tensor& g, at::Tensor& b) {
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d != 1) dims.push_back(d);
  }
  const at::Tensor m = t.mean(dims, /*keepdim=*/true);
  const at::Tensor var = (t - m).pow(2).mean(dims, /*keepdim=*/true);  // biased, as tf.nn.moments
  const at::Tensor scale = init_scale / var.clamp_min(1e-12).sqrt();
  g.copy_(scale.flatten());
  b.copy_((-m * scale).flatten());
  return (t - m) * scale;
}

// TF "SAME" padding (before, after) of one spatial dim.
std::pair<int64_t, int64_t> SamePad(int64_t in, int64_t kernel, int64_t stride) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + kernel - in, 0);
  return {total / 2, total - total / 2};
}

}  // namespace

at::Tensor CRelu(const at::Tensor& x) { return at::cat({at::relu(x), at::relu(-x)}, 1); }

at::Tensor Upsample2(const at::Tensor& x) {
  return at::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)});
}

// ---- WNLinear ----
WNLinearImpl::WNLinearImpl(int64_t in, int64_t out) : in_(in), out_(out) { reset(); }

void WNLinearImpl::reset() {
  v_ = register_parameter("v", at::randn({out_, in_}) * 0.05);
  g_ = register_parameter("g", at::ones({out_}));
  b_ = register_parameter("b", at::zeros({out_}));
}

at::Tensor WNLinearImpl::weight() const { return v_ * (Along0(g_, 2) / UnitNorm(v_)); }

at::Tensor WNLinearImpl::forward(const at::Tensor& x) { return at::linear(x, weight(), b_); }

at::Tensor WNLinearImpl::DataInit(const at::Tensor& x, double init_scale) {
  at::NoGradGuard no_grad;
  const at::Tensor t = at::linear(x, v_ / UnitNorm(v_));
  return InitFromMoments(t, init_scale, g_, b_);
}

// ---- WNConv2d ----
WNConv2dImpl::WNConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride)
    : in_(in), out_(out), kernel_(kernel), stride_(stride) {
  reset();
}

void WNConv2dImpl::reset() {
  v_ = register_parameter("v", at::randn({out_, in_, kernel_, kernel_}) * 0.05);
  g_ = register_parameter("g", at::ones({out_}));
  b_ = register_parameter("b", at::zeros({out_}));
}

at::Tensor WNConv2dImpl::Conv(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const {
  const auto [top, bottom] = SamePad(x.size(2), kernel_, stride_);
  const auto [left, right] = SamePad(x.size(3), kernel_, stride_);
  const bool symmetric = top == bottom && left == right;
  const at::Tensor in = symmetric ? x : at::constant_pad_nd(x, {left, right, top, bottom}, 0);
  const std::array<int64_t, 2> pad = {symmetric ? top : 0, symmetric ? left : 0};
  if (stride_ > 1 && polyphase_input_grad) {
    return StridedConv2d(in, w, b, {stride_, stride_}, pad);
  }
  return at::conv2d(in, w, b, {stride_, stride_}, pad);
}

at::Tensor WNConv2dImpl::forward(const at::Tensor& x) {
  return Conv(x, v_ * (Along0(g_, 4) / UnitNorm(v_)), b_);
}

at::Tensor WNConv2dImpl::DataInit(const at::Tensor& x, double init_scale) {
  at::NoGradGuard no_grad;
  const at::Tensor t = Conv(x, v_ / UnitNorm(v_), at::Tensor());
  return InitFromMoments(t, init_scale, g_, b_);
}

// ---- Generator ----
OtganGeneratorImpl::OtganGeneratorImpl(int64_t dim, int64_t latent) : dim_(dim), latent_(latent) {
  reset();
}

void OtganGeneratorImpl::reset() {
  fc_ = register_module("fc", WNLinear(latent_, 2 * 2 * dim_ * 7 * 7));
  c1_ = register_module("c1", WNConv2d(2 * dim_, 2 * dim_, 5, 1));
  c2_ = register_module("c2", WNConv2d(dim_, 2 * (dim_ / 2), 5, 1));
  out_ = register_module("out", WNConv2d(dim_ / 2, 1, 5, 1));
}

at::Tensor OtganGeneratorImpl::Run(const at::Tensor& z, bool init) {
  auto lin = [&](WNLinear& l, const at::Tensor& x) {
    return init ? l->DataInit(x) : l->forward(x);
  };
  auto conv = [&](WNConv2d& c, const at::Tensor& x, double scale) {
    return init ? c->DataInit(x, scale) : c->forward(x);
  };
  at::Tensor h = at::glu(lin(fc_, z), 1).view({-1, 2 * dim_, 7, 7});
  h = at::glu(conv(c1_, Upsample2(h), 1.0), 1);  // [dim, 14, 14]
  h = at::glu(conv(c2_, Upsample2(h), 1.0), 1);  // [dim / 2, 28, 28]
  return at::tanh(conv(out_, h, 0.1));
}

at::Tensor OtganGeneratorImpl::forward(const at::Tensor& z) { return Run(z, false); }

at::Tensor OtganGeneratorImpl::DataInit(const at::Tensor& z) {
  at::NoGradGuard no_grad;
  return Run(z, true);
}

// ---- Critic ----
OtganCriticImpl::OtganCriticImpl(int64_t dim) : dim_(dim) { reset(); }

void OtganCriticImpl::reset() {
  c0_ = register_module("c0", WNConv2d(1, dim_ / 4, 5, 1));
  c1_ = register_module("c1", WNConv2d(2 * (dim_ / 4), dim_ / 2, 5, 2));
  c2_ = register_module("c2", WNConv2d(2 * (dim_ / 2), dim_, 5, 2));
}

void OtganCriticImpl::SetPolyphaseInputGrad(bool on) {
  c1_->polyphase_input_grad = on;
  c2_->polyphase_input_grad = on;
}

at::Tensor OtganCriticImpl::Run(const at::Tensor& x, bool init) {
  auto conv = [&](WNConv2d& c, const at::Tensor& in) {
    return init ? c->DataInit(in) : c->forward(in);
  };
  const at::Tensor img = x.dim() == 2 ? x.view({x.size(0), 1, 28, 28}) : x;
  at::Tensor h = conv(c0_, img);  // [dim/4, 28, 28]
  h = conv(c1_, CRelu(h));        // [dim/2, 14, 14]
  h = conv(c2_, CRelu(h));        // [dim, 7, 7]
  // dcgan.py:19, x /= sqrt(sum(x^2)), with ot::UnitRows' guard for |x| < 1e-10
  // (the code has none) and its three-pass backward.
  return ot::UnitRows(CRelu(h).flatten(1));
}

at::Tensor OtganCriticImpl::forward(const at::Tensor& x) { return Run(x, false); }

at::Tensor OtganCriticImpl::DataInit(const at::Tensor& x) {
  at::NoGradGuard no_grad;
  return Run(x, true);
}

std::string OtganGeneratorImpl::Describe() const {
  return "OtganGenerator(dim=" + std::to_string(dim_) + ", latent=" + std::to_string(latent_) +
         "): WN-dense + GLU to 7x7x" + std::to_string(2 * dim_) +
         ", 2 x (NN-upsample, WN-conv 5x5, GLU), WN-conv 5x5 (init_scale 0.1), tanh";
}

std::string OtganCriticImpl::Describe() const {
  return "OtganCritic(dim=" + std::to_string(dim_) +
         "): WN-conv 5x5, 2 x (CReLU, WN-conv 5x5/2), CReLU, flatten (" +
         std::to_string(embed_size()) + " features), l2-normalised";
}

}  // namespace otgan::nn

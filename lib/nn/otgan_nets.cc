#include "lib/nn/otgan_nets.h"

#include <vector>

namespace otgan::nn {
namespace {

at::Tensor AsImages(const at::Tensor& x, int64_t side) {
  return x.dim() == 2 ? x.view({x.size(0), 1, side, side}) : x;
}

// Norm of v over every dim but `keep`, shaped to broadcast against v.
at::Tensor RowNorm(const at::Tensor& v, int64_t keep) {
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < v.dim(); ++d) {
    if (d != keep) dims.push_back(d);
  }
  return v.pow(2).sum(dims, /*keepdim=*/true).clamp_min(1e-12).sqrt();
}

// Shapes g ([out]) to broadcast along dim `keep` of a `rank`-d weight.
at::Tensor Along(const at::Tensor& g, int64_t keep, int64_t rank) {
  std::vector<int64_t> shape(rank, 1);
  shape[keep] = g.size(0);
  return g.view(shape);
}

}  // namespace

at::Tensor CRelu(const at::Tensor& x) { return at::cat({at::relu(x), at::relu(-x)}, 1); }

// ---- WNLinear ----
WNLinearImpl::WNLinearImpl(int64_t in, int64_t out) : in_(in), out_(out) { reset(); }

void WNLinearImpl::reset() {
  torch::nn::Linear plain(in_, out_);  // default PyTorch initialisation
  at::Tensor w = plain->weight.detach().clone();
  at::Tensor g = RowNorm(w, 0).flatten().clone();  // before w becomes a parameter
  v_ = register_parameter("v", w);
  g_ = register_parameter("g", g);
  b_ = register_parameter("b", plain->bias.detach().clone());
}

at::Tensor WNLinearImpl::weight() const { return v_ * (Along(g_, 0, 2) / RowNorm(v_, 0)); }

at::Tensor WNLinearImpl::forward(const at::Tensor& x) { return at::linear(x, weight(), b_); }

// ---- WNConv2d ----
WNConv2dImpl::WNConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                           bool transposed)
    : in_(in), out_(out), kernel_(kernel), stride_(stride), transposed_(transposed) {
  reset();
}

void WNConv2dImpl::reset() {
  at::Tensor w, b;
  if (transposed_) {
    torch::nn::ConvTranspose2d plain(
        torch::nn::ConvTranspose2dOptions(in_, out_, kernel_).stride(stride_));
    w = plain->weight.detach().clone();  // [in, out, k, k]
    b = plain->bias.detach().clone();
  } else {
    torch::nn::Conv2d plain(torch::nn::Conv2dOptions(in_, out_, kernel_).stride(stride_));
    w = plain->weight.detach().clone();  // [out, in, k, k]
    b = plain->bias.detach().clone();
  }
  const int64_t keep = transposed_ ? 1 : 0;
  at::Tensor g = RowNorm(w, keep).flatten().clone();  // before w becomes a parameter
  v_ = register_parameter("v", w);
  g_ = register_parameter("g", g);
  b_ = register_parameter("b", b);
}

at::Tensor WNConv2dImpl::forward(const at::Tensor& x) {
  const int64_t keep = transposed_ ? 1 : 0;
  at::Tensor w = v_ * (Along(g_, keep, 4) / RowNorm(v_, keep));
  const int64_t pad = kernel_ / 2;
  if (transposed_) {
    return at::conv_transpose2d(x, w, b_, {stride_, stride_}, {pad, pad},
                                {stride_ - 1, stride_ - 1});
  }
  return at::conv2d(x, w, b_, {stride_, stride_}, {pad, pad});
}

// ---- OT-GAN (MNIST scale) ----
OtganGeneratorImpl::OtganGeneratorImpl(int64_t dim, int64_t latent)
    : dim_(dim), latent_(latent) {
  reset();
}

void OtganGeneratorImpl::reset() {
  fc_ = register_module("fc", WNLinear(latent_, 2 * 2 * dim_ * 7 * 7));
  up1_ = register_module("up1", WNConv2d(2 * dim_, 2 * dim_, 5, 2, /*transposed=*/true));
  up2_ = register_module("up2", WNConv2d(dim_, 1, 5, 2, /*transposed=*/true));
}

at::Tensor OtganGeneratorImpl::forward(const at::Tensor& z) {
  at::Tensor h = at::glu(fc_->forward(z), 1).view({-1, 2 * dim_, 7, 7});
  h = at::glu(up1_->forward(h), 1);  // [dim, 14, 14]
  return at::sigmoid(up2_->forward(h));
}

OtganCriticImpl::OtganCriticImpl(int64_t dim, int64_t embed) : dim_(dim), embed_(embed) {
  reset();
}

void OtganCriticImpl::reset() {
  c1_ = register_module("c1", WNConv2d(1, dim_ / 2, 5, 2, /*transposed=*/false));
  c2_ = register_module("c2", WNConv2d(dim_, dim_, 5, 2, /*transposed=*/false));
  fc_ = register_module("fc", WNLinear(2 * dim_ * 7 * 7, embed_));
}

at::Tensor OtganCriticImpl::forward(const at::Tensor& x) {
  at::Tensor h = CRelu(c1_->forward(AsImages(x, 28)));  // [dim, 14, 14]
  h = CRelu(c2_->forward(h));                            // [2 dim, 7, 7]
  at::Tensor v = fc_->forward(h.flatten(1));
  return v / v.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
}

}  // namespace otgan::nn

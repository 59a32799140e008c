#include "lib/nn/mlp.h"

#include <torch/nn/init.h>
#include <torch/nn/functional/activation.h>

namespace otgan::nn {

at::Tensor Apply(Activation a, const at::Tensor& x) {
  switch (a) {
    case Activation::kNone: return x;
    case Activation::kReLU: return at::relu(x);
    case Activation::kLeakyReLU: return at::leaky_relu(x, 0.2);
    case Activation::kSoftplus: return at::softplus(x);
    case Activation::kSigmoid: return at::sigmoid(x);
    case Activation::kTanh: return at::tanh(x);
  }
  return x;
}

MlpImpl::MlpImpl(MlpOptions options) : options_(std::move(options)) { reset(); }

void MlpImpl::reset() {
  layers_.clear();
  int64_t width = options_.in;
  std::vector<int64_t> sizes = options_.hidden;
  sizes.push_back(options_.out);
  for (int64_t next : sizes) {
    torch::nn::Linear layer(width, next);
    if (options_.xavier_init) {
      torch::nn::init::xavier_uniform_(layer->weight);
      torch::nn::init::zeros_(layer->bias);
    }
    layers_.push_back(register_module("fc" + std::to_string(layers_.size()), layer));
    width = next;
  }
}

at::Tensor MlpImpl::forward(const at::Tensor& x) {
  at::Tensor h = x.dim() > 2 ? x.flatten(1) : x;
  const size_t n = layers_.size();
  for (size_t i = 0; i < n; ++i) {
    h = layers_[i]->forward(h);
    h = Apply(i + 1 < n ? options_.activation : options_.output, h);
  }
  return h;
}

}  // namespace otgan::nn

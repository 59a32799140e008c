// Multilayer perceptrons: the generators and critics of the toy experiments
// (WGAN-GP, OT-GAN) and Genevay's MNIST generator.
//
//   // Genevay 2018 [code]: z ~ U[0,1]^2 -> 500 softplus -> 500 softplus -> 784 sigmoid
//   otgan::nn::Mlp g(otgan::nn::MlpOptions{.in = 2, .hidden = {500, 500}, .out = 784,
//                                          .activation = otgan::nn::Activation::kSoftplus,
//                                          .output = otgan::nn::Activation::kSigmoid,
//                                          .xavier_init = true});
//   at::Tensor x = g->forward(z);  // [N, 784]
#ifndef OTGAN_LIB_NN_MLP_H_
#define OTGAN_LIB_NN_MLP_H_

#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace otgan::nn {

enum class Activation { kNone, kReLU, kLeakyReLU, kSoftplus, kSigmoid, kTanh };

// Applies `a` to `x` (kLeakyReLU uses slope 0.2).
at::Tensor Apply(Activation a, const at::Tensor& x);

struct MlpOptions {
  int64_t in = 2;
  std::vector<int64_t> hidden = {512, 512, 512};
  int64_t out = 2;
  Activation activation = Activation::kReLU;  // after every hidden layer
  Activation output = Activation::kNone;      // after the last layer
  bool xavier_init = false;                   // Xavier-uniform weights, zero biases
};

class MlpImpl : public torch::nn::Cloneable<MlpImpl> {
 public:
  explicit MlpImpl(MlpOptions options = {});
  void reset() override;
  at::Tensor forward(const at::Tensor& x);
  const MlpOptions& options() const { return options_; }
  // The Linear layers in order (hidden layers, then the output layer), for
  // initialisation schemes applied from outside (lib/nn/init.h).
  const std::vector<torch::nn::Linear>& layers() const { return layers_; }

 private:
  MlpOptions options_;
  std::vector<torch::nn::Linear> layers_;  // registered as fc<i>
};
TORCH_MODULE(Mlp);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_MLP_H_

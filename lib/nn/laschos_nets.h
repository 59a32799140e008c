// Laschos et al. 2019 generator [code] (the assigner is an Mlp, lib/nn/mlp.h).
//
//   otgan::nn::LaschosGenerator g(250);
//   at::Tensor x = g->forward(at::randn({50, 250}));  // [50, 1, 32, 32] in (-1, 1)
#ifndef OTGAN_LIB_NN_LASCHOS_NETS_H_
#define OTGAN_LIB_NN_LASCHOS_NETS_H_

#include <cstdint>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace otgan::nn {

// ---------------------------------------------------------------------------
// Laschos 2019 generator [code]: dense 4*4*256 + LayerNorm + ReLU, deconv 5x5
// stride 2 to 128 then 64 channels (LayerNorm + ReLU), deconv to 1, tanh:
// [N, latent] -> [N, 1, 32, 32] in (-1, 1).
// ---------------------------------------------------------------------------
class LaschosGeneratorImpl : public torch::nn::Cloneable<LaschosGeneratorImpl> {
 public:
  explicit LaschosGeneratorImpl(int64_t latent = 250);
  void reset() override;
  at::Tensor forward(const at::Tensor& z);
  int64_t latent() const { return latent_; }

 private:
  int64_t latent_;
  torch::nn::Linear fc_{nullptr};
  torch::nn::LayerNorm ln0_{nullptr}, ln1_{nullptr}, ln2_{nullptr};
  torch::nn::ConvTranspose2d up1_{nullptr}, up2_{nullptr}, up3_{nullptr};
};
TORCH_MODULE(LaschosGenerator);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_LASCHOS_NETS_H_

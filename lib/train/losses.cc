#include "lib/train/losses.h"

#include <vector>

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace otgan::train {

at::Tensor WganCriticLoss(const at::Tensor& d_real, const at::Tensor& d_fake) {
  return d_fake.mean() - d_real.mean();
}

at::Tensor WganGeneratorLoss(const at::Tensor& d_fake) { return -d_fake.mean(); }

at::Tensor GradientPenalty(const CriticFn& critic, const at::Tensor& real,
                           const at::Tensor& fake, double lambda,
                           std::optional<at::Generator> generator) {
  TORCH_CHECK(real.sizes() == fake.sizes(), "GradientPenalty: real ", real.sizes(),
              " and fake ", fake.sizes(), " differ in shape");
  TORCH_CHECK(real.dim() >= 1 && real.size(0) > 0, "GradientPenalty: empty batch");
  std::vector<int64_t> a_shape(real.dim(), 1);
  a_shape[0] = real.size(0);
  c10::optional<at::Generator> gen;
  if (generator.has_value()) gen = *generator;
  at::Tensor a = at::rand(a_shape, gen, real.options().requires_grad(false));
  at::Tensor x_hat = (a * real.detach() + (1 - a) * fake.detach()).requires_grad_(true);
  at::Tensor d = critic(x_hat);
  std::vector<at::Tensor> grads = torch::autograd::grad(
      {d.sum()}, {x_hat}, /*grad_outputs=*/{}, /*retain_graph=*/true, /*create_graph=*/true);
  at::Tensor norms = grads[0].reshape({grads[0].size(0), -1}).norm(2, /*dim=*/1);
  return lambda * (norms - 1).pow(2).mean();
}

void ClipWeights(torch::nn::Module& module, double c) {
  torch::NoGradGuard no_grad;
  for (at::Tensor& p : module.parameters(/*recurse=*/true)) p.clamp_(-c, c);
}

at::Tensor AssignmentCounts(const at::Tensor& assigned, int64_t num_real) {
  TORCH_CHECK(assigned.dim() == 1 && assigned.scalar_type() == at::kLong,
              "AssignmentCounts: expected int64 [N] indices, got ", assigned.scalar_type(), " ",
              assigned.sizes());
  return at::bincount(assigned, /*weights=*/{}, num_real).to(at::kFloat);
}

at::Tensor AssignerLoss(const at::Tensor& psi_real, const at::Tensor& counts,
                        int64_t n_generated) {
  at::Tensor psi = psi_real.reshape({-1});
  TORCH_CHECK(psi.size(0) == counts.numel(), "AssignerLoss: psi has ", psi.size(0),
              " values but counts has ", counts.numel());
  TORCH_CHECK(n_generated > 0, "AssignerLoss: n_generated must be > 0");
  const double m = static_cast<double>(psi.size(0));
  at::Tensor w = counts.to(psi.options()).reshape({-1}) / static_cast<double>(n_generated) -
                 1.0 / m;
  return -(w.detach() * psi).sum();
}

at::Tensor SquaredEuclideanPairCost(const at::Tensor& x, const at::Tensor& y) {
  return (x - y).pow(2).reshape({x.size(0), -1}).sum(1);
}

at::Tensor AssignedTransportLoss(const at::Tensor& generated, const at::Tensor& assigned_real,
                                 const PairCostFn& cost) {
  TORCH_CHECK(generated.sizes() == assigned_real.sizes(), "AssignedTransportLoss: generated ",
              generated.sizes(), " and assigned real ", assigned_real.sizes(), " differ in shape");
  return cost(generated, assigned_real.detach()).mean();
}

}  // namespace otgan::train

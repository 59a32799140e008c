// Named, swappable losses and penalties for the adversarial methods, so that a
// paper setup is a choice of parts rather than a copy of a training loop.
//
//   WGAN      critic: WganCriticLoss, then ClipWeights(critic, 0.01) after the
//             optimiser step; generator: WganGeneratorLoss
//   WGAN-GP   critic: WganCriticLoss + GradientPenalty(critic, real, fake, 10)
//   Laschos   assigner: AssignerLoss(psi(y), AssignmentCounts(idx, M), N);
//             generator: AssignedTransportLoss(G(z), y[idx])
//
//   at::Tensor loss = otgan::train::WganCriticLoss(D(real), D(fake)) +
//       otgan::train::GradientPenalty([&](const at::Tensor& x) { return D(x); },
//                                     real, fake, /*lambda=*/10.0, gen);
//   loss.backward();
//
// The Sinkhorn loss (Genevay) and the minibatch energy distance (OT-GAN) are
// the divergences of lib/ot (divergence.h) and are called from there directly.
#ifndef OTGAN_LIB_TRAIN_LOSSES_H_
#define OTGAN_LIB_TRAIN_LOSSES_H_

#include <cstdint>
#include <functional>
#include <optional>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

namespace otgan::train {

// A critic as a function of its input batch; returns [B] or [B, 1].
using CriticFn = std::function<at::Tensor(const at::Tensor&)>;
// Per-sample cost between two batches of equal shape [B, ...]; returns [B].
using PairCostFn = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;

// mean D(fake) - mean D(real): minimising it makes the critic maximise the
// Kantorovich-Rubinstein dual estimate mean D(real) - mean D(fake).
at::Tensor WganCriticLoss(const at::Tensor& d_real, const at::Tensor& d_fake);

// -mean D(fake).
at::Tensor WganGeneratorLoss(const at::Tensor& d_fake);

// lambda * mean_i (|grad_x D(x_hat_i)|_2 - 1)^2 with x_hat = a x + (1 - a) x_fake,
// a ~ U[0,1] drawn per sample from `generator` (the default CPU generator when
// empty). real and fake are detached first (the penalty trains the critic
// only); the gradient is taken with create_graph so the result can be
// backpropagated into the critic's parameters (double backprop).
at::Tensor GradientPenalty(const CriticFn& critic, const at::Tensor& real,
                           const at::Tensor& fake, double lambda,
                           std::optional<at::Generator> generator = std::nullopt);

// Clamps every parameter of `module` (weights and biases, recursively) to
// [-c, c] in place, outside autograd. Call after the critic's optimiser step.
void ClipWeights(torch::nn::Module& module, double c);

// Histogram of assignments: counts [M] (float32) of `assigned` (int64 [N],
// values in [0, M)).
at::Tensor AssignmentCounts(const at::Tensor& assigned, int64_t num_real);

// Laschos assigner loss, to be minimised: -sum_j (count_j / N - 1/M) psi(y_j),
// with psi_real [M] (or [M, 1]) the assigner on the M real points, counts [M]
// how many of the N = n_generated generated points were assigned to each.
// Its gradient raises psi on over-assigned points (count_j / N > 1/M).
at::Tensor AssignerLoss(const at::Tensor& psi_real, const at::Tensor& counts,
                        int64_t n_generated);

// sum over all non-batch dims of (x - y)^2: [B].
at::Tensor SquaredEuclideanPairCost(const at::Tensor& x, const at::Tensor& y);

// The Laschos generator loss mean_i c(G(z_i), y_assigned(i)) for generated
// [B, ...] and their assigned real points [B, ...].
at::Tensor AssignedTransportLoss(const at::Tensor& generated, const at::Tensor& assigned_real,
                                 const PairCostFn& cost = SquaredEuclideanPairCost);

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_LOSSES_H_

// What otgan_mnist and otgan_mog share: OT-GAN's loss settings and its
// training step (Salimans et al. 2018).
//
//  - The flags --batch_size, --sinkhorn_eps, --sinkhorn_iters, --sinkhorn_tol,
//    --gen_steps_per_critic and --lr are defined once here (defaults: the
//    paper) and validated into OtganLossConfig.
//  - RunOtganTraining runs the Trainer with OT-GAN's step: per generator
//    iteration, CriticSteps(it, schedule) critic updates maximising the
//    minibatch energy distance L, then one generator update minimising L.
//    The mains only choose nets, data and latents.
//  - AddOtganNets makes both nets' Adam optimisers and registers nets and
//    optimisers with the Trainer.
//
//   struct MogConfig : otgan::replications::OtganLossConfig { int64_t latent; };
//   OTGAN_ASSIGN_OR_RETURN(otgan::replications::OtganLossConfig loss,
//                          otgan::replications::OtganLossConfigFromFlags());
//   ...
//   OTGAN_RETURN_IF_ERROR(RunOtganTraining(trainer, loss, OtganParts{
//       .generate = [&](const at::Tensor& z) { return gen->forward(z); },
//       .embed = [&](const at::Tensor& x) { return critic->forward(x); },
//       .gen_opt = gen_opt.get(), .critic_opt = critic_opt.get(),
//       .real_batch = [&] { return toy.Sample(loss.batch_size, data_gen); },
//       .latents = [&] { return at::randn({loss.batch_size, latent}); }}));
#ifndef OTGAN_REPLICATIONS_OTGAN_FAMILY_H_
#define OTGAN_REPLICATIONS_OTGAN_FAMILY_H_

#include <cstdint>
#include <functional>
#include <memory>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/ot/sinkhorn.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"

namespace otgan::replications {

struct OtganLossConfig {
  int64_t batch_size = 0;         // each of the four batches X, X', Y, Y'
  ot::SinkhornOptions sinkhorn;   // eps, max_iter, tol
  train::CriticSchedule schedule; // OtGanSchedule with --gen_steps_per_critic
  double lr = 0;                  // Adam (0.5, 0.999) for both nets
};

// Reads and validates the six shared flags; the message names the bad flag.
absl::StatusOr<OtganLossConfig> OtganLossConfigFromFlags();

// Both nets' optimisers: Adam (0.5, 0.999) [paper and code] at the loss's lr.
struct OtganOptimizers {
  std::unique_ptr<torch::optim::Optimizer> gen, critic;
};

// Makes OtganOptimizers over gen's and critic's parameters and registers
// "generator", "critic", "gen_opt" and "critic_opt" with `trainer`, in that
// order; a main adds its data state after.
absl::StatusOr<OtganOptimizers> AddOtganNets(train::Trainer& trainer, const OtganLossConfig& loss,
                                             std::shared_ptr<torch::nn::Module> gen,
                                             std::shared_ptr<torch::nn::Module> critic);

// What OT-GAN's step needs from a main. Tensors are on the training device.
struct OtganParts {
  std::function<at::Tensor(const at::Tensor& z)> generate;  // G(z)
  std::function<at::Tensor(const at::Tensor& x)> embed;     // critic embedding, rows l2-normalised
  torch::optim::Optimizer* gen_opt = nullptr;
  torch::optim::Optimizer* critic_opt = nullptr;
  std::function<at::Tensor()> real_batch;  // batch_size real points
  std::function<at::Tensor()> latents;     // batch_size latents
};

// Registers "critic_l" (the latest critic update's L, carried over on
// generator-only steps so that every metrics row has a value) as checkpointed
// state of `trainer` and runs it with OT-GAN's step. The cost is the cosine
// cost between embeddings, the gradient the envelope one (plan held fixed).
// Per critic update: Y, Y' generated without autograd, then X, X' drawn; per
// generator update: X, X' drawn, then Y, Y'. metrics.csv columns: gen_L,
// critic_L, sinkhorn_iters, marginal_error (the worst over the iteration's
// Sinkhorn solves). The modules, optimizers and data state are registered by
// the caller.
absl::Status RunOtganTraining(train::Trainer& trainer, const OtganLossConfig& loss,
                              const OtganParts& parts);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_OTGAN_FAMILY_H_

// What otgan_mnist and otgan_mog share: OT-GAN's loss settings and its
// training step (Salimans et al. 2018; official code openai/ot-gan @e0673f0).
//
//  - The flags --batch_size, --sinkhorn_eps, --sinkhorn_iters, --sinkhorn_tol,
//    --gen_steps_per_critic, --lr and --critic_lr are defined once here and read
//    into OtganLossConfig by OtganLossConfigFromFlags(preset): a flag left at
//    its default takes the main's preset value (otgan_mnist: the paper's
//    settings; otgan_mog: the official toy notebook's), a flag given on the
//    command line wins.
//  - RunOtganTraining runs the Trainer with OT-GAN's step: per generator
//    iteration, CriticSteps(it, schedule) critic updates maximising the
//    minibatch energy distance L, then one generator update minimising L,
//    then the main's after_gen_step hook (the generator EMA).
//  - AddOtganNets makes both nets' Adam optimisers and registers nets and
//    optimisers with the Trainer.
//
//   OtganLossConfig preset = MnistPreset();
//   OTGAN_ASSIGN_OR_RETURN(OtganLossConfig loss, OtganLossConfigFromFlags(preset));
//   ...
//   OTGAN_RETURN_IF_ERROR(RunOtganTraining(trainer, loss, OtganParts{
//       .generate = [&](const at::Tensor& z) { return gen->forward(z); },
//       .embed = [&](const at::Tensor& x) { return critic->forward(x); },
//       .gen_opt = opt.gen.get(), .critic_opt = opt.critic.get(),
//       .real_batch = [&] { return toy.Sample(loss.batch_size, data_gen); },
//       .latents = [&] { return at::randn({loss.batch_size, latent}); },
//       .after_gen_step = [&](int64_t it) { ema.Update(it); }}));
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
#include "lib/dist/context.h"
#include "lib/ot/cost.h"
#include "lib/ot/sinkhorn.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "replications/common.h"

namespace otgan::replications {

struct OtganLossConfig {
  int64_t batch_size = 0;          // each of the four batches X, X', Y, Y'
  ot::SinkhornOptions sinkhorn;    // eps, max_iter, tol
  train::CriticSchedule schedule;  // critic updates per generator iteration
  double gen_lr = 0;               // Adam (0.5, 0.999)
  double critic_lr = 0;            // Adam (0.5, 0.999)
  ot::CostKind cost = ot::CostKind::kCosine;  // between embeddings (not a flag)
};

// Reads and validates the shared flags; a flag at its default takes `preset`'s
// value. --gen_steps_per_critic, when given, replaces the preset's schedule
// by "one critic update every k generator iterations"; --lr, when given, sets
// both learning rates and --critic_lr the critic's. The message names the bad
// flag.
absl::StatusOr<OtganLossConfig> OtganLossConfigFromFlags(const OtganLossConfig& preset);

// Both nets' optimisers: Adam (0.5, 0.999) [paper and code] at the loss's
// learning rates.
struct OtganOptimizers {
  std::unique_ptr<torch::optim::Optimizer> gen, critic;
};

// Makes OtganOptimizers over gen's and critic's parameters and registers
// "generator", "critic", "gen_opt" and "critic_opt" with `trainer`, in that
// order; a main adds its EMA and data state after.
absl::StatusOr<OtganOptimizers> AddOtganNets(train::Trainer& trainer, const OtganLossConfig& loss,
                                             std::shared_ptr<torch::nn::Module> gen,
                                             std::shared_ptr<torch::nn::Module> critic);

// What OT-GAN's step needs from a main. Tensors are on the training device.
struct OtganParts {
  std::function<at::Tensor(const at::Tensor& z)> generate;  // G(z)
  std::function<at::Tensor(const at::Tensor& x)> embed;     // critic embedding
  torch::optim::Optimizer* gen_opt = nullptr;
  torch::optim::Optimizer* critic_opt = nullptr;
  std::function<at::Tensor()> real_batch;  // batch_size real points
  std::function<at::Tensor()> latents;     // batch_size latents
  // Called after each generator update with the iteration index (may be empty).
  std::function<void(int64_t it)> after_gen_step;
  // Data-parallel (lib/dist): when set with world_size > 1, each rank draws
  // its own batch_size points per batch, the embeddings are all-gathered so
  // that L is the loss of the global batch (batch_size x world_size; lib/dist
  // otgan_loss.h), gradients are averaged over ranks before each optimiser
  // step, and the Trainer's stop signal is voted on every step. The nets must
  // start equal on every rank (dist::BroadcastParameters).
  const dist::DistContext* dist = nullptr;
};

// Registers "critic_l" (the latest critic update's L, carried over on
// generator-only steps so that every metrics row has a value) as checkpointed
// state of `trainer` and runs it with OT-GAN's step. The cost is loss.cost
// between embeddings, the gradient the envelope one (plan held fixed).
// Per critic update: Y, Y' generated without autograd, then X, X' drawn; per
// generator update: X, X' drawn, then Y, Y'. With parts.dist of world W > 1,
// X, X', Y, Y' are this rank's shares of the W-times larger global batches.
// metrics.csv columns: gen_L,
// critic_L, sinkhorn_iters, marginal_error (the worst over the iteration's
// Sinkhorn solves). The modules, optimizers and data state are registered by
// the caller.
absl::Status RunOtganTraining(train::Trainer& trainer, const OtganLossConfig& loss,
                              const OtganParts& parts);

// The raw generator's outputs beside an EMA run (the official train.py saves
// and scores both): <run_dir>/raw/ gets samples_final.png (generate(grid_z),
// images in [0, 1], without autograd), samples_eval.npy (WriteEvalSamplesOf
// with `draw` and `generate`, so the same latents as the EMA's) and a copy of manifest.json, and, except
// at --budget=smoke, eval.json (printed as "<target>: raw generator eval: ...";
// `bazel run //eval:evaluate -- --run=<run>/raw` scores a smoke run's).
absl::Status WriteRawGeneratorRun(const CommonConfig& config, const at::Tensor& grid_z,
                                  const LatentDrawFn& draw, const GenerateFn& generate);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_OTGAN_FAMILY_H_

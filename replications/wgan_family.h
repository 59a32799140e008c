// The WGAN family's training (wgan_mnist, wgan_gp_mnist, wgan_gp_toy), in the
// shape of the OT family's RunOtganTraining (compare_gan's): one training
// loop, RunWganTraining, configured by named parts; the mains only build nets
// and data and say which parts they use.
//
//  - WganLoss: the critic's loss is WganCriticLoss (mean D(fake) - mean D(real));
//    the parts are the penalty (none | gradient penalty, Gulrajani 2017), what
//    follows each critic step (none | weight clipping, Arjovsky 2017) and the
//    critic schedule (lib/train/schedule.h).
//  - WganParts: the nets as functions, their optimisers, the real batches and
//    latents, and the data-parallel context.
//  - RunWganTraining: per generator iteration CriticSteps(it) critic steps
//    (WganCriticStep), then one generator step minimising -mean D(G(z)) with
//    the critic frozen (WganGeneratorUpdate).
//  - The MNIST mains' setup (MnistWgan) and the toys' critic surfaces.
//
//   WganLoss loss;                              // wgan_mnist:
//   loss.batch_size = 64;
//   loss.schedule = train::WganCodeSchedule();
//   loss.after_critic_step = AfterCriticStep::kClip;
//   loss.clip = 0.01;
//   OTGAN_RETURN_IF_ERROR(RunWganTraining(trainer, loss, m->Parts()));
#ifndef OTGAN_REPLICATIONS_WGAN_FAMILY_H_
#define OTGAN_REPLICATIONS_WGAN_FAMILY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/data/shuffler.h"
#include "lib/dist/context.h"
#include "lib/nn/wgan_nets.h"
#include "lib/train/losses.h"
#include "lib/train/optim.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "replications/common.h"
#include "replications/flag_types.h"

namespace otgan::replications {

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

// What the critic step penalises and what follows it.
enum class WganPenalty { kNone, kGradientPenalty };
enum class AfterCriticStep { kNone, kClip };

struct WganLoss {
  int64_t batch_size = 0;          // real and fake points per critic and generator step
  train::CriticSchedule schedule;  // critic steps per generator iteration
  WganPenalty penalty = WganPenalty::kNone;
  double lambda = 0;               // the gradient penalty's weight
  AfterCriticStep after_critic_step = AfterCriticStep::kNone;
  double clip = 0;                 // weights clipped to [-clip, clip]
};

// WGAN-GP's loss (wgan_gp_mnist, wgan_gp_toy) from --betas, --lr,
// --batch_size (after any smoke scale-down), --lambda and --n_critic: the
// gradient penalty, no clipping, n_critic steps per iteration, and the
// optimiser: Adam with betas kCode (0.5, 0.9) [the authors' MNIST and toy
// code] or kPaper (0, 0.9) at `lr` (the source notes an lr other than the
// published 1e-4). InvalidArgument naming the first bad flag (lr, batch_size,
// lambda, n_critic).
struct WganGpSettings {
  WganLoss loss;
  train::OptimizerSpec optimizer;
  SettingsSource betas = SettingsSource::kCode;
};
absl::StatusOr<WganGpSettings> WganGpSettingsFrom(SettingsSource betas, double lr,
                                                  int64_t batch_size, double lambda, int n_critic);

// ---------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------

// What the WGAN step needs from a main. Tensors are on the training device.
struct WganParts {
  GenerateFn generate;                                       // G(z), with autograd
  torch::nn::Module* gen_module = nullptr;                   // the module behind `generate`
  std::function<at::Tensor(const at::Tensor& x)> critic;     // D(x): [n] or [n, 1]
  torch::nn::Module* critic_module = nullptr;                // the module behind `critic`
  // D(real) and D(fake) in two passes (a critic with batch norm normalises
  // each batch by its own statistics, as gan_mnist.py's two Discriminator
  // calls do); else one pass over both together.
  bool separate_critic_passes = false;
  torch::optim::Optimizer* gen_opt = nullptr;
  torch::optim::Optimizer* critic_opt = nullptr;
  std::function<at::Tensor()> real_batch;  // batch_size real points
  std::function<at::Tensor()> latents;     // batch_size latents
  // Data-parallel (lib/dist): with world_size > 1 the ranks' gradients are
  // averaged before every optimiser step and the reported losses are the
  // ranks' means. The nets must start equal on every rank.
  const dist::DistContext* dist = nullptr;
};

// The values of one critic step.
struct WganCriticValues {
  double w_loss = 0;  // mean D(fake) - mean D(real)
  double penalty = 0; // lambda * mean (|grad D(x_hat)| - 1)^2, or 0
};

// One critic step: real_batch(), then generate(latents()) without autograd;
// WganCriticLoss (+ GradientPenalty), backward, gradients averaged over ranks,
// critic_opt step, then ClipWeights(critic_module, clip) when the loss says so
// (every critic parameter, batch norm's included, as gan_mnist.py).
absl::StatusOr<WganCriticValues> WganCriticStep(const WganLoss& loss, const WganParts& parts);

// One generator step: minimises WganGeneratorLoss(critic(generate(latents())))
// = -mean D(G(z)), with the critic's parameters frozen during the update
// (critic_module's requires_grad off, on again after); gen_module's gradients
// averaged over ranks before the step. Returns the loss.
absl::StatusOr<double> WganGeneratorStep(const WganParts& parts);

// Runs `trainer` with the WGAN step: per generator iteration `it`,
// CriticSteps(it, loss.schedule) WganCriticStep, then WganGeneratorStep.
// metrics.csv columns: critic_loss (w_loss + penalty of the last critic
// step), wasserstein_estimate (-w_loss), gradient_penalty (with the gradient
// penalty), gen_loss, critic_steps (when the schedule has bursts). The
// modules, optimisers and data state are registered by the caller.
absl::Status RunWganTraining(train::Trainer& trainer, const WganLoss& loss,
                             const WganParts& parts);

// Switches requires_grad on every parameter of `module`.
void SetRequiresGrad(torch::nn::Module& module, bool on);

// ---------------------------------------------------------------------------
// MNIST setup of wgan_mnist and wgan_gp_mnist
// ---------------------------------------------------------------------------

// What the two MNIST WGAN mains share: the 60000 training images in [0, 1]
// (the range of the WGAN-GP MNIST code), the WGAN-GP MNIST nets, one
// optimiser per net and the data shuffler.
//
//   OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<MnistWgan> m,
//                          MnistWgan::Make(c, dim, latent, optimizer));
//   OTGAN_RETURN_IF_ERROR(StartRun(c, {...}));
//   train::Trainer trainer(tc);
//   m->Register(trainer);
//   OTGAN_RETURN_IF_ERROR(RunWganTraining(trainer, loss, m->Parts(loss.batch_size)));
// How the MNIST nets are built: batch norm (gan_mnist.py MODE='wgan' has it,
// MODE='wgan-gp' not) and the initialisation (tflib's, as the code, or
// LibTorch's defaults).
struct MnistNetOptions {
  bool batch_norm = false;
  NetInit init = NetInit::kTflib;
};

struct MnistWgan {
  // Loads the images, then seeds LibTorch with config.seed and builds G, D
  // (DIM = dim, on config.device; InitTflib on both for NetInit::kTflib),
  // their optimisers of `spec` and the shuffler (seed config.seed), in that order.
  static absl::StatusOr<std::unique_ptr<MnistWgan>> Make(const CommonConfig& config, int64_t dim,
                                                         int64_t latent,
                                                         const train::OptimizerSpec& spec,
                                                         const MnistNetOptions& net = {});

  // Registers "generator", "critic", "gen_opt", "critic_opt" and the shuffler
  // "data" with `trainer`, and the sample grid: G on 64 fixed latents drawn
  // from a generator seeded config.seed + 17.
  // sample_grid false: no grid (ranks other than 0 of a distributed run).
  void Register(train::Trainer& trainer, bool sample_grid = true);

  // The WganParts of these nets (their forward passes in `precision`): real batches of `batch_size` images from the
  // shuffler, latents GaussianLatents(batch_size, latent, device) from
  // LibTorch's default generator, separate critic passes when the critic has
  // batch norm, and `dist` (may be null).
  WganParts Parts(int64_t batch_size, const dist::DistContext* dist = nullptr);

  GenerateFn Generate();

  // The rest of an MNIST WGAN main: a Trainer of `tc`, Register (sample grid
  // on rank 0 only), the evaluation curve (rank 0), RunWganTraining with
  // Parts(loss.batch_size, dist), then samples_eval.npy (rank 0).
  absl::Status Train(const CommonConfig& config, const train::TrainerConfig& tc,
                     const WganLoss& loss, const dist::DistContext* dist = nullptr);

  c10::Device device = c10::Device(c10::kCPU);
  uint64_t seed = 0;
  train::Precision precision = train::Precision::kFp32;  // of the training passes (Parts)
  int64_t latent = 0;
  at::Tensor images;  // [60000, 1, 28, 28], CPU
  nn::WganGpGenerator gen{nullptr};
  nn::WganGpCritic critic{nullptr};
  std::unique_ptr<torch::optim::Optimizer> gen_opt, critic_opt;
  std::unique_ptr<data::EpochShuffler> shuffler;
  at::Tensor fixed_z;  // the sample grid's latents, set by Register
};

// ---------------------------------------------------------------------------
// Toy critic surfaces
// ---------------------------------------------------------------------------

// A square grid of size x size points over [-range, range]^2:
// xs = linspace(-range, range, size); point (i, j) = (x = xs[j], y = xs[i]),
// so row i holds one y value and y grows with i (matplotlib's
// imshow(origin="lower", extent=[-range, range, -range, range])).
struct SurfaceGrid {
  int64_t size = 128;
  double range = 2.0;
};

// The grid's points as float32 [size*size, 2], row-major over (i, j).
at::Tensor GridPoints(const SurfaceGrid& grid);

// critic over the grid, float32 [size, size] on the CPU (no autograd; the
// points are fed in chunks to bound memory).
at::Tensor CriticSurface(const std::function<at::Tensor(const at::Tensor&)>& critic,
                         const SurfaceGrid& grid, const c10::Device& device);

// Writes <run_dir>/critic_surface.npy (the surface) and critic_surface.json
// (size, range, layout, min and max) atomically.
absl::Status WriteCriticSurface(const std::string& run_dir, const at::Tensor& surface,
                                const SurfaceGrid& grid);

// An RGB frame [1, 3, size*scale, size*scale] in [0, 1] for the sample grids:
// the surface shaded from blue (low) to yellow (high) with 12 grey contour
// levels, real points orange and generated points green (each [n, 2]; points
// outside the grid are skipped). Top of the image is y = +range.
at::Tensor RenderToyFrame(const at::Tensor& surface, const SurfaceGrid& grid,
                          const at::Tensor& real, const at::Tensor& generated, int scale = 2);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_WGAN_FAMILY_H_

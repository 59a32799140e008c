// Wiring shared by the WGAN-family replications (wgan_mnist, wgan_gp_mnist,
// wgan_gp_toy): what their mains would otherwise repeat, and nothing about a
// particular method. The training loop is lib/train's Trainer; the losses are
// lib/train/losses.h; these helpers only move data and files around it. The
// flag checks, smoke scale-down and evaluation samples they also use are in
// replications/common.h.
//
//  - Trainer settings from each main's --log_every, --sample_every and
//    --checkpoint_every, and WGAN-GP's Adam from --betas and --lr.
//  - The MNIST mains' setup (MnistWgan): images, WGAN-GP MNIST nets,
//    optimisers, shuffler, their Trainer registration and the fixed-latent
//    sample grid, plus the critic-step pieces both critic loops use.
//  - The flags --log_every, --sample_every and --checkpoint_every
//    (OTGAN_WGAN_INTERVAL_FLAGS) and WGAN-GP's loss settings (WganGpLoss).
//  - Toys: the critic's value surface on a grid (critic_surface.npy/.json) and
//    an RGB frame (surface shading, contour lines, real and generated points)
//    that the Trainer writes as its sample grid.
//
//   OTGAN_ASSIGN_OR_RETURN(w.optimizer, WganGpAdam(absl::GetFlag(FLAGS_betas),
//                                                  absl::GetFlag(FLAGS_lr)));
//   OTGAN_ASSIGN_OR_RETURN(w.trainer, WganTrainerConfig(c, StepsFor(c, 20, 350, 200000),
//       {absl::GetFlag(FLAGS_log_every), absl::GetFlag(FLAGS_sample_every),
//        absl::GetFlag(FLAGS_checkpoint_every)}, /*sample_smoke=*/10, /*sample_other=*/50,
//       /*checkpoint_other=*/250));
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
#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "lib/data/shuffler.h"
#include "lib/dist/context.h"
#include "lib/nn/wgan_nets.h"
#include "lib/train/losses.h"
#include "lib/train/optim.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "replications/common.h"

// Defines a WGAN main's --log_every (default `log_default`), --sample_every
// and --checkpoint_every (default 0 = the budget's); `sample_what` names what
// is written ("sample grid", "sample frame"). Expanded at file scope of the
// main, so the flags stay the executable's own.
#define OTGAN_WGAN_INTERVAL_FLAGS(log_default, sample_what)                                  \
  ABSL_FLAG(int64_t, log_every, log_default,                                                \
            "metrics.csv row every this many generator iterations");                        \
  ABSL_FLAG(int64_t, sample_every, 0,                                                       \
            sample_what " every this many iterations; 0 = budget default");                 \
  ABSL_FLAG(int64_t, checkpoint_every, 0,                                                   \
            "checkpoint every this many iterations; 0 = budget default")

namespace otgan::replications {

// ---------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------

// The Trainer settings from a main's --log_every, --sample_every and
// --checkpoint_every (`flags`; each main defines them with its own defaults):
// sample_every 0 = sample_smoke at --budget=smoke, else sample_other;
// checkpoint_every 0 = none at --budget=smoke, else checkpoint_other.
// InvalidArgument unless log_every > 0 and the others >= 0.
absl::StatusOr<train::TrainerConfig> WganTrainerConfig(const CommonConfig& config,
                                                       int64_t total_steps,
                                                       const TrainerIntervals& flags,
                                                       int64_t sample_smoke, int64_t sample_other,
                                                       int64_t checkpoint_other);

// WGAN-GP's Adam: betas "code" (0.5, 0.9) [the authors' MNIST and toy code]
// or "paper" (0, 0.9), learning rate `lr` (the source notes an lr other than
// the published 1e-4). InvalidArgument naming --betas for another name.
absl::StatusOr<train::OptimizerSpec> WganGpAdam(const std::string& betas, double lr);

// WGAN-GP's settings shared by wgan_gp_mnist and wgan_gp_toy.
struct WganGpLoss {
  train::OptimizerSpec optimizer;  // WganGpAdam(betas_name, lr)
  std::string betas_name;
  int64_t batch = 0;
  double lambda = 0;
  train::CriticSchedule schedule;  // WganGpSchedule with n_critic
};

// The WganGpLoss of the main's --betas, --lr, --batch (after any smoke
// scale-down), --lambda and --n_critic; InvalidArgument naming the first bad
// flag, in that order (betas, lr, batch, lambda, n_critic).
absl::StatusOr<WganGpLoss> WganGpLossFrom(const std::string& betas, double lr, int64_t batch,
                                          double lambda, int n_critic);

// --init of the WGAN mains: "tflib" (the authors' code: tflib's schemes,
// zero biases) -> true, "torch" (LibTorch's defaults) -> false;
// InvalidArgument naming --init otherwise.
absl::StatusOr<bool> ParseTflibInit(const std::string& init);

// ---------------------------------------------------------------------------
// Training helpers
// ---------------------------------------------------------------------------

// Switches requires_grad on every parameter of `module` (off for the critic
// during a generator step saves the critic's weight gradients).
void SetRequiresGrad(torch::nn::Module& module, bool on);

// One generator update of every WGAN main: minimises
// WganGeneratorLoss(critic(generate(z))) = -mean D(G(z)) over `batch` latents
// GaussianLatents(batch, latent, device) (LibTorch's default generator), with
// the critic's parameters frozen during the update (`critic_module` is the
// module behind `critic`); returns the loss. `before_step`, when set, runs
// between backward and the optimiser step (data-parallel runs average the
// gradients there); an error it returns is thrown as a c10::Error, which the
// Trainer turns into the step's Status.
double WganGeneratorUpdate(const GenerateFn& generate, torch::nn::Module& critic_module,
                           const std::function<at::Tensor(const at::Tensor&)>& critic,
                           torch::optim::Optimizer& gen_opt, int64_t batch, int64_t latent,
                           const c10::Device& device,
                           const std::function<absl::Status()>& before_step = nullptr);

// ---------------------------------------------------------------------------
// MNIST setup of wgan_mnist and wgan_gp_mnist
// ---------------------------------------------------------------------------

// What the two MNIST WGAN mains share: the 60000 training images in [0, 1]
// (the range of the WGAN-GP MNIST code), the WGAN-GP MNIST nets, one
// optimiser per net and the data shuffler. The critic loop stays in each main.
//
//   OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<MnistWgan> m,
//                          MnistWgan::Make(c, dim, latent, optimizer));
//   OTGAN_RETURN_IF_ERROR(StartRun(c, {...}));
//   train::Trainer trainer(tc);
//   m->Register(trainer);
//   ... m->RealBatch(batch), m->FakeBatch(batch), m->CriticLoss(real, fake) ...
//   const double g_loss = m->GeneratorUpdate(batch);
// How the MNIST nets are built: batch norm (gan_mnist.py MODE='wgan' has it,
// MODE='wgan-gp' not) and the initialisation (tflib's, as the code, or
// LibTorch's defaults).
struct MnistNetOptions {
  bool batch_norm = false;
  bool tflib_init = true;
};

struct MnistWgan {
  // Loads the images, then seeds LibTorch with config.seed and builds G, D
  // (DIM = dim, on config.device; InitTflib on both when net.tflib_init),
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

  // `batch` real images from the shuffler, on the device.
  at::Tensor RealBatch(int64_t batch);
  // G on `batch` latents GaussianLatents(batch, latent, device), no autograd.
  at::Tensor FakeBatch(int64_t batch);
  // WganCriticLoss of the critic on real and fake: one pass over both
  // together, or, when the critic has batch norm, one pass each (so each
  // batch is normalised by its own statistics, as gan_mnist.py's two
  // Discriminator calls are).
  at::Tensor CriticLoss(const at::Tensor& real, const at::Tensor& fake);
  // One weight-clipping critic step of wgan_mnist: CriticLoss on RealBatch
  // and FakeBatch, a critic_opt step, then ClipWeights(critic, clip) (every
  // critic parameter, as gan_mnist.py). Returns the loss.
  double ClippedCriticStep(int64_t batch, double clip);
  // WganGeneratorUpdate with these nets and gen_opt; returns the loss. With
  // `dist` set (world > 1), the generator's gradients are averaged over ranks
  // before the step.
  double GeneratorUpdate(int64_t batch);
  // Data-parallel runs: averages the gradients of `module` over dist's ranks
  // (lib/dist AllReduceGradients); OK without dist or alone.
  absl::Status SyncGradients(torch::nn::Module& module) const;
  const dist::DistContext* dist = nullptr;

  GenerateFn Generate();
  train::CriticFn Critic();

  c10::Device device = c10::Device(c10::kCPU);
  uint64_t seed = 0;
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

// Wiring shared by the WGAN-family replications (wgan_mnist, wgan_gp_mnist,
// wgan_gp_toy): what their mains would otherwise repeat, and nothing about a
// particular method. The training loop is lib/train's Trainer; the losses are
// lib/train/losses.h; these helpers only move data and files around it. The
// flag checks, smoke scale-down and evaluation samples they also use are in
// replications/common.h.
//
//  - Trainer settings from each main's --log_every, --sample_every and
//    --checkpoint_every, and WGAN-GP's Adam from --betas and --lr.
//  - MNIST training images as the WGAN-GP code used them: [N,1,28,28] in [0,1].
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
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/train/optim.h"
#include "lib/train/trainer.h"
#include "replications/common.h"

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

// ---------------------------------------------------------------------------
// Training helpers
// ---------------------------------------------------------------------------

// The 60000 MNIST training images from config.data_dir, float32
// [60000, 1, 28, 28] in [0, 1] (the range of the WGAN-GP MNIST code).
absl::StatusOr<at::Tensor> LoadMnistTrainImages(const CommonConfig& config);

// Switches requires_grad on every parameter of `module` (off for the critic
// during a generator step saves the critic's weight gradients).
void SetRequiresGrad(torch::nn::Module& module, bool on);

// One generator update of every WGAN main: minimises
// WganGeneratorLoss(critic(generate(z))) = -mean D(G(z)) over `batch` latents
// GaussianLatents(batch, latent, device) (LibTorch's default generator), with
// the critic's parameters frozen during the update (`critic_module` is the
// module behind `critic`); returns the loss.
double WganGeneratorUpdate(const GenerateFn& generate, torch::nn::Module& critic_module,
                           const std::function<at::Tensor(const at::Tensor&)>& critic,
                           torch::optim::Optimizer& gen_opt, int64_t batch, int64_t latent,
                           const c10::Device& device);

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

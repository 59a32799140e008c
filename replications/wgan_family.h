// Wiring shared by the WGAN-family replications (wgan_mnist, wgan_gp_mnist,
// wgan_gp_toy): what their mains would otherwise repeat, and nothing about a
// particular method. The training loop is lib/train's Trainer; the losses are
// lib/train/losses.h; these helpers only move data and files around it.
//
//  - Smoke scale-down: at --budget=smoke a main shrinks the flags that are
//    still at their (SPEC) defaults, e.g. batch 64 -> 16, so the smoke run
//    finishes in seconds; a flag given on the command line is never touched.
//    The applied overrides go into the manifest ("smoke_overrides").
//  - MNIST training images as the WGAN-GP code used them: [N,1,28,28] in [0,1].
//  - samples_eval.npy: EvalSamplesFor(config) samples from a fixed seed.
//  - Toys: the critic's value surface on a grid (critic_surface.npy/.json) and
//    an RGB frame (surface shading, contour lines, real and generated points)
//    that the Trainer writes as its sample grid.
//
//   SmokeOverrides smoke;
//   int64_t batch = absl::GetFlag(FLAGS_batch);
//   ApplySmokeDefault(config, "batch", int64_t{16}, &batch, &smoke);
//   OTGAN_RETURN_IF_ERROR(CheckPositive("batch", batch));
//   ...
//   OTGAN_RETURN_IF_ERROR(WriteEvalSamples(config, latent,
//       [&](const at::Tensor& z) { return gen->forward(z); }));
#ifndef OTGAN_REPLICATIONS_WGAN_FAMILY_H_
#define OTGAN_REPLICATIONS_WGAN_FAMILY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "replications/common.h"

namespace otgan::replications {

// ---------------------------------------------------------------------------
// Flags and validation
// ---------------------------------------------------------------------------

// True when the flag called `name` holds its default value (false for an
// unknown name).
bool FlagAtDefault(const std::string& name);

// Overrides applied at --budget=smoke, as (flag, value) pairs.
struct SmokeOverrides {
  std::vector<std::pair<std::string, std::string>> applied;
  // "batch=16 dim=16", or "none".
  std::string Describe() const;
};

// At --budget=smoke, replaces *value (the flag `name`'s value) by
// smoke_value when the flag is still at its default, and records it.
template <typename T>
void ApplySmokeDefault(const CommonConfig& config, const std::string& name, T smoke_value,
                       T* value, SmokeOverrides* smoke) {
  if (config.budget != train::Budget::kSmoke || !FlagAtDefault(name)) return;
  *value = smoke_value;
  smoke->applied.emplace_back(name, absl::StrCat(smoke_value));
}

// InvalidArgument "--<flag>=<value>: expected a positive number" unless value > 0.
absl::Status CheckPositive(const std::string& flag, double value);
// InvalidArgument unless value >= 0.
absl::Status CheckNonNegative(const std::string& flag, double value);

// ---------------------------------------------------------------------------
// Training helpers
// ---------------------------------------------------------------------------

// The 60000 MNIST training images from config.data_dir, float32
// [60000, 1, 28, 28] in [0, 1] (the range of the WGAN-GP MNIST code).
absl::StatusOr<at::Tensor> LoadMnistTrainImages(const CommonConfig& config);

// Switches requires_grad on every parameter of `module` (off for the critic
// during a generator step saves the critic's weight gradients).
void SetRequiresGrad(torch::nn::Module& module, bool on);

// z ~ N(0, I_latent), [n, latent], drawn on the CPU from `gen` (LibTorch's
// default generator when empty, which the Trainer checkpoints) and moved to
// `device`, so a CPU run and its resumed continuation see the same draws.
at::Tensor GaussianLatents(int64_t n, int64_t latent, const c10::Device& device,
                           c10::optional<at::Generator> gen = c10::nullopt);

// ---------------------------------------------------------------------------
// Evaluation samples
// ---------------------------------------------------------------------------

// The seed of the evaluation latents: config.seed plus a fixed offset, so
// they differ from the training draws and are the same for every run of a seed.
uint64_t EvalSeed(const CommonConfig& config);

using GenerateFn = std::function<at::Tensor(const at::Tensor& z)>;

// Draws EvalSamplesFor(config) latents N(0, I_latent) from a generator seeded
// with EvalSeed(config), maps them through `generate` in batches of `batch`
// (no autograd), and writes <run_dir>/samples_eval.npy (float32, CPU,
// [N, ...] as `generate` returns them).
absl::Status WriteEvalSamples(const CommonConfig& config, int64_t latent,
                              const GenerateFn& generate, int64_t batch = 500);

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

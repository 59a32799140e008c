// Salimans et al. (ICLR 2018), OT-GAN's toy consistency test: a mixture of 8
// Gaussians (the WGAN-GP toy scale, lib/data/toy.h) learnt with MLP nets and the
// same loss as otgan_mnist:
//
//   L = W(X,Y) + W(X,Y') + W(X',Y) + W(X',Y') - 2 W(X,X') - 2 W(Y,Y'),
//   cosine cost on l2-normalised critic embeddings, Sinkhorn eps 1/500 with 500
//   iterations, envelope gradients, 3 generator updates per critic update,
//   Adam 3e-4 (0.5, 0.999).
//
// Nets (the paper gives no toy architecture): generator z ~ N(0, I_latent) ->
// 3 x 512 ReLU -> 2; critic 2 -> 3 x 512 ReLU -> 32, l2-normalised.
//
// The sample grid is a scatter plot: 2000 samples of a fixed latent batch
// (black) and the 8 mode centres (red) on [-2, 2]^2, 256 x 256 pixels. The
// evaluation samples (samples_eval.npy) are points [N, 2].
//
//   bazel run -c opt //replications:otgan_mog -- --budget=cpu
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/data/toy.h"
#include "lib/io/image_grid.h"
#include "lib/nn/mlp.h"
#include "lib/train/trainer.h"
#include "lib/util/status.h"
#include "replications/common.h"
#include "replications/otgan_family.h"

ABSL_FLAG(int64_t, latent, 2, "latent dimension (z ~ N(0, I))");
ABSL_FLAG(int64_t, hidden, 512, "width of the 3 hidden ReLU layers of both nets");
ABSL_FLAG(int64_t, embed, 32, "critic embedding size (l2-normalised)");
ABSL_FLAG(int64_t, sample_every, 0, "scatter plot every this many steps; 0 = the budget's default");

namespace otgan::replications {
namespace {

constexpr int kPlotSize = 256;
constexpr double kPlotHalfWidth = 2.0;
constexpr int64_t kPlotPoints = 2000;

struct MogConfig : OtganLossConfig {
  int64_t latent, hidden, embed, sample_every;
};

absl::StatusOr<MogConfig> ConfigFromFlags() {
  MogConfig c;
  OTGAN_ASSIGN_OR_RETURN(OtganLossConfig loss, OtganLossConfigFromFlags());
  static_cast<OtganLossConfig&>(c) = loss;
  c.latent = absl::GetFlag(FLAGS_latent);
  c.hidden = absl::GetFlag(FLAGS_hidden);
  c.embed = absl::GetFlag(FLAGS_embed);
  c.sample_every = absl::GetFlag(FLAGS_sample_every);
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("latent", c.latent, 1));
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("hidden", c.hidden, 1));
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("embed", c.embed, 2));
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("sample_every", c.sample_every, 0));
  return c;
}

// Scatter plot of points [N, 2] and centres [K, 2] over [-w, w]^2 as an RGB
// image [1, 3, size, size] in [0, 1] (y up): white background, samples black,
// centres as red 5x5 squares drawn on top.
at::Tensor ScatterImage(const at::Tensor& points, const at::Tensor& centers, int size, double w) {
  at::Tensor img = at::ones({3, size, size}, at::kFloat);
  auto pixel = [&](const at::Tensor& p) {
    at::Tensor col = ((p.select(1, 0) + w) / (2 * w) * size).floor().to(at::kLong);
    at::Tensor row = ((w - p.select(1, 1)) / (2 * w) * size).floor().to(at::kLong);
    at::Tensor inside = (col >= 0) & (col < size) & (row >= 0) & (row < size);
    return std::make_pair(row.masked_select(inside), col.masked_select(inside));
  };
  auto [r, c] = pixel(points.to(at::kCPU, at::kFloat));
  at::Tensor flat = img.view({3, size * size});
  flat.index_fill_(1, r * size + c, 0.0);
  auto [cr, cc] = pixel(centers);
  for (int dy = -2; dy <= 2; ++dy) {
    for (int dx = -2; dx <= 2; ++dx) {
      at::Tensor rr = (cr + dy).clamp(0, size - 1), ccl = (cc + dx).clamp(0, size - 1);
      at::Tensor idx = rr * size + ccl;
      flat.select(0, 0).index_fill_(0, idx, 1.0);
      flat.select(0, 1).index_fill_(0, idx, 0.0);
      flat.select(0, 2).index_fill_(0, idx, 0.0);
    }
  }
  return img.unsqueeze(0);
}

absl::Status Run(const CommonConfig& common) {
  OTGAN_ASSIGN_OR_RETURN(MogConfig cfg, ConfigFromFlags());
  at::manual_seed(common.seed);
  const data::ToyDistribution toy = data::ToyDistribution::Make(data::ToyKind::k8Gaussians);

  // cpu: ~17 min at one thread (README); paper: no schedule published for
  // the toy, 20k generator iterations is our choice.
  const int64_t steps = StepsFor(common, /*smoke=*/9, /*cpu=*/2000, /*paper=*/20000);

  OTGAN_RETURN_IF_ERROR(StartRun(
      common,
      {{"eval_dataset", "8gaussians"},
       {"sample_range", "0,1"},
       {"settings_source",
        "paper (loss, cosine cost, envelope gradient, eps 1/500, 500 iterations, 3 generator "
        "steps per critic step, Adam 3e-4 (0.5, 0.999)); toy nets and batch size our choice"},
       {"dataset", "8gaussians (WGAN-GP toy scale: radius 2/1.414, std 0.02/1.414)"},
       {"loss", "minibatch energy distance, W = <P_eps, C> (entropy left out)"},
       {"gradient", "envelope (plan held fixed)"},
       {"generator", absl::StrCat("MLP ", cfg.latent, "-3x", cfg.hidden, " ReLU-2")},
       {"critic", absl::StrCat("MLP 2-3x", cfg.hidden, " ReLU-", cfg.embed, ", l2-normalised")},
       {"latent_distribution", "N(0, I_latent)"},
       {"samples_final", "scatter-plot image [1,3,256,256] over [-2,2]^2; points in samples_eval.npy"},
       {"total_steps", absl::StrCat(steps)}}));

  nn::Mlp gen(nn::MlpOptions{.in = cfg.latent,
                             .hidden = {cfg.hidden, cfg.hidden, cfg.hidden},
                             .out = 2,
                             .activation = nn::Activation::kReLU,
                             .output = nn::Activation::kNone});
  nn::Mlp critic(nn::MlpOptions{.in = 2,
                                .hidden = {cfg.hidden, cfg.hidden, cfg.hidden},
                                .out = cfg.embed,
                                .activation = nn::Activation::kReLU,
                                .output = nn::Activation::kNone});
  gen->to(common.device);
  critic->to(common.device);
  at::Generator data_gen = at::make_generator<at::CPUGeneratorImpl>(common.seed + 0xda7a);

  train::Trainer trainer(TrainerConfigFor(common, steps, /*smoke=*/{1, 3, 0},
                                          /*other=*/{20, 250, 1000}, {0, cfg.sample_every, 0}));
  OTGAN_ASSIGN_OR_RETURN(OtganOptimizers opt, AddOtganNets(trainer, cfg, gen.ptr(), critic.ptr()));
  trainer.AddGenerator("data", data_gen);

  at::Generator plot_gen = at::make_generator<at::CPUGeneratorImpl>(common.seed + 0x9d1d);
  const at::Tensor fixed_z = at::randn({kPlotPoints, cfg.latent}, plot_gen, at::kFloat).to(common.device);
  io::GridOptions grid;
  grid.padding = 0;
  trainer.SetSampleFn(
      [&] { return ScatterImage(gen->forward(fixed_z), toy.centers(), kPlotSize, kPlotHalfWidth); },
      grid);

  const at::TensorOptions zopt = at::TensorOptions().dtype(at::kFloat).device(common.device);
  OTGAN_RETURN_IF_ERROR(RunOtganTraining(
      trainer, cfg,
      OtganParts{.generate = [&](const at::Tensor& z) { return gen->forward(z); },
                 .embed =
                     [&](const at::Tensor& x) {
                       at::Tensor v = critic->forward(x);
                       return v / v.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
                     },
                 .gen_opt = opt.gen.get(),
                 .critic_opt = opt.critic.get(),
                 .real_batch = [&] { return toy.Sample(cfg.batch_size, data_gen).to(common.device); },
                 .latents = [&] { return at::randn({cfg.batch_size, cfg.latent}, zopt); }}));

  return WriteEvalSamplesOf(
      common, [&](int64_t n, at::Generator& g) { return at::randn({n, cfg.latent}, g, at::kFloat); },
      [&](const at::Tensor& z) { return gen->forward(z); });
}

}  // namespace
}  // namespace otgan::replications

int main(int argc, char** argv) {
  return otgan::replications::Main(
      argc, argv, "otgan_mog",
      "Salimans et al. 2018 OT-GAN toy: 8 Gaussians with MLP nets, minibatch energy distance "
      "with a cosine cost on critic embeddings.",
      otgan::replications::Run);
}

// Salimans et al. (ICLR 2018), OT-GAN's toy experiment as in the official
// code: openai/ot-gan @e0673f0, toy_example/med_gan_toy_example2.ipynb with
// toy_example/matching_cpu.py.
//
//   data      8 Gaussians, centres at radius 2, per-coordinate std 0.2
//             (gaussians_8mode; lib/data/toy.h "8gaussians_otgan")
//   generator z ~ N(0, I_256) -> 3 x 128 ReLU -> 2 (linear output)
//   critic    x / 4 -> 3 x 32 ReLU -> 16 features, not normalised
//   init      weights N(0, 2 / fan_in) (the notebook's xavier_init), biases 0
//   cost      c(a, b) = 1/2 mean_k (a_k - b_k)^2 = |a - b|^2 / 32 between the
//             16-d features (matching_cpu.py:17-45); here the squared Euclidean
//             cost on features / sqrt(32)
//   loss      L = W(X,Y) + W(X,Y') + W(X',Y) + W(X',Y') - 2 W(X,X') - 2 W(Y,Y'),
//             W = <P, C> after 10 Sinkhorn iterations at lambda = 50 (eps 1/50),
//             envelope gradients; each of X, X', Y, Y' holds 256 points
//   schedule  one critic update (maximising L) and one generator update
//             (minimising L) per iteration for the first 15000 iterations,
//             then generator updates only, the critic frozen (--critic_iters);
//             40000 iterations in all (the notebook's loop)
//   optimiser Adam (0.5, 0.999), critic 2e-5, generator 1e-4 (5 x 2e-5)
//
// Differences (replications/fidelity/otgan.md): fresh target samples for every
// batch (the notebook cycles through 40000 fixed points, and its critic and
// generator updates of one iteration share the same real batch); our W uses
// the plan after the last column update, the notebook's a final row
// normalisation (softmax) of it; the notebook's Adam adds its 1e-8 inside the
// square root.
//
// The sample grid is a scatter plot: 2000 samples of a fixed latent batch
// (black) and the 8 mode centres (red) on [-4, 4]^2 (the notebook's axes),
// 256 x 256 pixels. The evaluation samples (samples_eval.npy) are points [N, 2].
//
//   bazel run -c opt //replications:otgan_mog -- --budget=cpu
#include <cmath>
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

ABSL_FLAG(int64_t, latent, 256, "latent dimension (z ~ N(0, I)) [notebook: Z_dim]");
ABSL_FLAG(int64_t, gen_hidden, 128, "width of the generator's 3 hidden ReLU layers [notebook]");
ABSL_FLAG(int64_t, critic_hidden, 32, "width of the critic's 3 hidden ReLU layers [notebook]");
ABSL_FLAG(int64_t, features, 16, "critic feature size (not normalised) [notebook]");
ABSL_FLAG(int64_t, critic_iters, 15000,
          "iterations with a critic update (1:1 with the generator); after them the critic is "
          "frozen and only the generator trains [notebook]");

namespace otgan::replications {
namespace {

constexpr int kPlotSize = 256;
constexpr double kPlotHalfWidth = 4.0;
constexpr int64_t kPlotPoints = 2000;

struct MogConfig : OtganLossConfig {
  int64_t latent, gen_hidden, critic_hidden, features, critic_iters;
};

// The notebook's settings (cell 0 and its training loop).
OtganLossConfig NotebookPreset(int64_t critic_iters) {
  OtganLossConfig p;
  p.batch_size = 256;  // batch_size 512 split into X_1, X_2 (and Z_1, Z_2)
  p.sinkhorn.eps = 1.0 / 50;
  p.sinkhorn.max_iter = 10;
  p.sinkhorn.tol = 0;
  p.schedule = train::CriticSchedule{};
  p.schedule.n_critic = 0;
  p.schedule.burst_first_iters = critic_iters;
  p.schedule.burst_critic = 1;
  p.gen_lr = 1e-4;
  p.critic_lr = 2e-5;
  p.cost = ot::CostKind::kSqEuclidean;
  return p;
}

absl::StatusOr<MogConfig> ConfigFromFlags() {
  MogConfig c;
  c.critic_iters = absl::GetFlag(FLAGS_critic_iters);
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("critic_iters", c.critic_iters, 0));
  OTGAN_ASSIGN_OR_RETURN(OtganLossConfig loss, OtganLossConfigFromFlags(NotebookPreset(c.critic_iters)));
  static_cast<OtganLossConfig&>(c) = loss;
  c.latent = absl::GetFlag(FLAGS_latent);
  c.gen_hidden = absl::GetFlag(FLAGS_gen_hidden);
  c.critic_hidden = absl::GetFlag(FLAGS_critic_hidden);
  c.features = absl::GetFlag(FLAGS_features);
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("latent", c.latent, 1));
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("gen_hidden", c.gen_hidden, 1));
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("critic_hidden", c.critic_hidden, 1));
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("features", c.features, 1));
  return c;
}

// The notebook's xavier_init: N(0, 2 / fan_in) weights; zero biases.
void NotebookInit(nn::Mlp& mlp) {
  at::NoGradGuard no_grad;
  for (auto& kv : mlp->named_parameters()) {
    at::Tensor& p = kv.value();
    if (p.dim() == 2) {
      p.normal_(0, std::sqrt(2.0 / static_cast<double>(p.size(1))));
    } else {
      p.zero_();
    }
  }
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
  at::manual_seed(StreamSeed(common.seed, Stream::kInit));
  const data::ToyDistribution toy = data::ToyDistribution::Make(data::ToyKind::k8GaussiansOtgan);

  // The notebook's loop runs 40000 iterations (15000 of them with a critic
  // update); cpu and paper both run it.
  const int64_t steps = StepsFor(common, /*smoke=*/9, /*cpu=*/40000, /*paper=*/40000);

  OTGAN_RETURN_IF_ERROR(StartRun(
      common,
      {{"paper", "otgan"},
       {"method", "otgan"},
       {"eval_dataset", toy.name()},
       {"sample_range", "0,1"},
       {"settings_source",
        "code: openai/ot-gan@e0673f0 toy_example/med_gan_toy_example2.ipynb and matching_cpu.py "
        "(data, nets, init, cost, lambda 50, 10 Sinkhorn iterations, batch 2 x 256, Adam, "
        "1:1 updates then generator only, 40000 iterations)"},
       {"dataset", "8gaussians_otgan (radius 2, std 0.2)"},
       {"loss", "minibatch energy distance, W = <P_eps, C> (entropy left out)"},
       {"cost", "1/2 mean squared difference of the 16-d critic features"},
       {"gradient", "envelope (plan held fixed)"},
       {"generator", absl::StrCat("MLP ", cfg.latent, "-3x", cfg.gen_hidden, " ReLU-2")},
       {"critic", absl::StrCat("x/4, MLP 2-3x", cfg.critic_hidden, " ReLU-", cfg.features,
                               ", unnormalised")},
       {"init", "weights N(0, 2/fan_in), biases 0 (notebook xavier_init)"},
       {"latent_distribution", "N(0, I_latent)"},
       {"samples_final", "scatter-plot image [1,3,256,256] over [-4,4]^2; points in samples_eval.npy"},
       {"total_steps", absl::StrCat(steps)},
       EvalCurveFact(common, steps, "lib/eval/toy_eval_curve.h"),
       SeedsFact(common.seed, {Stream::kInit, Stream::kMogData, Stream::kOtSampleGrid,
                               Stream::kOtEvalSamples, Stream::kEvalCurve,
                               Stream::kToyCurveTarget})}));

  nn::Mlp gen(nn::MlpOptions{.in = cfg.latent,
                             .hidden = {cfg.gen_hidden, cfg.gen_hidden, cfg.gen_hidden},
                             .out = 2,
                             .activation = nn::Activation::kReLU,
                             .output = nn::Activation::kNone});
  nn::Mlp critic(nn::MlpOptions{.in = 2,
                                .hidden = {cfg.critic_hidden, cfg.critic_hidden, cfg.critic_hidden},
                                .out = cfg.features,
                                .activation = nn::Activation::kReLU,
                                .output = nn::Activation::kNone});
  NotebookInit(gen);
  NotebookInit(critic);
  gen->to(common.device);
  critic->to(common.device);
  at::Generator data_gen = StreamGenerator(common.seed, Stream::kMogData);

  train::Trainer trainer(TrainerConfigFor(common, steps, /*smoke=*/{1, 3, 0},
                                          /*other=*/{100, 2500, 5000}));
  OTGAN_ASSIGN_OR_RETURN(OtganOptimizers opt, AddOtganNets(trainer, cfg, gen.ptr(), critic.ptr()));
  trainer.AddGenerator("data", data_gen);

  at::Generator plot_gen = StreamGenerator(common.seed, Stream::kOtSampleGrid);
  const at::Tensor fixed_z = at::randn({kPlotPoints, cfg.latent}, plot_gen, at::kFloat).to(common.device);
  io::GridOptions grid;
  grid.padding = 0;
  trainer.SetSampleFn(
      [&] { return ScatterImage(gen->forward(fixed_z), toy.centers(), kPlotSize, kPlotHalfWidth); },
      grid);

  OTGAN_RETURN_IF_ERROR(AttachToyEvalCurve(common, steps, trainer, toy.kind(), cfg.latent,
                                           [&](const at::Tensor& z) { return gen->forward(z); }));

  // c(a, b) = |a - b|^2 / (2 n_features) as the squared Euclidean cost of
  // features / sqrt(2 n_features).
  const double feature_scale = 1.0 / std::sqrt(2.0 * static_cast<double>(cfg.features));
  const at::TensorOptions zopt = at::TensorOptions().dtype(at::kFloat).device(common.device);
  OTGAN_RETURN_IF_ERROR(RunOtganTraining(
      trainer, cfg,
      OtganParts{.generate = train::InPrecision(common.precision,
                                                [&](const at::Tensor& z) { return gen->forward(z); }),
                 .embed = train::InPrecision(
                     common.precision,
                     [&](const at::Tensor& x) { return critic->forward(x / 4) * feature_scale; }),
                 .gen_opt = opt.gen.get(),
                 .critic_opt = opt.critic.get(),
                 .real_batch = [&] { return toy.Sample(cfg.batch_size, data_gen).to(common.device); },
                 .latents = [&] { return at::randn({cfg.batch_size, cfg.latent}, zopt); }}));

  return WriteEvalSamplesOf(
      common, NormalLatents(cfg.latent),
      [&](const at::Tensor& z) { return gen->forward(z); });
}

}  // namespace
}  // namespace otgan::replications

int main(int argc, char** argv) {
  return otgan::replications::Main(
      argc, argv, "otgan_mog",
      "Salimans et al. 2018 OT-GAN toy as in the official notebook: 8 Gaussians (radius 2, std "
      "0.2), MLP nets, minibatch energy distance with a squared-distance cost on 16-d critic "
      "features, lambda 50, 10 Sinkhorn iterations.",
      otgan::replications::Run);
}

// WGAN-GP (Gulrajani et al. 2017) on the authors' 2-D toy targets
// (gan_toy.py): 8 Gaussians, 25 Gaussians, Swiss roll (--dataset).
//
// G and D are ReLU MLPs with 3 hidden layers of width 512 (initialised as
// gan_toy.py's tflib layers: hidden Linear he, stdev sqrt(2/in); output Linear
// glorot, stdev sqrt(2/(in+out)); uniform; zero biases); G maps a 2-d
// latent z ~ N(0, I) to a point; batch 256; Adam (1e-4, 0.5, 0.9); lambda 0.1
// (the toy code's value; the paper's 10 is --lambda=10); 5 critic steps per
// generator iteration; 100k generator iterations [code].
//
// Besides the common run files this writes critic_surface.npy/.json: the
// critic's value on a 128 x 128 grid over [-L, L]^2, and its sample grids are
// frames of that surface with real (orange) and generated (green) points.
//
//   bazel run //replications:wgan_gp_toy -- --dataset=25gaussians --budget=cpu
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/optim/optimizer.h>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/data/toy.h"
#include "lib/io/image_grid.h"
#include "lib/nn/init.h"
#include "lib/nn/mlp.h"
#include "lib/train/losses.h"
#include "lib/train/optim.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "lib/util/status.h"
#include "replications/common.h"
#include "replications/flag_types.h"
#include "replications/wgan_family.h"

ABSL_FLAG(otgan::data::ToyKind, dataset, otgan::data::ToyKind::k8Gaussians,
          "8gaussians | 25gaussians | swissroll");
ABSL_FLAG(double, lr, 1e-4, "Adam learning rate of critic and generator [code]");
ABSL_FLAG(otgan::replications::SettingsSource, betas, otgan::replications::SettingsSource::kCode,
          "Adam betas: code = (0.5, 0.9) [toy code]; paper = (0, 0.9) [paper]");
ABSL_FLAG(int64_t, batch_size, 256, "batch size [code]");
ABSL_FLAG(double, lambda, 0.1, "gradient penalty weight: 0.1 [toy code]; the paper's default is 10");
ABSL_FLAG(int, n_critic, 5, "critic steps per generator iteration [code]");
ABSL_FLAG(int64_t, width, 512, "hidden width of G and D [code] (smoke: 64)");
ABSL_FLAG(int, depth, 3, "hidden ReLU layers of G and D [code]");
ABSL_FLAG(int64_t, latent, 2, "latent dimension, z ~ N(0, I) [code]");
ABSL_FLAG(otgan::replications::NetInit, init, otgan::replications::NetInit::kTflib,
          "tflib: hidden layers he, output layer glorot, zero biases [gan_toy.py]; "
          "torch: LibTorch's defaults");
ABSL_FLAG(int64_t, surface_grid, 128, "critic surface: points per side");
ABSL_FLAG(double, surface_range, 0,
          "critic surface over [-L, L]^2; 0 = 2 for the Gaussians, 2.5 for the Swiss roll "
          "(the toy code plotted [-3, 3]^2)");
ABSL_FLAG(int64_t, frame_points, 512, "real and generated points drawn in each sample frame");

namespace otgan::replications {
namespace {

constexpr char kTarget[] = "wgan_gp_toy";

// gan_toy.py's initialisation: ReLULayer's Linear uses initialization='he'
// (gan_toy.py:31-40), the output layer tflib's default glorot (gan_toy.py:50,
// 57; tflib/ops/linear.py:55-67); biases zero.
void InitToyMlpTflib(nn::MlpImpl& mlp) {
  const auto& layers = mlp.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    nn::TflibLinear(layers[i]->weight, layers[i]->bias,
                    i + 1 < layers.size() ? nn::TflibLinearKind::kHe : nn::TflibLinearKind::kGlorot);
  }
}

struct ToyConfig : WganGpSettings {
  data::ToyKind kind = data::ToyKind::k8Gaussians;
  nn::MlpOptions gen_net, critic_net;
  NetInit init = NetInit::kTflib;
  SurfaceGrid surface;
  int64_t frame_points = 512;
  train::TrainerConfig trainer;
  SmokeOverrides smoke;
};

absl::StatusOr<ToyConfig> ConfigFromFlags(const CommonConfig& c) {
  ToyConfig t;
  t.kind = absl::GetFlag(FLAGS_dataset);
  if (t.kind != data::ToyKind::k8Gaussians && t.kind != data::ToyKind::k25Gaussians &&
      t.kind != data::ToyKind::kSwissRoll) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--dataset=", data::ToyKindName(t.kind),
        ": not a WGAN-GP toy; expected 8gaussians, 25gaussians or swissroll"));
  }
  int64_t width = absl::GetFlag(FLAGS_width);
  const int depth = absl::GetFlag(FLAGS_depth);
  const int64_t latent = absl::GetFlag(FLAGS_latent);
  ApplySmokeDefault(c, "width", int64_t{64}, &width, &t.smoke);
  OTGAN_ASSIGN_OR_RETURN(static_cast<WganGpSettings&>(t),
                         WganGpSettingsFrom(absl::GetFlag(FLAGS_betas), absl::GetFlag(FLAGS_lr),
                                            absl::GetFlag(FLAGS_batch_size),
                                            absl::GetFlag(FLAGS_lambda),
                                            absl::GetFlag(FLAGS_n_critic)));
  t.init = absl::GetFlag(FLAGS_init);
  OTGAN_RETURN_IF_ERROR(CheckPositive("width", width));
  OTGAN_RETURN_IF_ERROR(CheckPositive("depth", depth));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent", latent));
  t.gen_net.in = latent;
  t.gen_net.hidden = std::vector<int64_t>(depth, width);
  t.gen_net.out = 2;
  t.critic_net.in = 2;
  t.critic_net.hidden = std::vector<int64_t>(depth, width);
  t.critic_net.out = 1;

  t.surface.size = absl::GetFlag(FLAGS_surface_grid);
  t.surface.range = absl::GetFlag(FLAGS_surface_range);
  if (t.surface.range == 0) t.surface.range = t.kind == data::ToyKind::kSwissRoll ? 2.5 : 2.0;
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("surface_grid", t.surface.size, 2));  // a grid needs 2 points per side
  OTGAN_RETURN_IF_ERROR(CheckPositive("surface_range", t.surface.range));
  t.frame_points = absl::GetFlag(FLAGS_frame_points);
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("frame_points", t.frame_points));

  // Smoke: a pipeline check. cpu: 20000, measured from the evaluation curves of
  // session 8 (results/wgan_gp_toy_*gaussians/eval_curve.csv): the modes are
  // reached by ~2000 iterations but sharpen slowly; all 8 Gaussian modes pass
  // the 3-sigma rule at most curve points from 6000 on, all 25 only at 13000
  // and 20000; ~90 min at one thread here (README). paper: 100k generator
  // iterations (gan_toy.py ITERS = 100000).
  t.trainer = TrainerConfigFor(c, StepsFor(c, 50, 20000, 100000), /*smoke=*/{10, 25, 0},
                               /*other=*/{100, 200, 1000});
  return t;
}

absl::Status Run(const CommonConfig& c) {
  OTGAN_ASSIGN_OR_RETURN(ToyConfig t, ConfigFromFlags(c));
  const data::ToyDistribution toy = data::ToyDistribution::Make(t.kind);

  at::manual_seed(StreamSeed(c.seed, Stream::kInit));
  nn::Mlp gen(t.gen_net);
  nn::Mlp critic(t.critic_net);
  if (t.init == NetInit::kTflib) {
    InitToyMlpTflib(*gen);
    InitToyMlpTflib(*critic);
  }
  gen->to(c.device);
  critic->to(c.device);
  OTGAN_ASSIGN_OR_RETURN(auto gen_opt, train::MakeOptimizer(t.optimizer, gen->parameters()));
  OTGAN_ASSIGN_OR_RETURN(auto critic_opt, train::MakeOptimizer(t.optimizer, critic->parameters()));
  // The data stream has its own generator (checkpointed), so the target
  // samples do not depend on how many latents the method draws.
  at::Generator data_gen = StreamGenerator(c.seed, Stream::kToyData);

  OTGAN_RETURN_IF_ERROR(StartRun(
      c, {{"paper", "wgangp"},
       {"method", "wgan_gp"},
       {"eval_dataset", data::ToyKindName(t.kind)},
          {"sample_shape", "N,2"},
          {"sample_range", "points in R^2"},
          {"settings_source",
           t.betas == SettingsSource::kCode ? "code" : "code (betas from paper)"},
          {"optimizer", train::Describe(t.optimizer)},
          {"critic_schedule", absl::StrCat(t.loss.schedule.n_critic, " critic steps per iteration")},
          {"architecture", absl::StrCat("G, D: ReLU MLPs ", t.gen_net.hidden.size(), " x ",
                                        t.gen_net.hidden.empty() ? 0 : t.gen_net.hidden[0],
                                        ", latent ", t.gen_net.in, " N(0,I)")},
          {"init", t.init == NetInit::kTflib ? "tflib: hidden Linear he, output Linear glorot, zero biases [code]"
                                : "torch: LibTorch defaults (--init=torch)"},
          {"critic_surface", absl::StrCat("critic_surface.npy [", t.surface.size, ",",
                                          t.surface.size, "] over [-", t.surface.range, ",",
                                          t.surface.range, "]^2 (critic_surface.json)")},
          {"total_steps", absl::StrCat(t.trainer.total_steps)},
          {"smoke_overrides", t.smoke.Describe()},
          {"eval_seed", absl::StrCat(EvalSeed(c))},
          EvalCurveFact(c, t.trainer.total_steps, "lib/eval/toy_eval_curve.h"),
          SeedsFact(c.seed, {Stream::kInit, Stream::kToyData, Stream::kSampleGrid,
                             Stream::kEvalSamples, Stream::kEvalCurve,
                             Stream::kToyCurveTarget})}));

  train::Trainer trainer(t.trainer);
  trainer.AddModule("generator", gen.ptr());
  trainer.AddModule("critic", critic.ptr());
  trainer.AddOptimizer("gen_opt", gen_opt.get());
  trainer.AddOptimizer("critic_opt", critic_opt.get());
  trainer.AddGenerator("data", data_gen);

  // Sample frames: a fixed real sample and fixed latents over the current surface.
  at::Generator fixed_gen = StreamGenerator(c.seed, Stream::kSampleGrid);
  const at::Tensor frame_real = toy.Sample(t.frame_points, fixed_gen);
  const at::Tensor frame_z = GaussianLatents(t.frame_points, t.gen_net.in, c.device, fixed_gen);
  const auto critic_values = [&](const at::Tensor& x) { return critic->forward(x); };
  io::GridOptions frame_options;
  frame_options.padding = 0;
  trainer.SetSampleFn(
      [&] {
        return RenderToyFrame(CriticSurface(critic_values, t.surface, c.device), t.surface,
                              frame_real, gen->forward(frame_z), /*scale=*/2);
      },
      frame_options);

  OTGAN_RETURN_IF_ERROR(AttachToyEvalCurve(c, t.trainer.total_steps, trainer, t.kind,
                                           t.gen_net.in,
                                           [&](const at::Tensor& z) { return gen->forward(z); }));

  WganParts parts;
  parts.generate =
      train::InPrecision(c.precision, [&](const at::Tensor& z) { return gen->forward(z); });
  parts.gen_module = gen.get();
  parts.critic = train::InPrecision(c.precision, critic_values);
  parts.critic_module = critic.get();
  parts.gen_opt = gen_opt.get();
  parts.critic_opt = critic_opt.get();
  parts.real_batch = [&] { return toy.Sample(t.loss.batch_size, data_gen).to(c.device); };
  parts.latents = [&] { return GaussianLatents(t.loss.batch_size, t.gen_net.in, c.device); };
  OTGAN_RETURN_IF_ERROR(RunWganTraining(trainer, t.loss, parts));

  OTGAN_RETURN_IF_ERROR(WriteCriticSurface(
      c.run_dir, CriticSurface(critic_values, t.surface, c.device), t.surface));
  return WriteEvalSamples(c, t.gen_net.in, [&](const at::Tensor& z) { return gen->forward(z); },
                          /*batch=*/4096);
}

}  // namespace
}  // namespace otgan::replications

int main(int argc, char** argv) {
  return otgan::replications::Main(
      argc, argv, otgan::replications::kTarget,
      "WGAN-GP (Gulrajani et al. 2017) on the 2-D toys of the authors' code.\n"
      "  wgan_gp_toy --dataset=8gaussians|25gaussians|swissroll --budget=smoke|cpu|paper ...\n"
      "At --budget=smoke, --width left at its default is scaled down (and metrics.csv rows come every 10 iterations) "
      "(see the manifest's smoke_overrides).",
      otgan::replications::Run);
}

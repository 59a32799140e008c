// WGAN-GP (Gulrajani et al. 2017) on MNIST with the authors' official MNIST
// networks (gan_mnist.py, MODE='wgan-gp').
//
// Critic: minimise mean D(fake) - mean D(real) + lambda * mean(|grad D(x_hat)| - 1)^2
// with x_hat on random segments between real and fake samples; n_critic critic
// steps per generator iteration; generator: minimise -mean D(G(z)),
// z ~ N(0, I_128). Adam lr 1e-4 with betas (0.5, 0.9) as in the MNIST code
// (--betas=code, default) or (0, 0.9) as in the paper (--betas=paper).
// Nets: DIM = 64, batch 50 [code].
//
// Data-parallel (lib/dist): under RANK / WORLD_SIZE (scripts/launch_distributed.sh)
// each of W ranks takes --batch_size real and fake points per step from its own
// stream, the ranks' gradients are averaged before every optimiser step (the
// gradient of the mean over the global batch of W x --batch_size, equivalence-
// tested in tests/dist), the reported losses are the ranks' mean, rank 0 owns
// the run folder and rank r > 0 checkpoints into rank_<r>/.
//
//   bazel run //replications:wgan_gp_mnist -- --budget=cpu
//   scripts/launch_distributed.sh 2 wgan_gp_mnist --budget=smoke --threads=1
#include <cstdint>
#include <memory>
#include <string>

#include <ATen/ATen.h>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/data/shuffler.h"
#include "lib/dist/context.h"
#include "lib/dist/data_parallel.h"
#include "lib/train/losses.h"
#include "lib/train/optim.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "lib/util/status.h"
#include "replications/common.h"
#include "replications/data_parallel.h"
#include "replications/flag_types.h"
#include "replications/wgan_family.h"

ABSL_FLAG(double, lr, 1e-4, "Adam learning rate of critic and generator [paper, code]");
ABSL_FLAG(otgan::replications::SettingsSource, betas, otgan::replications::SettingsSource::kCode,
          "Adam betas: code = (0.5, 0.9) [MNIST code]; paper = (0, 0.9) [paper]");
ABSL_FLAG(int64_t, batch_size, 50, "batch size of critic and generator steps [code] (smoke: 16)");
ABSL_FLAG(double, lambda, 10, "gradient penalty weight [paper, code]");
ABSL_FLAG(int, n_critic, 5, "critic steps per generator iteration [paper, code]");
ABSL_FLAG(int64_t, dim, 64, "width DIM of the MNIST nets [code] (smoke: 16)");
ABSL_FLAG(int64_t, latent, 128, "latent dimension, z ~ N(0, I) [code]");
ABSL_FLAG(otgan::replications::NetInit, init, otgan::replications::NetInit::kTflib,
          "tflib: tflib's initialisation (Linear glorot, conv/deconv he_init), zero biases [code]; "
          "torch: LibTorch's defaults");

namespace otgan::replications {
namespace {

constexpr char kTarget[] = "wgan_gp_mnist";

struct WganGpConfig : WganGpSettings {
  int64_t dim = 64;
  int64_t latent = 128;
  MnistNetOptions net;  // no batch norm in MODE='wgan-gp'
  train::TrainerConfig trainer;
  SmokeOverrides smoke;
};

absl::StatusOr<WganGpConfig> ConfigFromFlags(const CommonConfig& c) {
  WganGpConfig w;
  int64_t batch_size = absl::GetFlag(FLAGS_batch_size);
  w.dim = absl::GetFlag(FLAGS_dim);
  w.latent = absl::GetFlag(FLAGS_latent);
  ApplySmokeDefault(c, "batch_size", int64_t{16}, &batch_size, &w.smoke);
  ApplySmokeDefault(c, "dim", int64_t{16}, &w.dim, &w.smoke);
  OTGAN_ASSIGN_OR_RETURN(static_cast<WganGpSettings&>(w),
                         WganGpSettingsFrom(absl::GetFlag(FLAGS_betas), absl::GetFlag(FLAGS_lr),
                                            batch_size, absl::GetFlag(FLAGS_lambda),
                                            absl::GetFlag(FLAGS_n_critic)));
  w.net.init = absl::GetFlag(FLAGS_init);
  OTGAN_RETURN_IF_ERROR(CheckPositive("dim", w.dim));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent", w.latent));

  // Smoke: a pipeline check; cpu: 3500 generator iterations, about 1.7 h at
  // one thread (1.5-2 s per iteration beside a second run, README; the
  // evaluation curve says what more steps would give); paper: 200k generator
  // iterations (gan_mnist.py ITERS = 200000).
  w.trainer = TrainerConfigFor(c, StepsFor(c, 20, 3500, 200000), /*smoke=*/{10, 10, 0},
                               /*other=*/{10, 50, 250});
  return w;
}

absl::Status Run(const CommonConfig& c) {
  OTGAN_ASSIGN_OR_RETURN(WganGpConfig w, ConfigFromFlags(c));
  OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<MnistWgan> m,
                         MnistWgan::Make(c, w.dim, w.latent, w.optimizer, w.net));
  const int64_t batch_size = w.loss.batch_size;

  OTGAN_RETURN_IF_ERROR(StartRun(
      c, {{"paper", "wgangp"},
          {"method", "wgan_gp"},
          {"eval_dataset", "mnist"},
          {"sample_range", "0,1"},
          {"sample_shape", "N,1,28,28"},
          {"settings_source", Name(w.betas)},
          {"optimizer", train::Describe(w.optimizer)},
          {"critic_schedule", absl::StrCat(w.loss.schedule.n_critic, " critic steps per iteration")},
          {"architecture", absl::StrCat("WGAN-GP MNIST nets [code] DIM=", w.dim, ", TF SAME padding")},
          {"init", w.net.init == NetInit::kTflib
                       ? "tflib: Linear glorot, conv/deconv he_init, zero biases [code]"
                       : "torch: LibTorch defaults (--init=torch)"},
          {"data", "MNIST train 60000 images in [0,1] (the code trained on its 50000-image split)"},
          {"total_steps", absl::StrCat(w.trainer.total_steps)},
          {"smoke_overrides", w.smoke.Describe()},
          {"eval_seed", absl::StrCat(EvalSeed(c))},
          SeedsFact(c.seed, {Stream::kInit, Stream::kDataOrder, Stream::kSampleGrid,
                             Stream::kEvalSamples, Stream::kEvalCurve}),
          DistributedFact(c, batch_size, "gradients averaged over ranks"),
          {"global_batch_size", absl::StrCat(c.dist.world_size * batch_size)},
          EvalCurveFact(c, w.trainer.total_steps)}));

  // Joins the process group (a world of one without sockets).
  OTGAN_ASSIGN_OR_RETURN(dist::DistContext dist_ctx, dist::DistContext::Create(c.dist));
  OTGAN_RETURN_IF_ERROR(StartDataParallel(c, dist_ctx, {m->gen.get(), m->critic.get()}, w.trainer));
  if (c.dist.world_size > 1) {
    m->shuffler = std::make_unique<data::EpochShuffler>(m->images.size(0),
                                                        dist::RankSeed(c.seed, c.dist.rank));
  }

  return m->Train(c, w.trainer, w.loss, &dist_ctx);
}

}  // namespace
}  // namespace otgan::replications

int main(int argc, char** argv) {
  return otgan::replications::Main(
      argc, argv, otgan::replications::kTarget,
      "WGAN-GP (Gulrajani et al. 2017) on MNIST with the official MNIST nets.\n"
      "  wgan_gp_mnist --budget=smoke|cpu|paper [--betas=code|paper] [--out=DIR] ...\n"
      "At --budget=smoke, --batch_size and --dim left at their defaults are scaled down "
      "(see the manifest's smoke_overrides).",
      otgan::replications::Run, /*distributed=*/true);
}

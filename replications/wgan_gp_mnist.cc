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
// each of W ranks takes --batch real and fake points per step from its own
// stream, the ranks' gradients are averaged before every optimiser step (the
// gradient of the mean over the global batch of W x --batch, equivalence-
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
#include "replications/wgan_family.h"

ABSL_FLAG(double, lr, 1e-4, "Adam learning rate of critic and generator [paper, code]");
ABSL_FLAG(std::string, betas, "code", "Adam betas: code = (0.5, 0.9) [MNIST code]; paper = (0, 0.9) [paper]");
ABSL_FLAG(int64_t, batch, 50, "batch size of critic and generator steps [code] (smoke: 16)");
ABSL_FLAG(double, lambda, 10, "gradient penalty weight [paper, code]");
ABSL_FLAG(int, n_critic, 5, "critic steps per generator iteration [paper, code]");
ABSL_FLAG(int64_t, dim, 64, "width DIM of the MNIST nets [code] (smoke: 16)");
ABSL_FLAG(int64_t, latent, 128, "latent dimension, z ~ N(0, I) [code]");
ABSL_FLAG(std::string, init, "tflib",
          "tflib: tflib's initialisation (Linear glorot, conv/deconv he_init), zero biases [code]; "
          "torch: LibTorch's defaults");
OTGAN_WGAN_INTERVAL_FLAGS(10, "sample grid");

namespace otgan::replications {
namespace {

constexpr char kTarget[] = "wgan_gp_mnist";

struct WganGpConfig : WganGpLoss {
  int64_t dim = 64;
  int64_t latent = 128;
  MnistNetOptions net;  // no batch norm in MODE='wgan-gp'
  train::TrainerConfig trainer;
  SmokeOverrides smoke;
};

absl::StatusOr<WganGpConfig> ConfigFromFlags(const CommonConfig& c) {
  WganGpConfig w;
  int64_t batch = absl::GetFlag(FLAGS_batch);
  w.dim = absl::GetFlag(FLAGS_dim);
  w.latent = absl::GetFlag(FLAGS_latent);
  ApplySmokeDefault(c, "batch", int64_t{16}, &batch, &w.smoke);
  ApplySmokeDefault(c, "dim", int64_t{16}, &w.dim, &w.smoke);
  OTGAN_ASSIGN_OR_RETURN(static_cast<WganGpLoss&>(w),
                         WganGpLossFrom(absl::GetFlag(FLAGS_betas), absl::GetFlag(FLAGS_lr), batch,
                                        absl::GetFlag(FLAGS_lambda), absl::GetFlag(FLAGS_n_critic)));
  OTGAN_ASSIGN_OR_RETURN(w.net.tflib_init, ParseTflibInit(absl::GetFlag(FLAGS_init)));
  OTGAN_RETURN_IF_ERROR(CheckPositive("dim", w.dim));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent", w.latent));

  // Smoke: a pipeline check; cpu: 1500 generator iterations, about 1.5 h at
  // one thread beside a second run (3.2-3.6 s per iteration, README; the
  // evaluation curve says what more steps would give); paper: 200k generator
  // iterations (gan_mnist.py ITERS = 200000).
  OTGAN_ASSIGN_OR_RETURN(
      w.trainer,
      WganTrainerConfig(c, StepsFor(c, 20, 1500, 200000),
                        {absl::GetFlag(FLAGS_log_every), absl::GetFlag(FLAGS_sample_every),
                         absl::GetFlag(FLAGS_checkpoint_every)},
                        /*sample_smoke=*/10, /*sample_other=*/50, /*checkpoint_other=*/250));
  return w;
}

absl::Status Run(const CommonConfig& c) {
  OTGAN_ASSIGN_OR_RETURN(WganGpConfig w, ConfigFromFlags(c));
  OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<MnistWgan> m,
                         MnistWgan::Make(c, w.dim, w.latent, w.optimizer, w.net));
  const int world = c.dist.world_size;

  OTGAN_RETURN_IF_ERROR(StartRun(
      c, {{"paper", "wgangp"},
       {"method", "wgan_gp"},
       {"eval_dataset", "mnist"},
          {"sample_range", "0,1"},
          {"sample_shape", "N,1,28,28"},
          {"settings_source", w.betas_name},
          {"optimizer", train::Describe(w.optimizer)},
          {"critic_schedule", absl::StrCat(w.schedule.n_critic, " critic steps per iteration")},
          {"architecture", absl::StrCat("WGAN-GP MNIST nets [code] DIM=", w.dim, ", TF SAME padding")},
          {"init", w.net.tflib_init ? "tflib: Linear glorot, conv/deconv he_init, zero biases [code]"
                                    : "torch: LibTorch defaults (--init=torch)"},
          {"data", "MNIST train 60000 images in [0,1] (the code trained on its 50000-image split)"},
          {"total_steps", absl::StrCat(w.trainer.total_steps)},
          {"smoke_overrides", w.smoke.Describe()},
          {"eval_seed", absl::StrCat(EvalSeed(c))},
          DistributedFact(c, w.batch, "gradients averaged over ranks"),
          {"global_batch_size", absl::StrCat(world * w.batch)},
          EvalCurveFact(c, w.trainer.total_steps)}));

  // Joins the process group (a world of one without sockets).
  OTGAN_ASSIGN_OR_RETURN(dist::DistContext dist_ctx, dist::DistContext::Create(c.dist));
  OTGAN_RETURN_IF_ERROR(StartDataParallel(c, dist_ctx, {m->gen.get(), m->critic.get()}, w.trainer));
  if (world > 1) {
    m->dist = &dist_ctx;
    m->shuffler = std::make_unique<data::EpochShuffler>(m->images.size(0),
                                                        dist::RankSeed(c.seed, c.dist.rank));
  }

  train::Trainer trainer(w.trainer);
  m->Register(trainer, /*sample_grid=*/c.is_root());
  if (c.is_root()) {
    OTGAN_RETURN_IF_ERROR(AttachEvalCurve(c, w.trainer.total_steps, trainer, EvalCurveTarget{},
                                          w.latent, m->Generate()));
  }

  const train::CriticFn critic_fn = m->Critic();
  auto step = [&](int64_t it) -> absl::StatusOr<train::StepLosses> {
    const int k = train::CriticSteps(it, w.schedule);
    double w_loss_value = 0, gp_value = 0;
    for (int j = 0; j < k; ++j) {
      at::Tensor real = m->RealBatch(w.batch);
      at::Tensor fake = m->FakeBatch(w.batch);
      at::Tensor w_loss = m->CriticLoss(real, fake);
      at::Tensor gp = train::GradientPenalty(critic_fn, real, fake, w.lambda);
      m->critic_opt->zero_grad();
      (w_loss + gp).backward();
      OTGAN_RETURN_IF_ERROR(m->SyncGradients(*m->critic));
      m->critic_opt->step();
      w_loss_value = w_loss.item<double>();
      gp_value = gp.item<double>();
    }
    double g_loss = m->GeneratorUpdate(w.batch);
    if (world > 1) {  // the global batch's losses: the mean of the ranks' means
      at::Tensor v = at::tensor({w_loss_value, gp_value, g_loss}, at::kDouble);
      OTGAN_RETURN_IF_ERROR(dist_ctx.AllReduce(v, dist::ReduceOp::kAverage));
      w_loss_value = v[0].item<double>();
      gp_value = v[1].item<double>();
      g_loss = v[2].item<double>();
    }
    return train::StepLosses{{"critic_loss", w_loss_value + gp_value},
                             {"wasserstein_estimate", -w_loss_value},
                             {"gradient_penalty", gp_value},
                             {"gen_loss", g_loss}};
  };
  OTGAN_RETURN_IF_ERROR(trainer.Run(
      step, {"critic_loss", "wasserstein_estimate", "gradient_penalty", "gen_loss"}));
  if (!c.is_root()) return absl::OkStatus();  // rank 0 writes the samples and scores
  return WriteEvalSamples(c, w.latent, m->Generate());
}

}  // namespace
}  // namespace otgan::replications

int main(int argc, char** argv) {
  return otgan::replications::Main(
      argc, argv, otgan::replications::kTarget,
      "WGAN-GP (Gulrajani et al. 2017) on MNIST with the official MNIST nets.\n"
      "  wgan_gp_mnist --budget=smoke|cpu|paper [--betas=code|paper] [--out=DIR] ...\n"
      "At --budget=smoke, --batch and --dim left at their defaults are scaled down "
      "(see the manifest's smoke_overrides).",
      otgan::replications::Run, /*distributed=*/true);
}

// WGAN with weight clipping (Arjovsky, Chintala, Bottou 2017) on MNIST.
//
// Critic: minimise mean D(fake) - mean D(real) with RMSProp, then clip every
// critic parameter (batch norm's included) to [-clip, clip] after the
// optimiser step (the paper's Algorithm 1 and gan_mnist.py; Arjovsky's
// PyTorch code clamps before each critic step instead). Generator: minimise
// -mean D(G(z)), z ~ N(0, I_latent). Critic steps per generator iteration
// follow --schedule: "code" (default; Arjovsky's main.py) runs 100 critic
// steps for the first 25 generator iterations and every 500th, else
// n_critic; "paper" runs n_critic every iteration (as gan_mnist.py also does).
//
// The WGAN paper gives no MNIST architecture; this target uses the WGAN-GP
// authors' MNIST nets as their gan_mnist.py trains them in MODE='wgan'
// (igul222/improved_wgan_training@fa66c57): batch norm in G and D, tflib's
// initialisation, TF1's RMSPropOptimizer(5e-5). Each of the three can be
// switched to what this target did before (--batch_norm=false, --init=torch,
// --optimizer=torch_rmsprop); replications/fidelity/wgan.md has the rest.
//
//   bazel run //replications:wgan_mnist -- --budget=cpu
#include <cstdint>
#include <memory>
#include <string>

#include <ATen/ATen.h>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/train/losses.h"
#include "lib/train/optim.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "lib/util/status.h"
#include "replications/common.h"
#include "replications/flag_types.h"
#include "replications/wgan_family.h"

ABSL_FLAG(double, lr, 5e-5, "RMSProp learning rate of critic and generator [paper, code]");
ABSL_FLAG(otgan::replications::RmspropKind, optimizer, otgan::replications::RmspropKind::kTf,
          "tf_rmsprop: TF1 RMSPropOptimizer (decay 0.9, eps 1e-10 inside the root, accumulator "
          "starting at 1) [gan_mnist.py]; torch_rmsprop: LibTorch RMSprop (alpha 0.99, eps 1e-8, "
          "accumulator starting at 0) [Arjovsky's PyTorch code]");
ABSL_FLAG(bool, batch_norm, true,
          "batch norm in G (after the Linear and deconvs 1, 2) and D (after convs 2, 3) "
          "[gan_mnist.py MODE='wgan']");
ABSL_FLAG(otgan::replications::NetInit, init, otgan::replications::NetInit::kTflib,
          "tflib: tflib's initialisation, zero biases [code]; torch: LibTorch's defaults");
ABSL_FLAG(int64_t, batch_size, 64,
          "batch size of critic and generator steps [paper, Arjovsky's code; gan_mnist.py uses 50] "
          "(smoke: 16)");
ABSL_FLAG(double, clip, 0.01, "critic weights are clipped to [-clip, clip] after each critic step");
ABSL_FLAG(int, n_critic, 5, "critic steps per generator iteration [paper, code]");
ABSL_FLAG(otgan::replications::SettingsSource, schedule, otgan::replications::SettingsSource::kCode,
          "code: burst_critic steps for the first 25 generator iterations and every 500th, "
          "else n_critic [code]; paper: n_critic every iteration [paper]");
ABSL_FLAG(int, burst_critic, 100, "critic steps of a burst iteration (--schedule=code) (smoke: 5)");
ABSL_FLAG(int64_t, dim, 64, "width DIM of the WGAN-GP MNIST nets (smoke: 16)");
ABSL_FLAG(int64_t, latent, 128, "latent dimension, z ~ N(0, I)");

namespace otgan::replications {
namespace {

constexpr char kTarget[] = "wgan_mnist";

struct WganConfig {
  WganLoss loss;  // weight clipping after each critic step, no penalty
  train::OptimizerSpec optimizer;
  MnistNetOptions net;
  SettingsSource schedule_source = SettingsSource::kCode;
  int64_t dim = 64;
  int64_t latent = 128;
  train::TrainerConfig trainer;
  SmokeOverrides smoke;
};

absl::StatusOr<WganConfig> ConfigFromFlags(const CommonConfig& c) {
  WganConfig w;
  w.optimizer = absl::GetFlag(FLAGS_optimizer) == RmspropKind::kTf ? train::WganTfRmsProp()
                                                                    : train::WganRmsProp();
  w.optimizer.lr = absl::GetFlag(FLAGS_lr);
  if (w.optimizer.lr != 5e-5) absl::StrAppend(&w.optimizer.source, ", lr from --lr");
  w.net.batch_norm = absl::GetFlag(FLAGS_batch_norm);
  w.net.init = absl::GetFlag(FLAGS_init);
  w.loss.batch_size = absl::GetFlag(FLAGS_batch_size);
  w.loss.after_critic_step = AfterCriticStep::kClip;
  w.loss.clip = absl::GetFlag(FLAGS_clip);
  int n_critic = absl::GetFlag(FLAGS_n_critic);
  int burst_critic = absl::GetFlag(FLAGS_burst_critic);
  w.dim = absl::GetFlag(FLAGS_dim);
  w.latent = absl::GetFlag(FLAGS_latent);
  ApplySmokeDefault(c, "batch_size", int64_t{16}, &w.loss.batch_size, &w.smoke);
  ApplySmokeDefault(c, "dim", int64_t{16}, &w.dim, &w.smoke);
  ApplySmokeDefault(c, "burst_critic", 5, &burst_critic, &w.smoke);
  OTGAN_RETURN_IF_ERROR(CheckPositive("lr", w.optimizer.lr));
  OTGAN_RETURN_IF_ERROR(CheckPositive("batch_size", w.loss.batch_size));
  OTGAN_RETURN_IF_ERROR(CheckPositive("clip", w.loss.clip));
  OTGAN_RETURN_IF_ERROR(CheckPositive("n_critic", n_critic));
  OTGAN_RETURN_IF_ERROR(CheckPositive("burst_critic", burst_critic));
  OTGAN_RETURN_IF_ERROR(CheckPositive("dim", w.dim));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent", w.latent));
  w.schedule_source = absl::GetFlag(FLAGS_schedule);
  if (w.schedule_source == SettingsSource::kCode) {
    w.loss.schedule = train::WganCodeSchedule();
    w.loss.schedule.burst_critic = burst_critic;
  } else {
    w.loss.schedule = train::WganPaperSchedule();
  }
  w.loss.schedule.n_critic = n_critic;

  // Smoke: a pipeline check; cpu: 3000 iterations of the code's schedule
  // (~1.6 h at one thread, README: 300 showed no learning yet, TF1 RMSProp's
  // accumulator starts at one); paper: the WGAN-GP authors' MNIST
  // schedule (gan_mnist.py, MODE='wgan', ITERS=200000); the WGAN paper gives
  // none for MNIST. Sample grids every 10 iterations at every budget: bursts
  // make the first 25 slow.
  w.trainer = TrainerConfigFor(c, StepsFor(c, 20, 3000, 200000), /*smoke=*/{10, 10, 0},
                               /*other=*/{10, 10, 250});
  return w;
}

std::string ScheduleFact(const WganConfig& w) {
  const train::CriticSchedule& s = w.loss.schedule;
  return w.schedule_source == SettingsSource::kCode
             ? absl::StrCat("code: ", s.burst_critic,
                            " critic steps for iterations < 25 and every 500th, else ", s.n_critic)
             : absl::StrCat("paper: ", s.n_critic, " critic steps per iteration");
}

absl::Status Run(const CommonConfig& c) {
  OTGAN_ASSIGN_OR_RETURN(WganConfig w, ConfigFromFlags(c));
  OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<MnistWgan> m,
                         MnistWgan::Make(c, w.dim, w.latent, w.optimizer, w.net));

  OTGAN_RETURN_IF_ERROR(StartRun(
      c, {{"paper", "wgan"},
          {"method", "wgan"},
          {"eval_dataset", "mnist"},
          {"sample_range", "0,1"},
          {"sample_shape", "N,1,28,28"},
          {"settings_source", "code"},
          {"critic_schedule", ScheduleFact(w)},
          {"clip_order", "after the critic optimiser step [paper Alg. 1, gan_mnist.py]; "
                         "Arjovsky's code clamps before"},
          {"clip_scope", "every critic parameter, batch norm's included [gan_mnist.py]"},
          {"optimizer", train::Describe(w.optimizer)},
          {"architecture",
           absl::StrCat("WGAN-GP MNIST nets DIM=", w.dim,
                        w.net.batch_norm ? " with batch norm as gan_mnist.py MODE='wgan' [code]"
                                         : " without batch norm (gan_mnist.py MODE='wgan' has it)",
                        "; TF SAME padding")},
          {"batch_norm", w.net.batch_norm ? "true [code]" : "false (--batch_norm=false)"},
          {"init", w.net.init == NetInit::kTflib
                       ? "tflib: Linear glorot, conv/deconv he_init, zero biases [code]"
                       : "torch: LibTorch defaults (--init=torch)"},
          {"data", "MNIST train 60000 images in [0,1] (gan_mnist.py trained on its 50000-image split)"},
          {"total_steps", absl::StrCat(w.trainer.total_steps)},
          {"smoke_overrides", w.smoke.Describe()},
          {"eval_seed", absl::StrCat(EvalSeed(c))},
          SeedsFact(c.seed, {Stream::kInit, Stream::kDataOrder, Stream::kSampleGrid,
                             Stream::kEvalSamples, Stream::kEvalCurve}),
          EvalCurveFact(c, w.trainer.total_steps)}));

  return m->Train(c, w.trainer, w.loss);
}

}  // namespace
}  // namespace otgan::replications

int main(int argc, char** argv) {
  return otgan::replications::Main(
      argc, argv, otgan::replications::kTarget,
      "WGAN with weight clipping (Arjovsky et al. 2017) on MNIST.\n"
      "  wgan_mnist --budget=smoke|cpu|paper [--schedule=code|paper] [--batch_norm=true|false]\n"
      "             [--optimizer=tf_rmsprop|torch_rmsprop] [--init=tflib|torch] [--out=DIR] ...\n"
      "At --budget=smoke, --batch_size, --dim and --burst_critic left at their defaults are scaled "
      "down (see the manifest's smoke_overrides).",
      otgan::replications::Run);
}

// Salimans, Zhang, Radford, Metaxas (ICLR 2018), "Improving GANs Using Optimal
// Transport" (OT-GAN), on MNIST.
//
//   loss      minibatch energy distance with two real batches X, X' and two
//             generated batches Y, Y':
//             L = W(X,Y) + W(X,Y') + W(X',Y) + W(X',Y') - 2 W(X,X') - 2 W(Y,Y'),
//             W = <M, C> after 500 log-domain Sinkhorn iterations, eps = 1/500
//   cost      cosine distance between l2-normalised critic embeddings
//   gradient  envelope: M held fixed, gradient through C only
//   schedule  the critic maximises L (minimises -L), the generator minimises L;
//             3 generator updates per critic update [paper] (the code's default
//             was 5: --gen_steps_per_critic)
//   optimiser Adam 3e-4, betas (0.5, 0.999) for both nets [paper and code]
//   latent    z ~ U[-1, 1]^100 [code: models/dcgan.py]
//   nets      the paper's CIFAR design (weight norm, GLU generator, CReLU critic,
//             normalised embedding) scaled down to 28x28 (lib/nn/otgan_nets.h)
//
// The paper's batches are large (8000 over 8 GPUs); the CPU default here is
// --batch_size=256 per batch (4 batches per loss), see replications/README.md.
//
//   bazel run -c opt //replications:otgan_mnist -- --budget=cpu
#include <cstdint>
#include <memory>
#include <string>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/data/dataset.h"
#include "lib/data/shuffler.h"
#include "lib/io/image_grid.h"
#include "lib/nn/otgan_nets.h"
#include "lib/train/trainer.h"
#include "lib/util/status.h"
#include "replications/common.h"
#include "replications/otgan_family.h"

ABSL_FLAG(int64_t, latent, 100, "latent dimension (z ~ U[-1,1]^latent)");
ABSL_FLAG(int64_t, gen_dim, 64, "generator width (channels of the 14x14 layer)");
ABSL_FLAG(int64_t, critic_dim, 64, "critic width (channels of the 7x7 layer before CReLU)");
ABSL_FLAG(int64_t, embed, 256, "critic embedding size (l2-normalised)");
ABSL_FLAG(int64_t, sample_every, 0, "sample grid every this many steps; 0 = the budget's default");

namespace otgan::replications {
namespace {

struct OtganConfig : OtganLossConfig {
  int64_t latent, gen_dim, critic_dim, embed, sample_every;
};

absl::StatusOr<OtganConfig> ConfigFromFlags() {
  OtganConfig c;
  OTGAN_ASSIGN_OR_RETURN(OtganLossConfig loss, OtganLossConfigFromFlags());
  static_cast<OtganLossConfig&>(c) = loss;
  c.latent = absl::GetFlag(FLAGS_latent);
  c.gen_dim = absl::GetFlag(FLAGS_gen_dim);
  c.critic_dim = absl::GetFlag(FLAGS_critic_dim);
  c.embed = absl::GetFlag(FLAGS_embed);
  c.sample_every = absl::GetFlag(FLAGS_sample_every);
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("latent", c.latent, 1));
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("gen_dim", c.gen_dim, 2));
  if (c.critic_dim < 2 || c.critic_dim % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--critic_dim=", c.critic_dim, ": expected an even number >= 2"));
  }
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("embed", c.embed, 1));
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("sample_every", c.sample_every, 0));
  return c;
}

absl::Status Run(const CommonConfig& common) {
  OTGAN_ASSIGN_OR_RETURN(OtganConfig cfg, ConfigFromFlags());
  at::manual_seed(common.seed);

  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset mnist, LoadMnistTrain(common));
  const int64_t n_train = mnist.images.size(0);
  const at::Tensor images = mnist.images.to(common.device);

  // cpu: ~25 min at one thread at batch 256, ~6 s per step (README); paper: no MNIST
  // schedule was published, 50k generator iterations is our choice.
  const int64_t steps = StepsFor(common, /*smoke=*/6, /*cpu=*/240, /*paper=*/50000);

  OTGAN_RETURN_IF_ERROR(StartRun(
      common,
      {{"eval_dataset", "mnist"},
       {"sample_range", "0,1"},
       {"settings_source",
        "paper (loss, cosine cost, envelope gradient, eps 1/500, 500 iterations, 3 generator "
        "steps per critic step, Adam 3e-4 (0.5, 0.999)); code (U[-1,1]^100 latent); nets scaled "
        "down to MNIST; batch size reduced for the CPU"},
       {"dataset", mnist.description},
       {"loss", "minibatch energy distance, W = <P_eps, C> (entropy left out)"},
       {"gradient", "envelope (plan held fixed)"},
       {"generator", absl::StrCat("OtganGenerator(dim=", cfg.gen_dim, ", latent=", cfg.latent,
                                  "): WN-linear + GLU, 2 WN-deconv, GLU, sigmoid")},
       {"critic", absl::StrCat("OtganCritic(dim=", cfg.critic_dim, ", embed=", cfg.embed,
                               "): 2 WN-conv + CReLU, WN-linear, l2-normalised")},
       {"latent_distribution", "U[-1,1]^latent"},
       {"total_steps", absl::StrCat(steps)},
       {"paper_batch_size", "8000 (8 GPUs, CIFAR-10)"}}));

  nn::OtganGenerator gen(cfg.gen_dim, cfg.latent);
  nn::OtganCritic critic(cfg.critic_dim, cfg.embed);
  gen->to(common.device);
  critic->to(common.device);
  data::EpochShuffler shuffler(n_train, common.seed);

  train::Trainer trainer(TrainerConfigFor(common, steps, /*smoke=*/{1, 3, 0},
                                          /*other=*/{10, 20, 500}, {0, cfg.sample_every, 0}));
  OTGAN_ASSIGN_OR_RETURN(OtganOptimizers opt, AddOtganNets(trainer, cfg, gen.ptr(), critic.ptr()));
  trainer.AddShuffler("data", &shuffler);

  const at::TensorOptions zopt = at::TensorOptions().dtype(at::kFloat).device(common.device);
  at::Generator grid_gen = at::make_generator<at::CPUGeneratorImpl>(common.seed + 0x9d1d);
  const at::Tensor fixed_z = (at::rand({100, cfg.latent}, grid_gen, at::kFloat) * 2 - 1).to(common.device);
  trainer.SetSampleFn([&] { return gen->forward(fixed_z); }, io::GridOptions{});

  OTGAN_RETURN_IF_ERROR(RunOtganTraining(
      trainer, cfg,
      OtganParts{.generate = [&](const at::Tensor& z) { return gen->forward(z); },
                 .embed = [&](const at::Tensor& x) { return critic->forward(x); },  // l2-normalised
                 .gen_opt = opt.gen.get(),
                 .critic_opt = opt.critic.get(),
                 .real_batch =
                     [&] {
                       return images.index_select(
                           0, shuffler.NextBatch(cfg.batch_size).to(common.device));
                     },
                 .latents = [&] { return at::rand({cfg.batch_size, cfg.latent}, zopt) * 2 - 1; }}));

  return WriteEvalSamplesOf(
      common,
      [&](int64_t n, at::Generator& g) { return at::rand({n, cfg.latent}, g, at::kFloat) * 2 - 1; },
      [&](const at::Tensor& z) { return gen->forward(z); }, /*chunk=*/500);
}

}  // namespace
}  // namespace otgan::replications

int main(int argc, char** argv) {
  return otgan::replications::Main(
      argc, argv, "otgan_mnist",
      "Salimans et al. 2018 OT-GAN on MNIST: minibatch energy distance with a cosine cost on "
      "critic embeddings, envelope gradients, 3 generator steps per critic step.",
      otgan::replications::Run);
}

// Salimans, Zhang, Radford, Metaxas (ICLR 2018), "Improving GANs Using Optimal
// Transport" (OT-GAN), on MNIST, following the official code openai/ot-gan
// @e0673f0 (train.py, utils/matching.py, utils/nn.py, models/dcgan.py);
// replications/fidelity/otgan.md compares every setting with its source.
//
//   loss      minibatch energy distance on two real and two generated batches,
//             W = <M, C> after 500 log-domain Sinkhorn iterations, eps = 1/500,
//             envelope gradient (RunOtganTraining, otgan_family.h)
//   cost      1 - <e, e'> between the critic's l2-normalised CReLU feature maps
//   schedule  3 generator updates per critic update [paper] (code: 5)
//   optimiser Adam 3e-4, betas (0.5, 0.999) for both nets [paper and code]
//   nets      dcgan.py scaled to 28x28 (lib/nn/otgan_nets.h), weight norm with
//             the data-dependent init pass (--wn_init), latent U[-1, 1]^100
//   EMA       generator EMA 0.999 (train.py:63-64,223): grids, curve and
//             samples_eval.npy come from it; the raw generator's go to raw/
//   data      [-1, 1] for training (train.py:158); outputs mapped to [0, 1]
//
// This target's default budget is cpu (the main job, sized for 2 cores).
// Data-parallel under RANK / WORLD_SIZE (scripts/launch_distributed.sh): the
// Sinkhorn problems are solved on the gathered global batch of W x
// --batch_size; rank 0 owns the run folder, rank r > 0 checkpoints in rank_<r>/.
//
//   bazel run //replications:otgan_mnist                  # the cpu budget
//   bazel run //replications:otgan_mnist -- --budget=smoke
//   scripts/launch_distributed.sh 2 otgan_mnist --budget=smoke --threads=1
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
#include "lib/dist/context.h"
#include "lib/dist/data_parallel.h"
#include "lib/io/image_grid.h"
#include "lib/nn/otgan_nets.h"
#include "lib/train/ema.h"
#include "lib/train/trainer.h"
#include "lib/util/status.h"
#include "replications/common.h"
#include "replications/data_parallel.h"
#include "replications/otgan_family.h"

ABSL_FLAG(int64_t, latent, 100, "latent dimension (z ~ U[-1,1]^latent) [code]");
ABSL_FLAG(int64_t, gen_dim, 32,
          "generator width: channels of the 7x7 map are 2 x gen_dim, of the 14x14 map gen_dim, "
          "of the 28x28 map gen_dim / 2 (CIFAR code: 1024, 512, 256, 128)");
ABSL_FLAG(int64_t, critic_dim, 64,
          "critic width: channels of the 28x28, 14x14, 7x7 convs are critic_dim / 4, / 2, x 1 "
          "(CIFAR code: 128, 256, 512, 1024); embedding size 2 x critic_dim x 49");
ABSL_FLAG(otgan::replications::WeightNormInit, wn_init, otgan::replications::WeightNormInit::kData,
          "weight-norm initialisation: data (g, b from the first batch's pre-activation "
          "statistics, utils/nn.py's init pass) or code (g = 1, b = 0: what train.py runs, "
          "whose init-pass assignments are never executed)");
ABSL_FLAG(double, ema_decay, 0.999, "generator EMA decay (train.py:63)");
ABSL_FLAG(bool, ema_warmup, true,
          "EMA decay min(decay, (1 + n) / (10 + n)) at update n (TensorFlow's num_updates "
          "rule; the code uses the constant decay, under which the random initial weights "
          "still weigh 0.999^n in the average: 0.22 after 1500 updates)");

namespace otgan::replications {
namespace {

struct OtganConfig : OtganLossConfig {
  int64_t latent, gen_dim, critic_dim;
  bool wn_data_init;
  train::EmaOptions ema;
};

// The paper's (and code's) loss settings, at a CPU batch size.
OtganLossConfig MnistPreset() {
  OtganLossConfig p;
  p.batch_size = 64;  // our CPU choice (paper 8000, code 2 x 2500 on 8 GPUs)
  p.sinkhorn.eps = 1.0 / 500;
  p.sinkhorn.max_iter = 500;
  p.sinkhorn.tol = 0;
  p.schedule = train::OtGanSchedule();
  p.gen_lr = p.critic_lr = 3e-4;
  p.cost = ot::CostKind::kCosineOfUnitRows;  // the critic returns unit rows
  return p;
}

absl::StatusOr<OtganConfig> ConfigFromFlags() {
  OtganConfig c;
  OTGAN_ASSIGN_OR_RETURN(OtganLossConfig loss, OtganLossConfigFromFlags(MnistPreset()));
  static_cast<OtganLossConfig&>(c) = loss;
  c.latent = absl::GetFlag(FLAGS_latent);
  c.gen_dim = absl::GetFlag(FLAGS_gen_dim);
  c.critic_dim = absl::GetFlag(FLAGS_critic_dim);
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("latent", c.latent, 1));
  OTGAN_RETURN_IF_ERROR(FlagPositiveMultipleOf("gen_dim", c.gen_dim, 2));
  OTGAN_RETURN_IF_ERROR(FlagPositiveMultipleOf("critic_dim", c.critic_dim, 4));
  c.wn_data_init = absl::GetFlag(FLAGS_wn_init) == WeightNormInit::kData;
  c.ema.decay = absl::GetFlag(FLAGS_ema_decay);
  c.ema.tf_num_updates = absl::GetFlag(FLAGS_ema_warmup);
  if (!(c.ema.decay >= 0 && c.ema.decay < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--ema_decay=", c.ema.decay, ": expected a number in [0, 1)"));
  }
  return c;
}

at::Tensor To01(const at::Tensor& x) { return (x + 1) * 0.5; }

absl::Status Run(const CommonConfig& common) {
  OTGAN_ASSIGN_OR_RETURN(OtganConfig cfg, ConfigFromFlags());
  at::manual_seed(StreamSeed(common.seed, Stream::kInit));  // the same initial nets on every rank (then broadcast)
  const int world = common.dist.world_size;

  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset mnist, LoadMnistTrain(common));
  const int64_t n_train = mnist.images.size(0);
  const at::Tensor images = (mnist.images * 2 - 1).to(common.device);  // [-1, 1] (train.py:158)

  // cpu: sized so that a flag-less run (this target's default budget) shows
  // digits in about 15 minutes on 2 cores (replications/README.md); paper: no
  // MNIST schedule was published, 50k generator iterations is our choice.
  const int64_t steps = StepsFor(common, /*smoke=*/6, /*cpu=*/1000, /*paper=*/50000);
  nn::OtganGenerator gen(cfg.gen_dim, cfg.latent);
  nn::OtganCritic critic(cfg.critic_dim);

  OTGAN_RETURN_IF_ERROR(StartRun(
      common,
      {{"paper", "otgan"},
       {"method", "otgan"},
       {"eval_dataset", "mnist"},
       {"sample_range", "0,1"},
       {"settings_source",
        "paper (loss, envelope gradient, eps 1/500, 500 iterations, 3 generator steps per "
        "critic step, Adam 3e-4 (0.5, 0.999)); code openai/ot-gan@e0673f0 (U[-1,1]^100 "
        "latent, cosine cost on l2-normalised CReLU feature maps, weight norm, NN-upsample + "
        "GLU generator, generator EMA 0.999, data in [-1,1]); nets scaled down to 28x28; "
        "batch size reduced for the CPU"},
       {"dataset", mnist.description},
       {"loss", "minibatch energy distance, W = <P_eps, C> (entropy left out)"},
       {"gradient", "envelope (plan held fixed)"},
       {"generator", gen->Describe()},
       {"critic", critic->Describe()},
       {"weight_norm_init",
        cfg.wn_data_init ? "data-dependent: critic on the first batch_size training images, "
                           "generator on batch_size latents (utils/nn.py init pass)"
                         : "code: v ~ N(0, 0.05^2), g = 1, b = 0 (train.py never runs the "
                           "init-pass assignments)"},
       {"ema", absl::StrCat("decay ", cfg.ema.decay,
                            cfg.ema.tf_num_updates ? ", min with (1+n)/(10+n) (TF num_updates)"
                                                   : ", constant [code]")},
       {"samples_eval", "samples_eval.npy: EMA generator (scored in eval.json); "
                        "raw/samples_eval.npy: raw generator, same latents (scored in "
                        "raw/eval.json, except at --budget=smoke)"},
       {"latent_distribution", "U[-1,1]^latent"},
       {"total_steps", absl::StrCat(steps)},
       {"paper_batch_size", "8000 (8 GPUs, CIFAR-10)"},
       DistributedFact(common, cfg.batch_size,
                       "Sinkhorn on the gathered embeddings of the global batches"),
       {"global_batch_size", absl::StrCat(world * cfg.batch_size)},
       SeedsFact(common.seed, {Stream::kInit, Stream::kDataOrder, Stream::kOtSampleGrid,
                               Stream::kOtEvalSamples, Stream::kEvalCurve}),
       EvalCurveFact(common, steps)}));

  // Joins the process group (a world of one without sockets).
  OTGAN_ASSIGN_OR_RETURN(dist::DistContext dist_ctx, dist::DistContext::Create(common.dist));

  gen->to(common.device);
  critic->to(common.device);
  // Weight-norm init pass (train.py:51-54,189): the critic on the first
  // batch_size training images, the generator on its own latent batch. On
  // --resume the checkpoint overwrites what this sets (nets, EMA, RNG).
  if (cfg.wn_data_init) {
    at::NoGradGuard no_grad;
    critic->DataInit(images.narrow(0, 0, std::min<int64_t>(cfg.batch_size, n_train)));
    gen->DataInit(at::rand({cfg.batch_size, cfg.latent}).to(common.device) * 2 - 1);
  }
  // Distributed: rank 0's nets (after its WN init pass) on every rank; then
  // each rank draws its own latents and data from its own seed.
  train::TrainerConfig tc = TrainerConfigFor(common, steps, /*smoke=*/{1, 3, 0},
                                             /*other=*/{10, 50, 200});
  OTGAN_RETURN_IF_ERROR(StartDataParallel(common, dist_ctx, {gen.get(), critic.get()}, tc));
  auto gen_ema = std::dynamic_pointer_cast<nn::OtganGeneratorImpl>(gen->clone());
  OTGAN_ASSIGN_OR_RETURN(train::ParameterEma ema, train::ParameterEma::Make(gen.ptr(), gen_ema, cfg.ema));
  ema.Reset();
  data::EpochShuffler shuffler(n_train, dist::RankSeed(common.seed, common.dist.rank));

  train::Trainer trainer(tc);
  OTGAN_ASSIGN_OR_RETURN(OtganOptimizers opt, AddOtganNets(trainer, cfg, gen.ptr(), critic.ptr()));
  trainer.AddModule("generator_ema", gen_ema);
  trainer.AddShuffler("data", &shuffler);

  const at::TensorOptions zopt = at::TensorOptions().dtype(at::kFloat).device(common.device);
  at::Generator grid_gen = StreamGenerator(common.seed, Stream::kOtSampleGrid);
  const at::Tensor fixed_z = (at::rand({100, cfg.latent}, grid_gen, at::kFloat) * 2 - 1).to(common.device);
  if (common.is_root()) {
    trainer.SetSampleFn([&] { return To01(gen_ema->forward(fixed_z)); }, io::GridOptions{});
  }
  const LatentDrawFn draw = [&](int64_t n, at::Generator& g) {
    return at::rand({n, cfg.latent}, g, at::kFloat) * 2 - 1;
  };
  // The curve scores the EMA generator, as eval.json does (rank 0 only).
  if (common.is_root()) OTGAN_RETURN_IF_ERROR(AttachEvalCurve(
      common, steps, trainer, EvalCurveTarget{.range = eval::PixelRange::kZeroOne}, draw,
      [&](const at::Tensor& z) { return To01(gen_ema->forward(z)); }));

  OTGAN_RETURN_IF_ERROR(RunOtganTraining(
      trainer, cfg,
      OtganParts{.generate = train::InPrecision(common.precision,
                                                [&](const at::Tensor& z) { return gen->forward(z); }),
                 .embed = train::InPrecision(common.precision,  // unit rows
                                             [&](const at::Tensor& x) { return critic->forward(x); }),
                 .gen_opt = opt.gen.get(),
                 .critic_opt = opt.critic.get(),
                 .real_batch =
                     [&] {
                       return images.index_select(
                           0, shuffler.NextBatch(cfg.batch_size).to(common.device));
                     },
                 .latents = [&] { return at::rand({cfg.batch_size, cfg.latent}, zopt) * 2 - 1; },
                 .after_gen_step = [&](int64_t it) { ema.Update(it); },
                 .dist = &dist_ctx}));
  if (!common.is_root()) return absl::OkStatus();  // rank 0 writes the samples and scores

  // The raw generator (train.py saves and scores both): raw/, same latents.
  OTGAN_RETURN_IF_ERROR(WriteRawGeneratorRun(
      common, fixed_z, draw, [&](const at::Tensor& z) { return To01(gen->forward(z)); }));

  // The EMA generator's samples are the run's samples_eval.npy (scored by Main).
  return WriteEvalSamplesOf(
      common, draw, [&](const at::Tensor& z) { return To01(gen_ema->forward(z)); }, /*chunk=*/500);
}

}  // namespace
}  // namespace otgan::replications

int main(int argc, char** argv) {
  // This target's default budget is cpu (the main job: digits in about 15
  // minutes on 2 cores); --budget=smoke (tests) and --budget=paper as usual.
  absl::SetFlag(&FLAGS_budget, otgan::train::Budget::kCpu);
  return otgan::replications::Main(
      argc, argv, "otgan_mnist",
      "Salimans et al. 2018 OT-GAN on MNIST: minibatch energy distance with a cosine cost on "
      "critic embeddings, envelope gradients, 3 generator steps per critic step. Default "
      "--budget for this target: cpu.",
      otgan::replications::Run, /*distributed=*/true);
}

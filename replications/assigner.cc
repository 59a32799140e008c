#include "replications/assigner.h"

#include <algorithm>
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
#include "absl/strings/str_format.h"
#include "lib/data/dataset.h"
#include "lib/io/image_grid.h"
#include "lib/nn/laschos_nets.h"
#include "lib/nn/mlp.h"
#include "lib/train/optim.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "lib/util/status.h"
#include "replications/assigner_family.h"
#include "replications/common.h"

ABSL_FLAG(otgan::replications::AssignerCost, cost, otgan::replications::AssignerCost::kSquare,
          "square: assignment 0.1|x-y|^2, generator |x-y|^2 | ssim: assignment -PSNR, "
          "generator 1 - SSIM(x+1, y+1; max_val 2, 4x4 window) [code: Mnist_Ssim.py's \"psnr\"]");
ABSL_FLAG(double, lr, 1e-4, "generator Adam(0.5, 0.9) learning rate [code]");
ABSL_FLAG(double, psi_lr, 5e-5, "assigner Adam(0.5, 0.9) learning rate [code]");
ABSL_FLAG(int, assigner_steps, 5, "assigner steps per main loop [code]");
ABSL_FLAG(int64_t, latent, 250, "latent dimension [code]");
ABSL_FLAG(int64_t, latent_centres, 50000,
          "fixed N(0, I) latent centres [code @ 09a4c89: data/Latent.py:111]");
ABSL_FLAG(double, latent_sigma, 0.02,
          "std of the noise added to a latent centre [code @ 09a4c89: data/Latent.py:120]");
ABSL_FLAG(int64_t, latent_batch, 0,
          "generated points per assignment chunk, the granularity of N; 0 = code's value "
          "(400 for square, 200 for ssim; 50 at --budget=smoke)");
ABSL_FLAG(int64_t, n_first, 0,
          "generated points per assigner step in the first main loop; 0 = budget default "
          "(cpu: the first whole number of latent batches >= --num_real; paper: 15 latent "
          "batches, code's 6000 / 3000)");
ABSL_FLAG(int64_t, n_last, 0,
          "generated points per assigner step reached at the last main loop; 0 = budget default "
          "(cpu: = n_first; paper: n_first + 25 * real images, code's ~130k)");
ABSL_FLAG(double, assign_scale, 0,
          "factor on the assignment cost; 0 = code's value (0.1 on |x-y|^2 for square, 1 on "
          "-PSNR for ssim)");
ABSL_FLAG(bool, unit_diameter, false,
          "divide squared pixel distances by the squared diameter of the real set (so the data "
          "diameter is 1); default: the code's [-1,1] pixel units");
ABSL_FLAG(int64_t, batch_size, 50, "minibatch of (latent, assigned real) pairs per generator step [code]");
ABSL_FLAG(int, gen_epochs, 1, "passes over the stored pairs per main loop [code: 1]");
ABSL_FLAG(int64_t, num_real, 5000, "real training images: a fixed seeded subset [code] (smoke: 1000)");
ABSL_FLAG(uint64_t, subset_seed, 0,
          "seed of the real subset (0 = the subset lib/eval's Laschos W1 compares against)");

namespace otgan::replications {
namespace {

// Main loops of the cpu budget (see ConfigFromFlags).
constexpr int64_t kCpuLoops = 100;


std::string Target(data::DatasetName dataset) {
  return absl::StrCat("assigner_", data::DatasetNameString(dataset));
}

absl::StatusOr<AssignerConfig> ConfigFromFlags(const CommonConfig& c, data::DatasetName dataset) {
  AssignerConfig a;
  a.dataset = dataset;
  a.cost = absl::GetFlag(FLAGS_cost);
  const bool square = a.cost == AssignerCost::kSquare;
  // Both nets: tf.train.AdamOptimizer(lr, beta1=0.5, beta2=0.9) (TF's epsilon
  // 1e-8 is LibTorch's default too).
  a.g_opt = train::Adam(absl::GetFlag(FLAGS_lr), 0.5, 0.9);
  a.g_opt.source = "code @ 09a4c89: networks/Network.py:39; lr Mnist_Square.py:96";
  a.psi_opt = train::Adam(absl::GetFlag(FLAGS_psi_lr), 0.5, 0.9);
  a.psi_opt.source = "code @ 09a4c89: networks/Network.py:39; lr Mnist_Square.py:95";
  a.schedule.assigner_steps = absl::GetFlag(FLAGS_assigner_steps);
  a.latent = absl::GetFlag(FLAGS_latent);
  a.latent_centres = absl::GetFlag(FLAGS_latent_centres);
  a.latent_sigma = absl::GetFlag(FLAGS_latent_sigma);
  a.schedule.latent_batch = absl::GetFlag(FLAGS_latent_batch);
  if (a.schedule.latent_batch == 0) {
    // Smoke: one small batch, so a main loop takes a second or two here.
    a.schedule.latent_batch = c.budget == train::Budget::kSmoke ? 50 : (square ? 400 : 200);
  }
  a.assign_scale = absl::GetFlag(FLAGS_assign_scale);
  if (a.assign_scale == 0) a.assign_scale = square ? 0.1 : 1.0;
  a.unit_diameter = absl::GetFlag(FLAGS_unit_diameter);
  a.schedule.batch_size = absl::GetFlag(FLAGS_batch_size);
  a.schedule.gen_epochs = absl::GetFlag(FLAGS_gen_epochs);
  a.num_real = absl::GetFlag(FLAGS_num_real);
  a.subset_seed = absl::GetFlag(FLAGS_subset_seed);
  // Smoke: 1000 real images keep the assigner's passes over them short.
  ApplySmokeDefault(c, "num_real", int64_t{1000}, &a.num_real, &a.smoke);
  OTGAN_RETURN_IF_ERROR(CheckPositive("lr", a.g_opt.lr));
  OTGAN_RETURN_IF_ERROR(CheckPositive("psi_lr", a.psi_opt.lr));
  OTGAN_RETURN_IF_ERROR(CheckPositive("assigner_steps", a.schedule.assigner_steps));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent", a.latent));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent_centres", a.latent_centres));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("latent_sigma", a.latent_sigma));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent_batch", a.schedule.latent_batch));
  OTGAN_RETURN_IF_ERROR(CheckPositive("assign_scale", a.assign_scale));
  OTGAN_RETURN_IF_ERROR(CheckPositive("batch_size", a.schedule.batch_size));
  OTGAN_RETURN_IF_ERROR(CheckPositive("gen_epochs", a.schedule.gen_epochs));
  OTGAN_RETURN_IF_ERROR(CheckPositive("num_real", a.num_real));
  if (a.schedule.latent_batch > a.latent_centres) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--latent_batch=", a.schedule.latent_batch, ": a latent batch draws distinct centres, so it must "
        "be at most --latent_centres=", a.latent_centres));
  }

  // Main loops per budget: smoke a pipeline check in seconds; cpu ~2.5 h at
  // one thread (replications/README.md); paper 500 (Mnist_Square.py:98).
  a.schedule.loops = StepsFor(c, 2, kCpuLoops, 500);
  OTGAN_RETURN_IF_ERROR(SetAssignerGrowth(c.budget, a.num_real, absl::GetFlag(FLAGS_n_first),
                                          absl::GetFlag(FLAGS_n_last), a.schedule));
  a.trainer = TrainerConfigFor(c, a.schedule.loops, /*smoke=*/{1, 2, 0}, /*other=*/{1, 5, 10});
  return a;
}
absl::Status Run(const CommonConfig& c, data::DatasetName dataset) {
  OTGAN_ASSIGN_OR_RETURN(AssignerConfig a, ConfigFromFlags(c, dataset));
  data::ImageDatasetOptions dopt;
  dopt.dataset = dataset;
  dopt.split = data::Split::kTrain;
  dopt.data_dir = c.data_dir;
  dopt.range = data::ValueRange::kMinusOneOne;
  dopt.resize = 32;
  dopt.subset_size = a.num_real;
  dopt.subset_seed = a.subset_seed;
  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset ds, data::LoadImageDataset(dopt));
  const at::Tensor real = ds.images.to(c.device);                  // [M, 1, 32, 32]
  const at::Tensor real_flat = real.reshape({real.size(0), -1});   // [M, 1024]
  const double diameter = Diameter(real_flat);
  const double sq_unit = a.unit_diameter ? diameter * diameter : 1.0;
  const AssignerCosts costs = MakeAssignerCosts(a.cost, a.assign_scale, sq_unit, real, real_flat);

  // Fixed latent centres: a function of the seed, rebuilt identically on resume.
  at::Generator centre_gen = StreamGenerator(c.seed, Stream::kLatentCentres);
  const CentreLatents latents{
      at::randn({a.latent_centres, a.latent}, centre_gen, at::TensorOptions().dtype(at::kFloat))
          .to(c.device),
      a.latent_sigma};

  at::manual_seed(StreamSeed(c.seed, Stream::kInit));
  nn::LaschosGenerator gen(a.latent);
  nn::Mlp psi_net(nn::MlpOptions{.in = real_flat.size(1),
                                 .hidden = {512, 512, 512, 512},
                                 .out = 1,
                                 .activation = nn::Activation::kLeakyReLU,
                                 .output = nn::Activation::kNone});
  nn::LaschosGlorotInit(psi_net);  // LaschosGenerator initialises itself the same way
  gen->to(c.device);
  psi_net->to(c.device);
  OTGAN_ASSIGN_OR_RETURN(auto g_opt, train::MakeOptimizer(a.g_opt, gen->parameters()));
  OTGAN_ASSIGN_OR_RETURN(auto psi_opt, train::MakeOptimizer(a.psi_opt, psi_net->parameters()));
  const auto generate = [&](const at::Tensor& z) { return gen->forward(z); };

  OTGAN_RETURN_IF_ERROR(StartRun(c, AssignerFacts(c, a, costs, ds.description, diameter)));

  train::Trainer trainer(a.trainer);
  trainer.AddModule("generator", gen.ptr());
  trainer.AddModule("assigner", psi_net.ptr());
  trainer.AddOptimizer("gen_opt", g_opt.get());
  trainer.AddOptimizer("assigner_opt", psi_opt.get());
  at::Generator fixed_gen = StreamGenerator(c.seed, Stream::kSampleGrid);
  const at::Tensor fixed_z = latents.First(std::min<int64_t>(64, a.latent_centres), fixed_gen);
  io::GridOptions grid;
  grid.lo = -1.0;
  grid.hi = 1.0;
  trainer.SetSampleFn([&] { return gen->forward(fixed_z); }, grid);
  // The curve's latents follow the model's law: distinct centres plus noise.
  const CentreLatents latents_cpu{latents.centres.to(at::kCPU), a.latent_sigma};
  OTGAN_RETURN_IF_ERROR(AttachEvalCurve(
      c, a.trainer.total_steps, trainer,
      EvalCurveTarget{.dataset = dataset, .image_size = 32, .range = eval::PixelRange::kMinusOneOne},
      [&](int64_t n, at::Generator& g) { return latents_cpu.Draw(n, g); }, generate));

  OTGAN_RETURN_IF_ERROR(RunAssignerTraining(
      trainer, a.schedule,
      AssignerParts{train::InPrecision(c.precision, generate), latents, costs, &psi_net,
                    psi_opt.get(), g_opt.get(), real, real_flat}));

  // Evaluation samples from the model's own latent law: centres drawn with a
  // generator seeded from EvalSeed, noise from WriteEvalSamples' N(0, I) draws.
  at::Generator eval_pick = StreamGenerator(c.seed, Stream::kEvalCentrePick);
  return WriteEvalSamples(c, a.latent, [&](const at::Tensor& noise) {
    return gen->forward(latents.WithNoise(noise, eval_pick));
  });
}

}  // namespace

int AssignerMain(int argc, char** argv, data::DatasetName dataset) {
  const std::string target = Target(dataset);
  return Main(argc, argv, target,
              absl::StrCat("Laschos et al. 2019 assigner GAN on ", data::DatasetNameString(dataset),
                           " (5000 images, 32x32).\n  ", target,
                           " --budget=smoke|cpu|paper --cost=square|ssim [--out=DIR] ..."),
              [dataset](const CommonConfig& c) { return Run(c, dataset); });
}

}  // namespace otgan::replications

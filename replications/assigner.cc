#include "replications/assigner.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
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
#include "lib/ot/cost.h"
#include "lib/ot/semidiscrete.h"
#include "lib/train/losses.h"
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

struct AssignerConfig {
  data::DatasetName dataset = data::DatasetName::kMnist;
  AssignerCost cost = AssignerCost::kSquare;
  train::OptimizerSpec g_opt;
  train::OptimizerSpec psi_opt;
  AssignerSchedule schedule;  // loops, assigner steps, N, latent batch, generator replay
  int64_t latent = 250;
  int64_t latent_centres = 50000;
  double latent_sigma = 0.02;
  double assign_scale = 0.1;
  bool unit_diameter = false;
  int64_t num_real = 5000;
  uint64_t subset_seed = 0;
  train::TrainerConfig trainer;
  SmokeOverrides smoke;
};

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

  // Main loops and the growth of N per budget. smoke: a pipeline check in
  // seconds; cpu: N >= M throughout, ~2.5 h at one thread (see
  // replications/README.md); paper: 500 loops, N from 15 latent batches up by
  // 25 * M (their code, Mnist_Square.py:52,98).
  const int64_t loops = StepsFor(c, 2, kCpuLoops, 500);
  int64_t n_first = 0, n_last = 0;
  switch (c.budget) {
    case train::Budget::kSmoke:
      n_first = a.schedule.latent_batch;
      n_last = 2 * a.schedule.latent_batch;
      break;
    case train::Budget::kCpu:
      // N = the first whole number of latent batches >= M (5200 square,
      // 5000 ssim at M = 5000), held fixed: the code's N starts above M
      // (6000 / 3000 = 0.6 M for ssim) and grows to 26 M, which this machine
      // cannot afford; below M a step leaves real points unassigned by
      // construction. The loop time is measured in replications/README.md.
      n_first = (a.num_real + a.schedule.latent_batch - 1) / a.schedule.latent_batch * a.schedule.latent_batch;
      n_last = n_first;
      break;
    case train::Budget::kPaper:
      n_first = 15 * a.schedule.latent_batch;
      n_last = n_first + 25 * a.num_real;
      break;
  }
  a.schedule.n_first = absl::GetFlag(FLAGS_n_first) > 0 ? absl::GetFlag(FLAGS_n_first) : n_first;
  a.schedule.n_last = absl::GetFlag(FLAGS_n_last) > 0 ? absl::GetFlag(FLAGS_n_last) : n_last;
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("n_first", absl::GetFlag(FLAGS_n_first)));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("n_last", absl::GetFlag(FLAGS_n_last)));
  if (a.schedule.n_first < a.schedule.latent_batch) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--n_first=", a.schedule.n_first, ": expected at least one latent batch (", a.schedule.latent_batch, ")"));
  }
  if (a.schedule.n_last < a.schedule.n_first) {
    return absl::InvalidArgumentError(
        absl::StrCat("--n_last=", a.schedule.n_last, ": expected at least --n_first=", a.schedule.n_first));
  }

  a.schedule.loops = loops;
  a.trainer = TrainerConfigFor(c, loops, /*smoke=*/{1, 2, 0}, /*other=*/{1, 5, 10});
  return a;
}

// Largest Euclidean distance between two of the images [M, 1, H, W].
double Diameter(const at::Tensor& images) {
  torch::NoGradGuard no_grad;
  at::Tensor flat = images.reshape({images.size(0), -1});
  return std::sqrt(ot::PairwiseCost(flat, flat, ot::CostKind::kSqEuclidean).max().item<double>());
}

// The manifest's facts of an assigner run.
std::vector<std::pair<std::string, std::string>> Facts(const CommonConfig& c,
                                                       const AssignerConfig& a,
                                                       const AssignerCosts& costs,
                                                       const std::string& data, double diameter) {
  const AssignerSchedule& s = a.schedule;
  return {{"paper", "laschos"},
          {"method", absl::StrCat("assigner_", Name(a.cost))},
          {"eval_dataset", data::DatasetNameString(a.dataset)},
          {"sample_range", "-1,1"},
          {"image_size", "32"},
          {"sample_shape", "N,1,32,32"},
          {"settings_source",
           "code (artnoage/Optimal-Transport-GAN, Mnist_Square.py / Mnist_Ssim.py); cpu budget "
           "scales down main loops and N"},
          {"data", data},
          {"data_diameter", absl::StrFormat("%.6g", diameter)},
          {"cost", Name(a.cost)},
          {"assignment_cost", costs.assign_desc},
          {"generator_cost", costs.gen_desc},
          {"generator_optimizer", train::Describe(a.g_opt)},
          {"assigner_optimizer", train::Describe(a.psi_opt)},
          {"main_loops", absl::StrCat(a.trainer.total_steps)},
          {"assigner_steps", absl::StrCat(s.assigner_steps)},
          {"n_schedule", absl::StrCat(s.n_first, " -> ", s.n_last, " generated points per assigner "
                                      "step, whole batches of ", s.latent_batch,
                                      ", linear in the loop [code: Mnist_Square.py:52 grows 6000 -> "
                                      "130400; cpu budget: held at the first whole batch count >= M]")},
          {"loss_sources", "assigner loss Assignment_model.py:142-148; generator pass over the last "
                           "step's pairs in batches of 50, Assignment_model.py:178-185"},
          {"generator_update",
           absl::StrCat(s.gen_epochs, " pass(es) over the last assigner step's pairs in minibatches of ",
                        s.batch_size, " (incomplete last minibatch dropped, as in the code)")},
          {"latent", absl::StrCat(a.latent, "-d: a batch takes distinct centres of ",
                                  a.latent_centres, " fixed N(0,I) centres (a random permutation's "
                                  "first rows) + ", a.latent_sigma,
                                  " N(0,I) [code @ 09a4c89: data/Latent.py:105-120]")},
          {"architecture",
           "generator: dense 4096 + LayerNorm(4096) + relu, 3 x deconv 5x5 stride 2 TF-'same' "
           "(256 -> 128 -> 64 -> 1), LayerNorm per pixel over channels (Keras, eps 1e-3) + relu, "
           "tanh [code: networks/DeconvNew32.py:16-34]; assigner: Mlp 1024 -> 4 x 512 "
           "LeakyReLU(0.2) -> 1 [networks/DenseCritic.py:15-20]"},
          {"init", "Keras glorot_uniform weights, zero biases, LayerNorm gamma 1 / beta 0 for "
                   "both nets [tf.layers / keras defaults; no kernel_initializer in "
                   "DeconvNew32.py, DenseCritic.py]"},
          {"smoke_overrides", a.smoke.Describe()},
          {"eval_seed", absl::StrCat(EvalSeed(c))},
          SeedsFact(c.seed, {Stream::kInit, Stream::kLatentCentres, Stream::kSampleGrid,
                             Stream::kEvalSamples, Stream::kEvalCentrePick, Stream::kEvalCurve}),
          EvalCurveFact(c, a.trainer.total_steps)};
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
  const double diameter = Diameter(real);
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

  OTGAN_RETURN_IF_ERROR(StartRun(c, Facts(c, a, costs, ds.description, diameter)));

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
      AssignerParts{generate, latents, costs, &psi_net, psi_opt.get(), g_opt.get(), real,
                    real_flat}));

  // Evaluation samples from the model's own latent law: centres drawn with a
  // generator seeded from EvalSeed, noise from WriteEvalSamples' N(0, I) draws.
  at::Generator eval_pick = StreamGenerator(c.seed, Stream::kEvalCentrePick);
  return WriteEvalSamples(c, a.latent, [&](const at::Tensor& noise) {
    return gen->forward(latents.WithNoise(noise, eval_pick));
  });
}

}  // namespace

int AssignerMain(int argc, char** argv, data::DatasetName dataset) {
  // glibc hands blocks above its mmap threshold back to the OS on free and
  // trims the heap top, so every generator batch's activations were fresh,
  // page-faulting memory: page faults were ~20% of a loop's profile and the
  // generator's forward ran 3x slower than with the memory kept (measured
  // here: 0.95 s -> 0.30 s per 400 samples). Keep freed memory in the process.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest allowed value
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  const std::string target = Target(dataset);
  return Main(argc, argv, target,
              absl::StrCat("Laschos et al. 2019 assigner GAN on ", data::DatasetNameString(dataset),
                           " (5000 images, 32x32).\n  ", target,
                           " --budget=smoke|cpu|paper --cost=square|ssim [--out=DIR] ..."),
              [dataset](const CommonConfig& c) { return Run(c, dataset); });
}

}  // namespace otgan::replications

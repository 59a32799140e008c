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
#include "replications/common.h"

ABSL_FLAG(std::string, cost, "square",
          "square: assignment 0.1|x-y|^2, generator |x-y|^2 | ssim: assignment -PSNR, "
          "generator 1 - SSIM(x+1, y+1; max_val 2, 4x4 window) [code: Mnist_Ssim.py's \"psnr\"]");
ABSL_FLAG(double, g_lr, 1e-4, "generator Adam(0.5, 0.9) learning rate [code]");
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
ABSL_FLAG(int64_t, gen_batch, 50, "minibatch of (latent, assigned real) pairs per generator step [code]");
ABSL_FLAG(int, gen_epochs, 1, "passes over the stored pairs per main loop [code: 1]");
ABSL_FLAG(int64_t, num_real, 5000, "real training images: a fixed seeded subset [code] (smoke: 1000)");
ABSL_FLAG(uint64_t, subset_seed, 0,
          "seed of the real subset (0 = the subset lib/eval's Laschos W1 compares against)");
ABSL_FLAG(int64_t, sample_every, 0, "sample grid every this many main loops; 0 = budget default");
ABSL_FLAG(int64_t, checkpoint_every, 0, "checkpoint every this many main loops; 0 = budget default");

namespace otgan::replications {
namespace {

enum class CostChoice { kSquare, kSsim };

// Main loops of the cpu budget (see ConfigFromFlags).
constexpr int64_t kCpuLoops = 100;

struct AssignerConfig {
  data::DatasetName dataset = data::DatasetName::kMnist;
  CostChoice cost = CostChoice::kSquare;
  std::string cost_name;
  train::OptimizerSpec g_opt;
  train::OptimizerSpec psi_opt;
  int assigner_steps = 5;
  int64_t latent = 250;
  int64_t latent_centres = 50000;
  double latent_sigma = 0.02;
  int64_t latent_batch = 400;
  int64_t n_first = 0;
  int64_t n_last = 0;
  double assign_scale = 0.1;
  bool unit_diameter = false;
  int64_t gen_batch = 50;
  int gen_epochs = 1;
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
  a.cost_name = absl::GetFlag(FLAGS_cost);
  if (a.cost_name == "square") {
    a.cost = CostChoice::kSquare;
  } else if (a.cost_name == "ssim") {
    a.cost = CostChoice::kSsim;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--cost=", a.cost_name, ": expected square or ssim"));
  }
  const bool square = a.cost == CostChoice::kSquare;
  // Both nets: tf.train.AdamOptimizer(lr, beta1=0.5, beta2=0.9) (TF's epsilon
  // 1e-8 is LibTorch's default too).
  a.g_opt = train::Adam(absl::GetFlag(FLAGS_g_lr), 0.5, 0.9);
  a.g_opt.source = "code @ 09a4c89: networks/Network.py:39; lr Mnist_Square.py:96";
  a.psi_opt = train::Adam(absl::GetFlag(FLAGS_psi_lr), 0.5, 0.9);
  a.psi_opt.source = "code @ 09a4c89: networks/Network.py:39; lr Mnist_Square.py:95";
  a.assigner_steps = absl::GetFlag(FLAGS_assigner_steps);
  a.latent = absl::GetFlag(FLAGS_latent);
  a.latent_centres = absl::GetFlag(FLAGS_latent_centres);
  a.latent_sigma = absl::GetFlag(FLAGS_latent_sigma);
  a.latent_batch = absl::GetFlag(FLAGS_latent_batch);
  if (a.latent_batch == 0) {
    // Smoke: one small batch, so a main loop takes a second or two here.
    a.latent_batch = c.budget == train::Budget::kSmoke ? 50 : (square ? 400 : 200);
  }
  a.assign_scale = absl::GetFlag(FLAGS_assign_scale);
  if (a.assign_scale == 0) a.assign_scale = square ? 0.1 : 1.0;
  a.unit_diameter = absl::GetFlag(FLAGS_unit_diameter);
  a.gen_batch = absl::GetFlag(FLAGS_gen_batch);
  a.gen_epochs = absl::GetFlag(FLAGS_gen_epochs);
  a.num_real = absl::GetFlag(FLAGS_num_real);
  a.subset_seed = absl::GetFlag(FLAGS_subset_seed);
  // Smoke: 1000 real images keep the assigner's passes over them short.
  ApplySmokeDefault(c, "num_real", int64_t{1000}, &a.num_real, &a.smoke);
  OTGAN_RETURN_IF_ERROR(CheckPositive("g_lr", a.g_opt.lr));
  OTGAN_RETURN_IF_ERROR(CheckPositive("psi_lr", a.psi_opt.lr));
  OTGAN_RETURN_IF_ERROR(CheckPositive("assigner_steps", a.assigner_steps));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent", a.latent));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent_centres", a.latent_centres));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("latent_sigma", a.latent_sigma));
  OTGAN_RETURN_IF_ERROR(CheckPositive("latent_batch", a.latent_batch));
  OTGAN_RETURN_IF_ERROR(CheckPositive("assign_scale", a.assign_scale));
  OTGAN_RETURN_IF_ERROR(CheckPositive("gen_batch", a.gen_batch));
  OTGAN_RETURN_IF_ERROR(CheckPositive("gen_epochs", a.gen_epochs));
  OTGAN_RETURN_IF_ERROR(CheckPositive("num_real", a.num_real));
  if (a.latent_batch > a.latent_centres) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--latent_batch=", a.latent_batch, ": a latent batch draws distinct centres, so it must "
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
      n_first = a.latent_batch;
      n_last = 2 * a.latent_batch;
      break;
    case train::Budget::kCpu:
      // N = the first whole number of latent batches >= M (5200 square,
      // 5000 ssim at M = 5000), held fixed: the code's N starts above M
      // (6000 / 3000 = 0.6 M for ssim) and grows to 26 M, which this machine
      // cannot afford; below M a step leaves real points unassigned by
      // construction. The loop time is measured in replications/README.md.
      n_first = (a.num_real + a.latent_batch - 1) / a.latent_batch * a.latent_batch;
      n_last = n_first;
      break;
    case train::Budget::kPaper:
      n_first = 15 * a.latent_batch;
      n_last = n_first + 25 * a.num_real;
      break;
  }
  a.n_first = absl::GetFlag(FLAGS_n_first) > 0 ? absl::GetFlag(FLAGS_n_first) : n_first;
  a.n_last = absl::GetFlag(FLAGS_n_last) > 0 ? absl::GetFlag(FLAGS_n_last) : n_last;
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("n_first", absl::GetFlag(FLAGS_n_first)));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("n_last", absl::GetFlag(FLAGS_n_last)));
  if (a.n_first < a.latent_batch) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--n_first=", a.n_first, ": expected at least one latent batch (", a.latent_batch, ")"));
  }
  if (a.n_last < a.n_first) {
    return absl::InvalidArgumentError(
        absl::StrCat("--n_last=", a.n_last, ": expected at least --n_first=", a.n_first));
  }

  a.trainer = TrainerConfigFor(
      c, loops, /*smoke=*/{1, 2, 0}, /*other=*/{1, 5, 10},
      {0, absl::GetFlag(FLAGS_sample_every), absl::GetFlag(FLAGS_checkpoint_every)});
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("sample_every", a.trainer.sample_every));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("checkpoint_every", a.trainer.checkpoint_every));
  return a;
}

// Latents of their code's Assignment_latent (data/Latent.py:117-120 at
// 09a4c89): a batch takes distinct centres (tf.random_shuffle's first rows,
// here a random permutation's) plus sigma * N(0, I) noise.
at::Tensor DrawLatents(const at::Tensor& centres, int64_t n, double sigma,
                       c10::optional<at::Generator> gen = c10::nullopt) {
  at::Tensor pick = at::randperm(centres.size(0), gen, at::TensorOptions().dtype(at::kLong))
                        .narrow(0, 0, n)
                        .to(centres.device());
  at::Tensor noise = at::randn({n, centres.size(1)}, gen, at::TensorOptions().dtype(at::kFloat));
  return centres.index_select(0, pick) + sigma * noise.to(centres.device());
}

// Largest Euclidean distance between two of the images [M, 1, H, W].
double Diameter(const at::Tensor& images) {
  torch::NoGradGuard no_grad;
  at::Tensor flat = images.reshape({images.size(0), -1});
  return std::sqrt(ot::PairwiseCost(flat, flat, ot::CostKind::kSqEuclidean).max().item<double>());
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
  const int64_t m = real.size(0);
  const double diameter = Diameter(real);
  const double sq_unit = a.unit_diameter ? diameter * diameter : 1.0;

  // Fixed latent centres: a function of the seed, rebuilt identically on resume.
  at::Generator centre_gen = at::make_generator<at::CPUGeneratorImpl>(c.seed + 0xCE47E5ull);
  const at::Tensor centres =
      at::randn({a.latent_centres, a.latent}, centre_gen, at::TensorOptions().dtype(at::kFloat))
          .to(c.device);

  at::manual_seed(c.seed);
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

  const bool square = a.cost == CostChoice::kSquare;
  const double scale = a.assign_scale;
  auto assign = [&](const at::Tensor& fake, const at::Tensor& psi) {
    if (square) {
      return ot::AssignSemiDiscrete(fake.reshape({fake.size(0), -1}), real_flat, psi,
                                    ot::CostKind::kSqEuclidean, scale / sq_unit);
    }
    return ot::AssignSemiDiscrete(fake, real, psi, [scale](const at::Tensor& xc, const at::Tensor& y) {
      return ot::PsnrCost(xc, y, /*data_range=*/2.0) * scale;
    });
  };
  const train::PairCostFn pair_cost = [&](const at::Tensor& x, const at::Tensor& y) {
    if (square) return train::SquaredEuclideanPairCost(x, y) / sq_unit;
    return ot::LaschosSsimPaired(x, y);  // 1 - SSIM(x+1, y+1; max_val 2, filter_size 4)
  };

  const std::string assign_desc =
      square ? absl::StrFormat("%g |x-y|^2%s", scale, a.unit_diameter ? " / D^2" : " (pixels in [-1,1])")
             : absl::StrFormat("%g * -PSNR(x, y; range 2) [code: 1 - PSNR(x+1, y+1, 2), "
                               "Assignment_model.py:119-123; same argmin]", scale);
  const std::string gen_desc =
      square ? absl::StrCat("|x-y|^2", a.unit_diameter ? " / D^2" : " (pixels in [-1,1])")
             : "1 - SSIM(x+1, y+1; max_val 2, 4x4 Gaussian window sigma 1.5, k1 0.01, k2 0.03, "
               "VALID) = tf.image.ssim as in Assignment_model.py:160";
  OTGAN_RETURN_IF_ERROR(StartRun(
      c, {{"paper", "laschos"},
          {"method", absl::StrCat("assigner_", a.cost_name)},
          {"eval_dataset", data::DatasetNameString(dataset)},
          {"sample_range", "-1,1"},
          {"image_size", "32"},
          {"sample_shape", "N,1,32,32"},
          {"settings_source",
           "code (artnoage/Optimal-Transport-GAN, Mnist_Square.py / Mnist_Ssim.py); cpu budget "
           "scales down main loops and N"},
          {"data", ds.description},
          {"data_diameter", absl::StrFormat("%.6g", diameter)},
          {"cost", a.cost_name},
          {"assignment_cost", assign_desc},
          {"generator_cost", gen_desc},
          {"generator_optimizer", train::Describe(a.g_opt)},
          {"assigner_optimizer", train::Describe(a.psi_opt)},
          {"main_loops", absl::StrCat(a.trainer.total_steps)},
          {"assigner_steps", absl::StrCat(a.assigner_steps)},
          {"n_schedule", absl::StrCat(a.n_first, " -> ", a.n_last, " generated points per assigner "
                                      "step, whole batches of ", a.latent_batch,
                                      ", linear in the loop [code: Mnist_Square.py:52 grows 6000 -> "
                                      "130400; cpu budget: held at the first whole batch count >= M]")},
          {"loss_sources", "assigner loss Assignment_model.py:142-148; generator pass over the last "
                           "step's pairs in batches of 50, Assignment_model.py:178-185"},
          {"generator_update",
           absl::StrCat(a.gen_epochs, " pass(es) over the last assigner step's pairs in minibatches of ",
                        a.gen_batch, " (incomplete last minibatch dropped, as in the code)")},
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
          EvalCurveFact(c, a.trainer.total_steps)}));

  train::Trainer trainer(a.trainer);
  trainer.AddModule("generator", gen.ptr());
  trainer.AddModule("assigner", psi_net.ptr());
  trainer.AddOptimizer("gen_opt", g_opt.get());
  trainer.AddOptimizer("assigner_opt", psi_opt.get());
  at::Generator fixed_gen = at::make_generator<at::CPUGeneratorImpl>(c.seed + 17);
  const at::Tensor fixed_z =
      centres.narrow(0, 0, std::min<int64_t>(64, a.latent_centres)) +
      a.latent_sigma * at::randn({std::min<int64_t>(64, a.latent_centres), a.latent}, fixed_gen,
                                 at::TensorOptions().dtype(at::kFloat))
                           .to(c.device);
  io::GridOptions grid;
  grid.lo = -1.0;
  grid.hi = 1.0;
  trainer.SetSampleFn([&] { return gen->forward(fixed_z); }, grid);
  // The curve's latents follow the model's law: distinct centres plus noise.
  const at::Tensor centres_cpu = centres.to(at::kCPU);
  OTGAN_RETURN_IF_ERROR(AttachEvalCurve(
      c, a.trainer.total_steps, trainer,
      EvalCurveTarget{.dataset = dataset, .image_size = 32, .range = eval::PixelRange::kMinusOneOne},
      [&](int64_t n, at::Generator& g) {
        at::Tensor pick = at::randperm(a.latent_centres, g, at::TensorOptions().dtype(at::kLong))
                              .narrow(0, 0, std::min(n, a.latent_centres));
        if (n > a.latent_centres) {
          pick = pick.repeat({(n + a.latent_centres - 1) / a.latent_centres}).narrow(0, 0, n);
        }
        return centres_cpu.index_select(0, pick) +
               a.latent_sigma * at::randn({n, a.latent}, g, at::TensorOptions().dtype(at::kFloat));
      },
      [&](const at::Tensor& z) { return gen->forward(z); }));

  const int64_t loops = a.trainer.total_steps;
  const AssignerPhaseFns phase_fns{
      [&](int64_t n) { return DrawLatents(centres, n, a.latent_sigma); },
      [&](const at::Tensor& z) { return gen->forward(z); },
      assign};
  auto step = [&](int64_t loop) -> absl::StatusOr<train::StepLosses> {
    const int64_t n = AssignerPointsPerStep(loop, loops, a.n_first, a.n_last, a.latent_batch);
    const auto t0 = std::chrono::steady_clock::now();
    AssignerPhaseResult phase = RunAssignerPhase(psi_net, *psi_opt, real_flat, a.assigner_steps,
                                                 n, a.latent_batch, phase_fns);
    const auto t1 = std::chrono::steady_clock::now();
    // Generator: replay the last assigner step's pairs.
    const at::Tensor& z_all = phase.latents;
    const at::Tensor& idx_all = phase.indices;
    double gen_loss_sum = 0;
    int64_t gen_steps = 0;
    for (int e = 0; e < a.gen_epochs; ++e) {
      for (int64_t s = 0; s + a.gen_batch <= n; s += a.gen_batch) {
        at::Tensor g = gen->forward(z_all.narrow(0, s, a.gen_batch));
        at::Tensor y = real.index_select(0, idx_all.narrow(0, s, a.gen_batch));
        at::Tensor loss = train::AssignedTransportLoss(g, y, pair_cost);
        g_opt->zero_grad();
        loss.backward();
        g_opt->step();
        gen_loss_sum += loss.item<double>();
        ++gen_steps;
      }
    }
    const auto t2 = std::chrono::steady_clock::now();
    return train::StepLosses{{"gen_loss", gen_steps > 0 ? gen_loss_sum / gen_steps : 0.0},
                             {"assigner_objective", phase.objective},
                             {"assignment_variance", phase.variance},
                             {"unassigned_fraction", phase.unassigned},
                             {"max_share", phase.max_share},
                             {"assign_cost", phase.transport},
                             {"n_generated", static_cast<double>(n)},
                             {"gen_steps", static_cast<double>(gen_steps)},
                             {"assigner_seconds", std::chrono::duration<double>(t1 - t0).count()},
                             {"generate_seconds", phase.generate_seconds},
                             {"assign_seconds", phase.assign_seconds},
                             {"psi_seconds", phase.psi_seconds},
                             {"generator_seconds", std::chrono::duration<double>(t2 - t1).count()}};
  };
  OTGAN_RETURN_IF_ERROR(trainer.Run(
      step, {"gen_loss", "assigner_objective", "assignment_variance", "unassigned_fraction",
             "max_share", "assign_cost", "n_generated", "gen_steps", "assigner_seconds",
             "generate_seconds", "assign_seconds", "psi_seconds", "generator_seconds"}));

  // Evaluation samples from the model's own latent law: centres drawn with a
  // generator seeded from EvalSeed, noise from WriteEvalSamples' N(0, I) draws.
  at::Generator eval_pick = at::make_generator<at::CPUGeneratorImpl>(EvalSeed(c) + 1);
  return WriteEvalSamples(c, a.latent, [&](const at::Tensor& noise) {
    const int64_t b = noise.size(0);
    at::Tensor pick = at::randperm(a.latent_centres, eval_pick, at::TensorOptions().dtype(at::kLong))
                          .narrow(0, 0, std::min(b, a.latent_centres));
    if (b > a.latent_centres) pick = pick.repeat({(b + a.latent_centres - 1) / a.latent_centres}).narrow(0, 0, b);
    return gen->forward(centres.index_select(0, pick.to(c.device)) + a.latent_sigma * noise);
  });
}

}  // namespace

AssignerPhaseResult RunAssignerPhase(nn::Mlp& psi_net, torch::optim::Optimizer& psi_opt,
                                     const at::Tensor& real_flat, int steps, int64_t n,
                                     int64_t chunk, const AssignerPhaseFns& fns) {
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  const int64_t m = real_flat.size(0);
  AssignerPhaseResult r;
  for (int k = 0; k < steps; ++k) {
    const bool last = k + 1 == steps;
    auto t = Clock::now();
    at::Tensor psi_out = psi_net->forward(real_flat).reshape({-1});  // [M], with autograd
    const at::Tensor psi = psi_out.detach();
    r.psi_seconds += since(t);
    at::Tensor counts = at::zeros({m}, real_flat.options().dtype(at::kLong));
    std::vector<at::Tensor> latents, indices;
    at::Tensor cost_sum = at::zeros({}, psi.options());
    for (int64_t done = 0; done < n; done += chunk) {
      torch::NoGradGuard no_grad;
      t = Clock::now();
      at::Tensor z = fns.draw_latents(std::min(chunk, n - done));
      at::Tensor fake = fns.generate(z);
      r.generate_seconds += since(t);
      t = Clock::now();
      ot::SemiDiscreteAssignment s = fns.assign(fake, psi);
      counts += s.counts;
      cost_sum += (s.min_value - psi.index_select(0, s.index)).sum();
      r.assign_seconds += since(t);
      if (last) {
        latents.push_back(z);
        indices.push_back(s.index);
      }
    }
    t = Clock::now();
    at::Tensor loss = train::AssignerLoss(psi_out, counts, n);
    psi_opt.zero_grad();
    loss.backward();
    psi_opt.step();
    r.psi_seconds += since(t);
    if (last) {
      r.latents = at::cat(latents, 0);
      r.indices = at::cat(indices, 0);
      r.counts = counts;
      r.objective = -loss.item<double>();
      r.variance = ot::AssignmentVariance(counts, n);
      r.unassigned = (counts == 0).sum().item<double>() / static_cast<double>(m);
      r.max_share = counts.max().item<double>() / static_cast<double>(n);
      r.transport = cost_sum.item<double>() / static_cast<double>(n);
    }
  }
  return r;
}

int64_t AssignerPointsPerStep(int64_t loop, int64_t loops, int64_t n_first, int64_t n_last,
                              int64_t latent_batch) {
  const int64_t b0 = std::max<int64_t>(1, n_first / latent_batch);
  const double growth = static_cast<double>(n_last - n_first) / static_cast<double>(latent_batch);
  const double t = loops > 0 ? static_cast<double>(loop) / static_cast<double>(loops) : 0.0;
  return (b0 + static_cast<int64_t>(std::floor(growth * t))) * latent_batch;
}

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

// Genevay, Peyre, Cuturi (AISTATS 2018), "Learning Generative Models with
// Sinkhorn Divergences", MNIST with a fixed cost (no critic), as in the
// authors' official MNIST script (audeg/Sinkhorn-GAN, mke_tf.py) [code]:
//
//   cost      squared Euclidean on the 784 pixels in [0, 1]
//   loss      W_eps(G(z), x) = <P_eps, C> after L log-domain Sinkhorn
//             iterations (--debiased: 2 W(X,Y) - W(X,X) - W(Y,Y))
//   gradient  autodiff through the L unrolled iterations
//   generator z ~ U[0,1]^2 -> 500 softplus -> 500 softplus -> 784 sigmoid, Xavier
//   optimiser Adam lr 5e-3, batch 300, 70 epochs
//
// The sample grid is the paper's latent manifold: G on a 15 x 15 grid of z
// over [0,1]^2 (top row z2 = 1). --sinkhorn_eps and --sinkhorn_iters drive the eps/L
// sweep (scripts/sinkhorn_sweep.sh).
//
//   bazel run -c opt //replications:sinkhorn_gan_mnist -- --budget=cpu
//   bazel run -c opt //replications:sinkhorn_gan_mnist -- --budget=smoke --sinkhorn_eps=10 --sinkhorn_iters=10
#include <cstdint>
#include <memory>
#include <string>

#include <ATen/ATen.h>
#include <torch/optim/optimizer.h>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/data/dataset.h"
#include "lib/data/shuffler.h"
#include "lib/io/image_grid.h"
#include "lib/nn/mlp.h"
#include "lib/ot/cost.h"
#include "lib/ot/divergence.h"
#include "lib/ot/sinkhorn.h"
#include "lib/train/optim.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "lib/util/status.h"
#include "replications/common.h"

ABSL_FLAG(int64_t, batch_size, 300,
          "generated and real points per Sinkhorn problem (official script: 300; "
          "third-party replications used 200)");
ABSL_FLAG(double, sinkhorn_eps, 1.0, "entropic regularisation, in units of the squared pixel distance");
ABSL_FLAG(int, sinkhorn_iters, 50, "L: log-domain Sinkhorn iterations, all unrolled for the gradient");
ABSL_FLAG(double, lr, 5e-3, "Adam learning rate (betas 0.9, 0.999)");
ABSL_FLAG(bool, debiased, false,
          "use 2 W(X,Y) - W(X,X) - W(Y,Y) instead of the official script's plain W(X,Y)");
ABSL_FLAG(int64_t, latent, 2, "latent dimension (z ~ U[0,1]^latent)");

namespace otgan::replications {
namespace {

constexpr int64_t kPaperEpochs = 70;  // mke_tf.py: train(..., training_epochs=70)
constexpr int kManifoldSide = 15;     // mke_tf.py: nx = ny = 15

struct SinkhornGanConfig {
  int64_t batch_size;
  ot::SinkhornOptions sinkhorn;
  double lr;
  bool debiased;
  int64_t latent;
};

absl::StatusOr<SinkhornGanConfig> ConfigFromFlags() {
  SinkhornGanConfig c;
  c.batch_size = absl::GetFlag(FLAGS_batch_size);
  if (c.batch_size < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("--batch_size=", c.batch_size, ": expected at least 2"));
  }
  c.sinkhorn.eps = absl::GetFlag(FLAGS_sinkhorn_eps);
  c.sinkhorn.max_iter = absl::GetFlag(FLAGS_sinkhorn_iters);
  c.sinkhorn.tol = 0;  // exactly L iterations, as in the official script
  if (!(c.sinkhorn.eps > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--sinkhorn_eps=", c.sinkhorn.eps, ": expected > 0"));
  }
  if (c.sinkhorn.max_iter < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--sinkhorn_iters=", c.sinkhorn.max_iter, ": expected at least 1"));
  }
  OTGAN_RETURN_IF_ERROR(ot::ValidateSinkhornOptions(c.sinkhorn));
  c.lr = absl::GetFlag(FLAGS_lr);
  if (!(c.lr > 0)) return absl::InvalidArgumentError(absl::StrCat("--lr=", c.lr, ": expected > 0"));
  c.debiased = absl::GetFlag(FLAGS_debiased);
  c.latent = absl::GetFlag(FLAGS_latent);
  if (c.latent < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--latent=", c.latent, ": expected at least 1"));
  }
  return c;
}

// The paper's manifold figure: z on a side x side grid over [0,1]^2, row i
// holding z2 = 1 - i / (side - 1), column j holding z1 = j / (side - 1).
// Other latent sizes get the grid in the first two coordinates and 0.5 elsewhere.
at::Tensor ManifoldLatents(int64_t latent, int side) {
  at::Tensor t = at::linspace(0, 1, side);
  at::Tensor z1 = t.repeat({side});                                // column index
  at::Tensor z2 = (1 - t).repeat_interleave(side);                 // row index
  at::Tensor z = at::full({side * side, latent}, 0.5, at::kFloat);
  z.select(1, 0).copy_(z1);
  if (latent > 1) z.select(1, 1).copy_(z2);
  return z;
}

absl::Status Run(const CommonConfig& common) {
  OTGAN_ASSIGN_OR_RETURN(SinkhornGanConfig cfg, ConfigFromFlags());
  at::manual_seed(StreamSeed(common.seed, Stream::kInit));

  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset mnist, LoadMnistTrain(common));
  const int64_t n_train = mnist.images.size(0);
  const at::Tensor images = mnist.images.reshape({n_train, 784}).to(common.device);

  const int64_t paper_steps = kPaperEpochs * (n_train / cfg.batch_size);
  const int64_t steps = StepsFor(common, /*smoke=*/40, /*cpu=*/paper_steps, /*paper=*/paper_steps);

  OTGAN_RETURN_IF_ERROR(StartRun(
      common, {{"paper", "genevay"},
       {"method", "sinkhorn_gan"},
       {"eval_dataset", "mnist"},
               {"sample_range", "0,1"},
               {"settings_source",
                "code (audeg/Sinkhorn-GAN mke_tf.py: sqeuclidean pixel cost, eps 1, L 50 unrolled, "
                "batch 300, Adam 5e-3, 70 epochs)"},
               {"dataset", mnist.description},
               {"loss", cfg.debiased ? "2W(X,Y)-W(X,X)-W(Y,Y)" : "W(X,Y)=<P_eps,C>"},
               {"gradient", "unrolled (autodiff through every Sinkhorn iteration)"},
               {"generator", "MLP 2-500-500-784, softplus, sigmoid output, Xavier init"},
               {"latent_distribution", "U[0,1]^latent"},
               {"total_steps", absl::StrCat(steps)},
               {"paper_steps", absl::StrCat(paper_steps, " (70 epochs of ", n_train / cfg.batch_size,
                                            " batches)")},
               SeedsFact(common.seed, {Stream::kInit, Stream::kDataOrder,
                                       Stream::kOtEvalSamples, Stream::kEvalCurve}),
               EvalCurveFact(common, steps)}));

  nn::Mlp gen(nn::MlpOptions{.in = cfg.latent,
                             .hidden = {500, 500},
                             .out = 784,
                             .activation = nn::Activation::kSoftplus,
                             .output = nn::Activation::kSigmoid,
                             .xavier_init = true});
  gen->to(common.device);
  train::OptimizerSpec opt_spec = train::GenevayAdam();
  opt_spec.lr = cfg.lr;
  OTGAN_ASSIGN_OR_RETURN(std::unique_ptr<torch::optim::Optimizer> opt,
                         train::MakeOptimizer(opt_spec, gen->parameters()));
  data::EpochShuffler shuffler(n_train, StreamSeed(common.seed, Stream::kDataOrder));

  train::Trainer trainer(TrainerConfigFor(common, steps, /*smoke=*/{5, 20, 0},
                                          /*other=*/{25, 500, 2000}));
  trainer.AddModule("generator", gen.ptr());
  trainer.AddOptimizer("gen_opt", opt.get());
  trainer.AddShuffler("data", &shuffler);

  const at::Tensor manifold_z = ManifoldLatents(cfg.latent, kManifoldSide).to(common.device);
  io::GridOptions grid;
  grid.rows = grid.cols = kManifoldSide;
  trainer.SetSampleFn([&] { return gen->forward(manifold_z).view({-1, 1, 28, 28}); }, grid);
  OTGAN_RETURN_IF_ERROR(AttachEvalCurve(
      common, steps, trainer, EvalCurveTarget{},
      [&](int64_t n, at::Generator& g) { return at::rand({n, cfg.latent}, g, at::kFloat); },
      [&](const at::Tensor& z) { return gen->forward(z).view({-1, 1, 28, 28}); }));

  const at::TensorOptions zopt = at::TensorOptions().dtype(at::kFloat).device(common.device);
  OTGAN_RETURN_IF_ERROR(trainer.Run(
      [&](int64_t) -> absl::StatusOr<train::StepLosses> {
        const at::Tensor real = images.index_select(0, shuffler.NextBatch(cfg.batch_size).to(common.device));
        const at::Tensor fake = train::RunInPrecision(common.precision, [&] {
          return gen->forward(at::rand({cfg.batch_size, cfg.latent}, zopt));
        });
        ot::SinkhornStats stats;
        const at::Tensor loss =
            cfg.debiased
                ? ot::SinkhornDivergence(fake, real, ot::CostKind::kSqEuclidean, cfg.sinkhorn,
                                         ot::GradMode::kUnrolled, &stats)
                : ot::EntropicTransportCost(fake, real, ot::CostKind::kSqEuclidean, cfg.sinkhorn,
                                            ot::GradMode::kUnrolled, &stats);
        opt->zero_grad();
        loss.backward();
        opt->step();
        return train::StepLosses{{"loss", loss.item<double>()},
                                 {"marginal_error", stats.max_marginal_error}};
      },
      {"loss", "marginal_error"}));

  // Evaluation samples: fixed seed, independent of training's random stream.
  return WriteEvalSamplesOf(
      common, [&](int64_t n, at::Generator& g) { return at::rand({n, cfg.latent}, g, at::kFloat); },
      [&](const at::Tensor& z) { return gen->forward(z).view({-1, 1, 28, 28}); });
}

}  // namespace
}  // namespace otgan::replications

int main(int argc, char** argv) {
  return otgan::replications::Main(
      argc, argv, "sinkhorn_gan_mnist",
      "Genevay et al. 2018: Sinkhorn loss with a fixed squared-L2 pixel cost on MNIST "
      "(unrolled gradients). Flags: --sinkhorn_eps --sinkhorn_iters --batch_size --debiased ...",
      otgan::replications::Run);
}

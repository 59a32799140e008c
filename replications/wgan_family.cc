#include "replications/wgan_family.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/data/dataset.h"
#include "lib/dist/data_parallel.h"
#include "lib/io/atomic_file.h"
#include "lib/io/json.h"
#include "lib/io/image_grid.h"
#include "lib/io/npy.h"
#include "lib/train/losses.h"
#include "lib/util/status.h"

namespace otgan::replications {
namespace fs = std::filesystem;

namespace {

train::OptimizerSpec WganGpAdam(SettingsSource betas, double lr) {
  train::OptimizerSpec spec =
      betas == SettingsSource::kCode ? train::WganGpAdamMnistCode() : train::WganGpAdamPaper();
  spec.lr = lr;
  if (spec.lr != 1e-4) absl::StrAppend(&spec.source, ", lr from --lr");
  return spec;
}

}  // namespace

absl::StatusOr<WganGpSettings> WganGpSettingsFrom(SettingsSource betas, double lr,
                                                  int64_t batch_size, double lambda, int n_critic) {
  WganGpSettings s;
  s.betas = betas;
  s.optimizer = WganGpAdam(betas, lr);
  s.loss.batch_size = batch_size;
  s.loss.penalty = WganPenalty::kGradientPenalty;
  s.loss.lambda = lambda;
  s.loss.schedule = train::WganGpSchedule();
  s.loss.schedule.n_critic = n_critic;
  OTGAN_RETURN_IF_ERROR(CheckPositive("lr", s.optimizer.lr));
  OTGAN_RETURN_IF_ERROR(CheckPositive("batch_size", s.loss.batch_size));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("lambda", s.loss.lambda));
  OTGAN_RETURN_IF_ERROR(CheckPositive("n_critic", s.loss.schedule.n_critic));
  return s;
}

namespace {

// Averages module's gradients over the ranks (a no-op alone or without dist).
absl::Status SyncGradients(const dist::DistContext* dist, torch::nn::Module& module) {
  if (dist == nullptr || dist->world_size() == 1) return absl::OkStatus();
  return dist::AllReduceGradients(*dist, module.parameters());
}

}  // namespace

absl::StatusOr<WganCriticValues> WganCriticStep(const WganLoss& loss, const WganParts& parts) {
  const at::Tensor real = parts.real_batch();
  at::Tensor fake;
  {
    torch::NoGradGuard no_grad;
    fake = parts.generate(parts.latents());
  }
  at::Tensor w_loss;
  if (parts.separate_critic_passes) {
    w_loss = train::WganCriticLoss(parts.critic(real), parts.critic(fake));
  } else {
    const int64_t n = real.size(0);
    const at::Tensor d = parts.critic(at::cat({real, fake}, 0)).reshape({-1});
    w_loss = train::WganCriticLoss(d.narrow(0, 0, n), d.narrow(0, n, fake.size(0)));
  }
  at::Tensor total = w_loss;
  at::Tensor penalty;
  if (loss.penalty == WganPenalty::kGradientPenalty) {
    penalty = train::GradientPenalty(parts.critic, real, fake, loss.lambda);
    total = w_loss + penalty;
  }
  parts.critic_opt->zero_grad();
  total.backward();
  OTGAN_RETURN_IF_ERROR(SyncGradients(parts.dist, *parts.critic_module));
  parts.critic_opt->step();
  if (loss.after_critic_step == AfterCriticStep::kClip) {
    train::ClipWeights(*parts.critic_module, loss.clip);
  }
  WganCriticValues v;
  v.w_loss = w_loss.item<double>();
  if (penalty.defined()) v.penalty = penalty.item<double>();
  return v;
}

absl::StatusOr<double> WganGeneratorStep(const WganParts& parts) {
  SetRequiresGrad(*parts.critic_module, false);
  const at::Tensor g_loss = train::WganGeneratorLoss(parts.critic(parts.generate(parts.latents())));
  parts.gen_opt->zero_grad();
  g_loss.backward();
  OTGAN_RETURN_IF_ERROR(SyncGradients(parts.dist, *parts.gen_module));
  parts.gen_opt->step();
  SetRequiresGrad(*parts.critic_module, true);
  return g_loss.item<double>();
}

absl::Status RunWganTraining(train::Trainer& trainer, const WganLoss& loss,
                             const WganParts& parts) {
  const bool gp = loss.penalty == WganPenalty::kGradientPenalty;
  const bool bursts = loss.schedule.burst_first_iters > 0 || loss.schedule.burst_every > 0;
  const bool distributed = parts.dist != nullptr && parts.dist->world_size() > 1;
  std::vector<std::string> columns = {"critic_loss", "wasserstein_estimate"};
  if (gp) columns.push_back("gradient_penalty");
  columns.push_back("gen_loss");
  if (bursts) columns.push_back("critic_steps");
  auto step = [&](int64_t it) -> absl::StatusOr<train::StepLosses> {
    const int k = train::CriticSteps(it, loss.schedule);
    WganCriticValues last;
    for (int j = 0; j < k; ++j) {
      OTGAN_ASSIGN_OR_RETURN(last, WganCriticStep(loss, parts));
    }
    OTGAN_ASSIGN_OR_RETURN(double g_loss, WganGeneratorStep(parts));
    if (distributed) {  // the global batch's losses: the mean of the ranks' means
      at::Tensor v = at::tensor({last.w_loss, last.penalty, g_loss}, at::kDouble);
      OTGAN_RETURN_IF_ERROR(parts.dist->AllReduce(v, dist::ReduceOp::kAverage));
      last.w_loss = v[0].item<double>();
      last.penalty = v[1].item<double>();
      g_loss = v[2].item<double>();
    }
    train::StepLosses losses{{"critic_loss", last.w_loss + last.penalty},
                             {"wasserstein_estimate", -last.w_loss}};
    if (gp) losses.emplace("gradient_penalty", last.penalty);
    losses.emplace("gen_loss", g_loss);
    if (bursts) losses.emplace("critic_steps", static_cast<double>(k));
    return losses;
  };
  return trainer.Run(step, columns);
}

void SetRequiresGrad(torch::nn::Module& module, bool on) {
  for (at::Tensor& p : module.parameters(/*recurse=*/true)) p.requires_grad_(on);
}

absl::StatusOr<std::unique_ptr<MnistWgan>> MnistWgan::Make(const CommonConfig& config,
                                                           int64_t dim, int64_t latent,
                                                           const train::OptimizerSpec& spec,
                                                           const MnistNetOptions& net) {
  auto m = std::make_unique<MnistWgan>();
  m->device = config.device;
  m->seed = config.seed;
  m->precision = config.precision;
  m->latent = latent;
  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset mnist, LoadMnistTrain(config));
  m->images = mnist.images;

  at::manual_seed(StreamSeed(config.seed, Stream::kInit));
  m->gen = nn::WganGpGenerator(dim, latent, net.batch_norm);
  m->critic = nn::WganGpCritic(dim, net.batch_norm);
  if (net.init == NetInit::kTflib) {
    m->gen->InitTflib();
    m->critic->InitTflib();
  }
  m->gen->to(config.device);
  m->critic->to(config.device);
  OTGAN_ASSIGN_OR_RETURN(m->gen_opt, train::MakeOptimizer(spec, m->gen->parameters()));
  OTGAN_ASSIGN_OR_RETURN(m->critic_opt, train::MakeOptimizer(spec, m->critic->parameters()));
  m->shuffler = std::make_unique<data::EpochShuffler>(
      m->images.size(0), StreamSeed(config.seed, Stream::kDataOrder));
  return m;
}

void MnistWgan::Register(train::Trainer& trainer, bool sample_grid) {
  trainer.AddModule("generator", gen.ptr());
  trainer.AddModule("critic", critic.ptr());
  trainer.AddOptimizer("gen_opt", gen_opt.get());
  trainer.AddOptimizer("critic_opt", critic_opt.get());
  trainer.AddShuffler("data", shuffler.get());
  at::Generator fixed_gen = StreamGenerator(seed, Stream::kSampleGrid);
  fixed_z = GaussianLatents(64, latent, device, fixed_gen);
  if (sample_grid) trainer.SetSampleFn([this] { return gen->forward(fixed_z); }, io::GridOptions{});
}

WganParts MnistWgan::Parts(int64_t batch_size, const dist::DistContext* dist) {
  WganParts p;
  p.generate = train::InPrecision(precision, Generate());
  p.gen_module = gen.get();
  p.critic =
      train::InPrecision(precision, [this](const at::Tensor& x) { return critic->forward(x); });
  p.critic_module = critic.get();
  p.separate_critic_passes = critic->batch_norm();
  p.gen_opt = gen_opt.get();
  p.critic_opt = critic_opt.get();
  p.real_batch = [this, batch_size] {
    return images.index_select(0, shuffler->NextBatch(batch_size)).to(device);
  };
  p.latents = [this, batch_size] { return GaussianLatents(batch_size, latent, device); };
  p.dist = dist;
  return p;
}

absl::Status MnistWgan::Train(const CommonConfig& config, const train::TrainerConfig& tc,
                              const WganLoss& loss, const dist::DistContext* dist) {
  train::Trainer trainer(tc);
  Register(trainer, /*sample_grid=*/config.is_root());
  if (config.is_root()) {
    OTGAN_RETURN_IF_ERROR(
        AttachEvalCurve(config, tc.total_steps, trainer, EvalCurveTarget{}, latent, Generate()));
  }
  OTGAN_RETURN_IF_ERROR(RunWganTraining(trainer, loss, Parts(loss.batch_size, dist)));
  if (!config.is_root()) return absl::OkStatus();  // rank 0 writes the samples and scores
  return WriteEvalSamples(config, latent, Generate());
}

GenerateFn MnistWgan::Generate() {
  return [this](const at::Tensor& z) { return gen->forward(z); };
}

at::Tensor GridPoints(const SurfaceGrid& grid) {
  at::Tensor xs = at::linspace(-grid.range, grid.range, grid.size, at::kFloat);
  std::vector<at::Tensor> mesh = at::meshgrid({xs, xs}, "ij");  // mesh[0][i][j] = xs[i]
  // Point (i, j) = (x = xs[j], y = xs[i]).
  return at::stack({mesh[1].reshape({-1}), mesh[0].reshape({-1})}, 1).contiguous();
}

at::Tensor CriticSurface(const std::function<at::Tensor(const at::Tensor&)>& critic,
                         const SurfaceGrid& grid, const c10::Device& device) {
  torch::NoGradGuard no_grad;
  at::Tensor points = GridPoints(grid);
  std::vector<at::Tensor> values;
  const int64_t chunk = 4096;
  for (int64_t start = 0; start < points.size(0); start += chunk) {
    at::Tensor p = points.narrow(0, start, std::min(chunk, points.size(0) - start)).to(device);
    values.push_back(critic(p).reshape({-1}).to(at::kCPU, at::kFloat));
  }
  return at::cat(values, 0).reshape({grid.size, grid.size}).contiguous();
}

absl::Status WriteCriticSurface(const std::string& run_dir, const at::Tensor& surface,
                                const SurfaceGrid& grid) {
  const fs::path dir(run_dir);
  OTGAN_RETURN_IF_ERROR(io::WriteNpy((dir / "critic_surface.npy").string(), surface));
  const io::Json json = {
      {"file", "critic_surface.npy"},
      {"size", grid.size},
      {"range", grid.range},
      {"extent", {-grid.range, grid.range, -grid.range, grid.range}},
      {"layout",
       "surface[i][j] = critic(x = xs[j], y = xs[i]), xs = linspace(-range, range, size); row i "
       "is one y value, y increasing with i"},
      {"min", surface.min().item<double>()},
      {"max", surface.max().item<double>()}};
  return io::WriteJsonFile((dir / "critic_surface.json").string(), json);
}

at::Tensor RenderToyFrame(const at::Tensor& surface, const SurfaceGrid& grid,
                          const at::Tensor& real, const at::Tensor& generated, int scale) {
  torch::NoGradGuard no_grad;
  const int64_t g = grid.size;
  const int64_t side = g * scale;
  // Image row 0 is the top (y = +range): flip the surface's rows, then upscale.
  at::Tensor s = surface.to(at::kCPU, at::kFloat).flip({0});
  s = s.repeat_interleave(scale, 0).repeat_interleave(scale, 1);  // [side, side]
  const double lo = s.min().item<double>();
  const double hi = s.max().item<double>();
  at::Tensor t = hi > lo ? (s - lo) / (hi - lo) : at::zeros_like(s);
  // Blue (0.62, 0.76, 0.95) for low values to pale yellow (1.0, 0.96, 0.70) for high.
  std::vector<at::Tensor> rgb = {0.62 + 0.38 * t, 0.76 + 0.20 * t, 0.95 - 0.25 * t};
  at::Tensor img = at::stack(rgb, 0);  // [3, side, side]
  // Contour lines where the quantised level changes to the right or below.
  at::Tensor level = at::floor(t * 12).clamp_max(11);
  at::Tensor edge = at::zeros({side, side}, at::kBool);
  edge.narrow(1, 0, side - 1).logical_or_(level.narrow(1, 0, side - 1) != level.narrow(1, 1, side - 1));
  edge.narrow(0, 0, side - 1).logical_or_(level.narrow(0, 0, side - 1) != level.narrow(0, 1, side - 1));
  img = at::where(edge.unsqueeze(0), img * 0.8, img);

  auto acc = img.accessor<float, 3>();
  auto draw = [&](const at::Tensor& pts, float r, float gr, float b, int radius) {
    if (!pts.defined() || pts.numel() == 0) return;
    at::Tensor p = pts.detach().to(at::kCPU, at::kFloat).reshape({-1, 2}).contiguous();
    auto pa = p.accessor<float, 2>();
    for (int64_t k = 0; k < p.size(0); ++k) {
      const double col = (pa[k][0] + grid.range) / (2 * grid.range) * (side - 1);
      const double row = (grid.range - pa[k][1]) / (2 * grid.range) * (side - 1);
      if (!(col >= 0 && col <= side - 1 && row >= 0 && row <= side - 1)) continue;
      const int64_t c0 = std::llround(col), r0 = std::llround(row);
      for (int64_t dr = -radius; dr <= radius; ++dr) {
        for (int64_t dc = -radius; dc <= radius; ++dc) {
          const int64_t rr = r0 + dr, cc = c0 + dc;
          if (rr < 0 || rr >= side || cc < 0 || cc >= side) continue;
          acc[0][rr][cc] = r;
          acc[1][rr][cc] = gr;
          acc[2][rr][cc] = b;
        }
      }
    }
  };
  draw(real, 1.0f, 0.55f, 0.0f, 1);
  draw(generated, 0.0f, 0.50f, 0.0f, 1);
  return img.unsqueeze(0);
}

}  // namespace otgan::replications

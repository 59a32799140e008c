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
#include "lib/io/image_grid.h"
#include "lib/io/npy.h"
#include "lib/train/losses.h"
#include "lib/util/status.h"

namespace otgan::replications {
namespace fs = std::filesystem;

absl::StatusOr<train::TrainerConfig> WganTrainerConfig(const CommonConfig& config,
                                                       int64_t total_steps,
                                                       const TrainerIntervals& flags,
                                                       int64_t sample_smoke, int64_t sample_other,
                                                       int64_t checkpoint_other) {
  train::TrainerConfig tc = TrainerConfigFor(
      config, total_steps, /*smoke=*/{flags.log_every, sample_smoke, 0},
      /*other=*/{flags.log_every, sample_other, checkpoint_other}, flags);
  OTGAN_RETURN_IF_ERROR(CheckPositive("log_every", tc.log_every));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("sample_every", tc.sample_every));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("checkpoint_every", tc.checkpoint_every));
  return tc;
}

absl::StatusOr<train::OptimizerSpec> WganGpAdam(const std::string& betas, double lr) {
  train::OptimizerSpec spec;
  if (betas == "code") {
    spec = train::WganGpAdamMnistCode();
  } else if (betas == "paper") {
    spec = train::WganGpAdamPaper();
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--betas=", betas, ": expected code (0.5, 0.9) or paper (0, 0.9)"));
  }
  spec.lr = lr;
  if (spec.lr != 1e-4) absl::StrAppend(&spec.source, ", lr from --lr");
  return spec;
}

absl::StatusOr<bool> ParseTflibInit(const std::string& init) {
  if (init == "tflib") return true;
  if (init == "torch") return false;
  return absl::InvalidArgumentError(absl::StrCat(
      "--init=", init, ": expected tflib (the authors' code) or torch (LibTorch defaults)"));
}

absl::StatusOr<WganGpLoss> WganGpLossFrom(const std::string& betas, double lr, int64_t batch,
                                          double lambda, int n_critic) {
  WganGpLoss l;
  l.betas_name = betas;
  OTGAN_ASSIGN_OR_RETURN(l.optimizer, WganGpAdam(l.betas_name, lr));
  l.batch = batch;
  l.lambda = lambda;
  l.schedule = train::WganGpSchedule();
  l.schedule.n_critic = n_critic;
  OTGAN_RETURN_IF_ERROR(CheckPositive("lr", l.optimizer.lr));
  OTGAN_RETURN_IF_ERROR(CheckPositive("batch", l.batch));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("lambda", l.lambda));
  OTGAN_RETURN_IF_ERROR(CheckPositive("n_critic", l.schedule.n_critic));
  return l;
}

absl::StatusOr<std::unique_ptr<MnistWgan>> MnistWgan::Make(const CommonConfig& config,
                                                           int64_t dim, int64_t latent,
                                                           const train::OptimizerSpec& spec,
                                                           const MnistNetOptions& net) {
  auto m = std::make_unique<MnistWgan>();
  m->device = config.device;
  m->seed = config.seed;
  m->latent = latent;
  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset mnist, LoadMnistTrain(config));
  m->images = mnist.images;

  at::manual_seed(config.seed);
  m->gen = nn::WganGpGenerator(dim, latent, net.batch_norm);
  m->critic = nn::WganGpCritic(dim, net.batch_norm);
  if (net.tflib_init) {
    m->gen->InitTflib();
    m->critic->InitTflib();
  }
  m->gen->to(config.device);
  m->critic->to(config.device);
  OTGAN_ASSIGN_OR_RETURN(m->gen_opt, train::MakeOptimizer(spec, m->gen->parameters()));
  OTGAN_ASSIGN_OR_RETURN(m->critic_opt, train::MakeOptimizer(spec, m->critic->parameters()));
  m->shuffler = std::make_unique<data::EpochShuffler>(m->images.size(0), config.seed);
  return m;
}

void MnistWgan::Register(train::Trainer& trainer, bool sample_grid) {
  trainer.AddModule("generator", gen.ptr());
  trainer.AddModule("critic", critic.ptr());
  trainer.AddOptimizer("gen_opt", gen_opt.get());
  trainer.AddOptimizer("critic_opt", critic_opt.get());
  trainer.AddShuffler("data", shuffler.get());
  at::Generator fixed_gen = at::make_generator<at::CPUGeneratorImpl>(seed + 17);
  fixed_z = GaussianLatents(64, latent, device, fixed_gen);
  if (sample_grid) trainer.SetSampleFn([this] { return gen->forward(fixed_z); }, io::GridOptions{});
}

absl::Status MnistWgan::SyncGradients(torch::nn::Module& module) const {
  if (dist == nullptr || dist->world_size() == 1) return absl::OkStatus();
  return dist::AllReduceGradients(*dist, module.parameters());
}

at::Tensor MnistWgan::RealBatch(int64_t batch) {
  return images.index_select(0, shuffler->NextBatch(batch)).to(device);
}

at::Tensor MnistWgan::FakeBatch(int64_t batch) {
  torch::NoGradGuard no_grad;
  return gen->forward(GaussianLatents(batch, latent, device));
}

at::Tensor MnistWgan::CriticLoss(const at::Tensor& real, const at::Tensor& fake) {
  if (critic->batch_norm()) {
    return train::WganCriticLoss(critic->forward(real), critic->forward(fake));
  }
  const int64_t batch = real.size(0);
  at::Tensor d = critic->forward(at::cat({real, fake}, 0));
  return train::WganCriticLoss(d.narrow(0, 0, batch), d.narrow(0, batch, fake.size(0)));
}

double MnistWgan::ClippedCriticStep(int64_t batch, double clip) {
  at::Tensor real = RealBatch(batch);
  at::Tensor fake = FakeBatch(batch);
  at::Tensor loss = CriticLoss(real, fake);
  critic_opt->zero_grad();
  loss.backward();
  critic_opt->step();
  train::ClipWeights(*critic, clip);
  return loss.item<double>();
}

double MnistWgan::GeneratorUpdate(int64_t batch) {
  return WganGeneratorUpdate(Generate(), *critic, Critic(), *gen_opt, batch, latent, device,
                             [this] { return SyncGradients(*gen); });
}

GenerateFn MnistWgan::Generate() {
  return [this](const at::Tensor& z) { return gen->forward(z); };
}

train::CriticFn MnistWgan::Critic() {
  return [this](const at::Tensor& x) { return critic->forward(x); };
}

void SetRequiresGrad(torch::nn::Module& module, bool on) {
  for (at::Tensor& p : module.parameters(/*recurse=*/true)) p.requires_grad_(on);
}

double WganGeneratorUpdate(const GenerateFn& generate, torch::nn::Module& critic_module,
                           const std::function<at::Tensor(const at::Tensor&)>& critic,
                           torch::optim::Optimizer& gen_opt, int64_t batch, int64_t latent,
                           const c10::Device& device,
                           const std::function<absl::Status()>& before_step) {
  SetRequiresGrad(critic_module, false);
  at::Tensor g_loss =
      train::WganGeneratorLoss(critic(generate(GaussianLatents(batch, latent, device))));
  gen_opt.zero_grad();
  g_loss.backward();
  if (before_step) {
    const absl::Status st = before_step();
    TORCH_CHECK(st.ok(), "generator update: ", std::string(st.message()));
  }
  gen_opt.step();
  SetRequiresGrad(critic_module, true);
  return g_loss.item<double>();
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
  const std::string json = absl::StrFormat(
      "{\n  \"file\": \"critic_surface.npy\",\n  \"size\": %d,\n  \"range\": %.9g,\n"
      "  \"extent\": [%.9g, %.9g, %.9g, %.9g],\n"
      "  \"layout\": \"surface[i][j] = critic(x = xs[j], y = xs[i]), xs = linspace(-range, range, "
      "size); row i is one y value, y increasing with i\",\n"
      "  \"min\": %.9g,\n  \"max\": %.9g\n}\n",
      grid.size, grid.range, -grid.range, grid.range, -grid.range, grid.range,
      surface.min().item<double>(), surface.max().item<double>());
  return io::WriteFileAtomically((dir / "critic_surface.json").string(), json);
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

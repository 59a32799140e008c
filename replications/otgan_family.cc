#include "replications/otgan_family.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>
#include <utility>

#include <ATen/core/grad_mode.h>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lib/io/image_grid.h"
#include "lib/eval/run_eval.h"
#include "lib/dist/data_parallel.h"
#include "lib/dist/otgan_loss.h"
#include "lib/ot/cost.h"
#include "lib/ot/divergence.h"
#include "lib/train/optim.h"
#include "lib/util/status.h"
#include "replications/common.h"

ABSL_FLAG(int64_t, batch_size, 64,
          "points in each of the four batches X, X', Y, Y' (otgan_mnist: 64, a CPU choice; "
          "paper: 8000 on 8 GPUs, batch 200 was unstable on CIFAR-10; code: 2 x 2500; "
          "otgan_mog's official preset: 256)");
ABSL_FLAG(double, sinkhorn_eps, 1.0 / 500,
          "entropic regularisation eps = 1 / lambda in the units of the cost (otgan_mnist: "
          "1/500 on the cosine cost [paper, code]; otgan_mog official: 1/50)");
ABSL_FLAG(int, sinkhorn_iters, 500,
          "log-domain Sinkhorn iterations per transport problem (otgan_mnist: 500 [paper, "
          "code]; otgan_mog official: 10)");
ABSL_FLAG(double, sinkhorn_tol, 0,
          "stop a Sinkhorn solve early below this L1 marginal error; 0 = always run "
          "--sinkhorn_iters (the official code)");
ABSL_FLAG(int, gen_steps_per_critic, 3,
          "generator updates per critic update (paper 3, code 5); otgan_mog's official "
          "preset instead updates both 1:1 for --critic_iters iterations, then G only");
ABSL_FLAG(double, lr, 3e-4,
          "Adam learning rate (betas 0.5, 0.999) of both nets unless --critic_lr is given "
          "(otgan_mnist: 3e-4 [paper, code]; otgan_mog official: G 1e-4, critic 2e-5)");
ABSL_FLAG(double, critic_lr, 0, "critic's Adam learning rate; 0 = the preset's (or --lr when given)");

namespace otgan::replications {

absl::StatusOr<OtganLossConfig> OtganLossConfigFromFlags(const OtganLossConfig& preset) {
  OtganLossConfig c = preset;
  if (!FlagAtDefault("batch_size")) c.batch_size = absl::GetFlag(FLAGS_batch_size);
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("batch_size", c.batch_size, 2));
  if (!FlagAtDefault("sinkhorn_eps")) c.sinkhorn.eps = absl::GetFlag(FLAGS_sinkhorn_eps);
  if (!FlagAtDefault("sinkhorn_iters")) c.sinkhorn.max_iter = absl::GetFlag(FLAGS_sinkhorn_iters);
  if (!FlagAtDefault("sinkhorn_tol")) c.sinkhorn.tol = absl::GetFlag(FLAGS_sinkhorn_tol);
  if (!(c.sinkhorn.eps > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--sinkhorn_eps=", c.sinkhorn.eps, ": expected > 0"));
  }
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("sinkhorn_iters", c.sinkhorn.max_iter, 1));
  if (!(c.sinkhorn.tol >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--sinkhorn_tol=", c.sinkhorn.tol, ": expected >= 0"));
  }
  OTGAN_RETURN_IF_ERROR(ot::ValidateSinkhornOptions(c.sinkhorn));
  if (!FlagAtDefault("gen_steps_per_critic")) {
    const int k = absl::GetFlag(FLAGS_gen_steps_per_critic);
    OTGAN_RETURN_IF_ERROR(FlagAtLeast("gen_steps_per_critic", k, 1));
    c.schedule = train::CriticSchedule{};
    c.schedule.n_critic = 1;
    c.schedule.gen_steps_per_critic = k;
  }
  OTGAN_RETURN_IF_ERROR(train::ValidateSchedule(c.schedule));
  if (!FlagAtDefault("lr")) c.gen_lr = c.critic_lr = absl::GetFlag(FLAGS_lr);
  if (!FlagAtDefault("critic_lr")) c.critic_lr = absl::GetFlag(FLAGS_critic_lr);
  if (!(c.gen_lr > 0)) return absl::InvalidArgumentError(absl::StrCat("--lr=", c.gen_lr, ": expected > 0"));
  if (!(c.critic_lr > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--critic_lr=", c.critic_lr, ": expected > 0"));
  }
  return c;
}

absl::StatusOr<OtganOptimizers> AddOtganNets(train::Trainer& trainer, const OtganLossConfig& loss,
                                             std::shared_ptr<torch::nn::Module> gen,
                                             std::shared_ptr<torch::nn::Module> critic) {
  train::OptimizerSpec gen_spec = train::OtGanAdam();
  gen_spec.lr = loss.gen_lr;
  train::OptimizerSpec critic_spec = train::OtGanAdam();
  critic_spec.lr = loss.critic_lr;
  OtganOptimizers opt;
  OTGAN_ASSIGN_OR_RETURN(opt.gen, train::MakeOptimizer(gen_spec, gen->parameters()));
  OTGAN_ASSIGN_OR_RETURN(opt.critic, train::MakeOptimizer(critic_spec, critic->parameters()));
  trainer.AddModule("generator", std::move(gen));
  trainer.AddModule("critic", std::move(critic));
  trainer.AddOptimizer("gen_opt", opt.gen.get());
  trainer.AddOptimizer("critic_opt", opt.critic.get());
  return opt;
}

absl::Status RunOtganTraining(train::Trainer& trainer, const OtganLossConfig& loss,
                              const OtganParts& parts) {
  // Shared with the checkpoint getter/setter, which the trainer keeps.
  auto critic_l = std::make_shared<double>(0);
  trainer.AddTensorState(
      "critic_l", [critic_l] { return at::tensor({*critic_l}, at::kDouble); },
      [critic_l](const at::Tensor& t) -> absl::Status {
        if (t.numel() != 1) return absl::DataLossError("checkpoint entry critic_l: expected 1 value");
        *critic_l = t.item<double>();
        return absl::OkStatus();
      });

  const bool distributed = parts.dist != nullptr && parts.dist->world_size() > 1;
  std::vector<at::Tensor> gen_params, critic_params;
  for (const auto& group : parts.gen_opt->param_groups()) {
    for (const at::Tensor& p : group.params()) gen_params.push_back(p);
  }
  for (const auto& group : parts.critic_opt->param_groups()) {
    for (const at::Tensor& p : group.params()) critic_params.push_back(p);
  }
  // Averages the ranks' gradients before an optimiser step (a no-op alone).
  auto sync_grads = [&](const std::vector<at::Tensor>& params) -> absl::Status {
    if (!distributed) return absl::OkStatus();
    return dist::AllReduceGradients(*parts.dist, params);
  };
  const auto& generate = parts.generate;
  const auto& embed = parts.embed;
  const auto& real_batch = parts.real_batch;
  const auto& latents = parts.latents;
  // L on embeddings of two real and two generated batches.
  // Distributed: on the gathered embeddings of the global batch.
  auto energy = [&](const at::Tensor& x, const at::Tensor& x2, const at::Tensor& y,
                    const at::Tensor& y2, ot::SinkhornStats* stats) -> absl::StatusOr<at::Tensor> {
    if (distributed) {
      return dist::GlobalMinibatchEnergyDistance(*parts.dist, embed(x), embed(x2), embed(y),
                                                 embed(y2), loss.cost, loss.sinkhorn,
                                                 ot::GradMode::kEnvelope,
                                                 dist::GatherGrad::kSumOverRanks, stats);
    }
    return ot::MinibatchEnergyDistance(embed(x), embed(x2), embed(y), embed(y2),
                                       loss.cost, loss.sinkhorn,
                                       ot::GradMode::kEnvelope, stats);
  };
  return trainer.Run(
      [&](int64_t it) -> absl::StatusOr<train::StepLosses> {
        ot::SinkhornStats stats;
        for (int k = 0; k < train::CriticSteps(it, loss.schedule); ++k) {
          at::Tensor y, y2;
          {
            at::NoGradGuard no_grad;
            y = generate(latents());
            y2 = generate(latents());
          }
          const at::Tensor x = real_batch(), x2 = real_batch();
          OTGAN_ASSIGN_OR_RETURN(const at::Tensor l, energy(x, x2, y, y2, &stats));
          parts.critic_opt->zero_grad();
          (-l).backward();  // the critic maximises L
          OTGAN_RETURN_IF_ERROR(sync_grads(critic_params));
          parts.critic_opt->step();
          *critic_l = l.item<double>();
        }
        const at::Tensor x = real_batch(), x2 = real_batch();
        // The generator's gradient needs no critic weight gradients: freeze
        // the critic's parameters for this update (same values, less work).
        for (at::Tensor& p : critic_params) p.requires_grad_(false);
        absl::StatusOr<at::Tensor> l_or;
        {
          const at::Tensor y = generate(latents()), y2 = generate(latents());
          l_or = energy(x, x2, y, y2, &stats);
        }
        for (at::Tensor& p : critic_params) p.requires_grad_(true);
        OTGAN_RETURN_IF_ERROR(l_or.status());
        const at::Tensor l = *l_or;
        parts.gen_opt->zero_grad();
        l.backward();  // the generator minimises L
        OTGAN_RETURN_IF_ERROR(sync_grads(gen_params));
        parts.gen_opt->step();
        if (parts.after_gen_step) parts.after_gen_step(it);
        return train::StepLosses{{"gen_L", l.item<double>()},
                                 {"critic_L", *critic_l},
                                 {"sinkhorn_iters", static_cast<double>(stats.max_iterations)},
                                 {"marginal_error", stats.max_marginal_error}};
      },
      {"gen_L", "critic_L", "sinkhorn_iters", "marginal_error"});
}

absl::Status WriteRawGeneratorRun(const CommonConfig& config, const at::Tensor& grid_z,
                                  const LatentDrawFn& draw, const GenerateFn& generate) {
  namespace fs = std::filesystem;
  const fs::path run_dir(config.run_dir);
  const fs::path raw_dir = run_dir / "raw";
  std::error_code ec;
  fs::create_directories(raw_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", raw_dir.string(), ": ", ec.message()));
  at::Tensor grid;
  {
    at::NoGradGuard no_grad;
    grid = generate(grid_z).cpu();
  }
  OTGAN_RETURN_IF_ERROR(
      io::WriteImageGrid((raw_dir / "samples_final.png").string(), grid, io::GridOptions{}));
  OTGAN_RETURN_IF_ERROR(WriteEvalSamplesOf(config, draw, generate, /*chunk=*/500));
  fs::rename(run_dir / "samples_eval.npy", raw_dir / "samples_eval.npy", ec);
  if (!ec) fs::copy_file(run_dir / "manifest.json", raw_dir / "manifest.json",
                         fs::copy_options::overwrite_existing, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot write ", raw_dir.string(), ": ", ec.message()));
  if (config.budget == train::Budget::kSmoke) return absl::OkStatus();
  eval::RunEvalOptions eval_options;
  eval_options.data_dir = config.data_dir;
  eval_options.seed = config.seed;
  OTGAN_ASSIGN_OR_RETURN(auto raw_eval, eval::EvaluateRunDir(raw_dir.string(), eval_options));
  std::fprintf(stderr, "%s: raw generator eval: %s\n", config.target.c_str(),
               eval::EvalSummary(raw_eval).c_str());
  return absl::OkStatus();
}

}  // namespace otgan::replications

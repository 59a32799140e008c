#include "replications/assigner_family.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>
#include <vector>

#include <torch/csrc/autograd/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/ot/cost.h"
#include "lib/util/status.h"
#include "replications/seeds.h"

namespace otgan::replications {
namespace {

// n distinct rows of [0, C) (a permutation's first n; repeated when n > C).
at::Tensor PickCentres(int64_t centres, int64_t n, c10::optional<at::Generator> gen) {
  at::Tensor pick = at::randperm(centres, gen, at::TensorOptions().dtype(at::kLong))
                        .narrow(0, 0, std::min(n, centres));
  if (n > centres) pick = pick.repeat({(n + centres - 1) / centres}).narrow(0, 0, n);
  return pick;
}

}  // namespace

at::Tensor CentreLatents::Draw(int64_t n, c10::optional<at::Generator> gen) const {
  const at::Tensor pick = PickCentres(centres.size(0), n, gen).to(centres.device());
  const at::Tensor noise =
      at::randn({n, centres.size(1)}, gen, at::TensorOptions().dtype(at::kFloat));
  return centres.index_select(0, pick) + sigma * noise.to(centres.device());
}

at::Tensor CentreLatents::WithNoise(const at::Tensor& noise, at::Generator& pick_gen) const {
  const at::Tensor pick = PickCentres(centres.size(0), noise.size(0), pick_gen);
  return centres.index_select(0, pick.to(centres.device())) + sigma * noise.to(centres.device());
}

at::Tensor CentreLatents::First(int64_t n, at::Generator& gen) const {
  const at::Tensor noise =
      at::randn({n, centres.size(1)}, gen, at::TensorOptions().dtype(at::kFloat));
  return centres.narrow(0, 0, n) + sigma * noise.to(centres.device());
}

AssignerCosts MakeAssignerCosts(AssignerCost cost, double scale, double sq_unit,
                                const at::Tensor& real, const at::Tensor& real_flat) {
  AssignerCosts c;
  const bool unit = sq_unit != 1.0;
  if (cost == AssignerCost::kSquare) {
    c.assign = [&real_flat, scale, sq_unit](const at::Tensor& fake, const at::Tensor& psi) {
      return ot::AssignSemiDiscrete(fake.reshape({fake.size(0), -1}), real_flat, psi,
                                    ot::CostKind::kSqEuclidean, scale / sq_unit);
    };
    c.pair_cost = [sq_unit](const at::Tensor& x, const at::Tensor& y) {
      return train::SquaredEuclideanPairCost(x, y) / sq_unit;
    };
    c.assign_desc = absl::StrFormat("%g |x-y|^2%s", scale, unit ? " / D^2" : " (pixels in [-1,1])");
    c.gen_desc = absl::StrCat("|x-y|^2", unit ? " / D^2" : " (pixels in [-1,1])");
    return c;
  }
  c.assign = [&real, scale](const at::Tensor& fake, const at::Tensor& psi) {
    return ot::AssignSemiDiscrete(fake, real, psi, [scale](const at::Tensor& xc, const at::Tensor& y) {
      return ot::PsnrCost(xc, y, /*data_range=*/2.0) * scale;
    });
  };
  c.pair_cost = [](const at::Tensor& x, const at::Tensor& y) {
    return ot::LaschosSsimPaired(x, y);  // 1 - SSIM(x+1, y+1; max_val 2, filter_size 4)
  };
  c.assign_desc = absl::StrFormat(
      "%g * -PSNR(x, y; range 2) [code: 1 - PSNR(x+1, y+1, 2), Assignment_model.py:119-123; "
      "same argmin]",
      scale);
  c.gen_desc =
      "1 - SSIM(x+1, y+1; max_val 2, 4x4 Gaussian window sigma 1.5, k1 0.01, k2 0.03, VALID) = "
      "tf.image.ssim as in Assignment_model.py:160";
  return c;
}

ReplayResult ReplayAssignedPairs(const std::function<at::Tensor(const at::Tensor&)>& generate,
                                 torch::optim::Optimizer& gen_opt, const at::Tensor& real,
                                 const AssignerPhaseResult& phase, int64_t batch_size, int epochs,
                                 const train::PairCostFn& pair_cost) {
  const int64_t n = phase.latents.size(0);
  double loss_sum = 0;
  ReplayResult r;
  for (int e = 0; e < epochs; ++e) {
    for (int64_t s = 0; s + batch_size <= n; s += batch_size) {
      at::Tensor g = generate(phase.latents.narrow(0, s, batch_size));
      at::Tensor y = real.index_select(0, phase.indices.narrow(0, s, batch_size));
      at::Tensor loss = train::AssignedTransportLoss(g, y, pair_cost);
      gen_opt.zero_grad();
      loss.backward();
      gen_opt.step();
      loss_sum += loss.item<double>();
      ++r.steps;
    }
  }
  r.mean_loss = r.steps > 0 ? loss_sum / static_cast<double>(r.steps) : 0.0;
  return r;
}

absl::Status RunAssignerTraining(train::Trainer& trainer, const AssignerSchedule& schedule,
                                 const AssignerParts& parts) {
  const int64_t loops = schedule.loops;
  const AssignerPhaseFns phase_fns{[&](int64_t n) { return parts.latents.Draw(n); },
                                   parts.generate, parts.costs.assign};
  auto step = [&](int64_t loop) -> absl::StatusOr<train::StepLosses> {
    const int64_t n = AssignerPointsPerStep(loop, loops, schedule.n_first, schedule.n_last,
                                            schedule.latent_batch);
    const auto t0 = std::chrono::steady_clock::now();
    const AssignerPhaseResult phase =
        RunAssignerPhase(*parts.psi_net, *parts.psi_opt, parts.real_flat, schedule.assigner_steps,
                         n, schedule.latent_batch, phase_fns);
    const auto t1 = std::chrono::steady_clock::now();
    const ReplayResult replay =
        ReplayAssignedPairs(parts.generate, *parts.gen_opt, parts.real, phase,
                            schedule.batch_size, schedule.gen_epochs, parts.costs.pair_cost);
    const auto t2 = std::chrono::steady_clock::now();
    return train::StepLosses{{"gen_loss", replay.mean_loss},
                             {"assigner_objective", phase.objective},
                             {"assignment_variance", phase.variance},
                             {"unassigned_fraction", phase.unassigned},
                             {"max_share", phase.max_share},
                             {"assign_cost", phase.transport},
                             {"n_generated", static_cast<double>(n)},
                             {"gen_steps", static_cast<double>(replay.steps)},
                             {"assigner_seconds", std::chrono::duration<double>(t1 - t0).count()},
                             {"generate_seconds", phase.generate_seconds},
                             {"assign_seconds", phase.assign_seconds},
                             {"psi_seconds", phase.psi_seconds},
                             {"generator_seconds", std::chrono::duration<double>(t2 - t1).count()}};
  };
  return trainer.Run(
      step, {"gen_loss", "assigner_objective", "assignment_variance", "unassigned_fraction",
             "max_share", "assign_cost", "n_generated", "gen_steps", "assigner_seconds",
             "generate_seconds", "assign_seconds", "psi_seconds", "generator_seconds"});
}

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

absl::Status SetAssignerGrowth(train::Budget budget, int64_t num_real, int64_t n_first_flag,
                               int64_t n_last_flag, AssignerSchedule& s) {
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("n_first", n_first_flag));
  OTGAN_RETURN_IF_ERROR(CheckNonNegative("n_last", n_last_flag));
  const int64_t batch = s.latent_batch;
  int64_t n_first = 0, n_last = 0;
  switch (budget) {
    case train::Budget::kSmoke:
      n_first = batch;
      n_last = 2 * batch;
      break;
    case train::Budget::kCpu:
      n_first = (num_real + batch - 1) / batch * batch;
      n_last = n_first;
      break;
    case train::Budget::kPaper:
      n_first = 15 * batch;
      n_last = n_first + 25 * num_real;
      break;
  }
  s.n_first = n_first_flag > 0 ? n_first_flag : n_first;
  s.n_last = n_last_flag > 0 ? n_last_flag : n_last;
  if (s.n_first < batch) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--n_first=", s.n_first, ": expected at least one latent batch (", batch, ")"));
  }
  if (s.n_last < s.n_first) {
    return absl::InvalidArgumentError(
        absl::StrCat("--n_last=", s.n_last, ": expected at least --n_first=", s.n_first));
  }
  return absl::OkStatus();
}

double Diameter(const at::Tensor& flat) {
  torch::NoGradGuard no_grad;
  return std::sqrt(ot::PairwiseCost(flat, flat, ot::CostKind::kSqEuclidean).max().item<double>());
}

std::vector<std::pair<std::string, std::string>> AssignerFacts(const CommonConfig& c,
                                                               const AssignerConfig& a,
                                                               const AssignerCosts& costs,
                                                               const std::string& data,
                                                               double diameter) {
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

}  // namespace otgan::replications

// OT-GAN across ranks equals OT-GAN in one process.
//
// Two ranks (threads with separate Gloo process groups) each hold half of
// every batch; they run OT-GAN's step (replications/otgan_family.cc: a critic
// update maximising the minibatch energy distance L, then a generator update
// minimising it, Adam (0.5, 0.999), cosine cost on l2-normalised critic
// embeddings, envelope gradient) with GlobalMinibatchEnergyDistance and
// AllReduceGradients. One process runs the same step on the full batches with
// ot::MinibatchEnergyDistance directly, as otgan_family.cc does. Losses,
// gradients and parameters after a few Adam steps must agree to fp32 rounding.
//
// Why this is exact, not an approximation:
//  - The nets act on each sample alone (no batch statistics), so embedding two
//    halves gives the rows of embedding the whole batch.
//  - The all-gather puts the global [B, d] embeddings on every rank, so each
//    rank solves the very Sinkhorn problems of the single process (same cost
//    matrices, same iterations), not per-shard problems: the global B x B
//    matching, not two B/2 x B/2 ones.
//  - The envelope gradient is dL/dE = sum_ij P*_ij dC_ij/dE with the plan P*
//    held fixed: it depends on the global plan and on the cost's derivative,
//    which for row i involves only e_i and the other cloud. It reaches rank
//    r's shard through the gather's backward as exactly the single-process
//    rows of dL/dE; the chain rule through the rank's own net then gives that
//    rank's part of sum_i J_i^T dL/de_i, and averaging the all-gather-summed
//    (world_size x) contributions over ranks restores the full sum. The
//    unrolled gradient (autograd through the iterations) is exact for the same
//    reason, because every rank holds the same graph on the same inputs; the
//    envelope one needs no graph through the iterations at all.
// The only differences left are fp32 rounding (a GEMM over 8 rows instead of
// 16, a sum over ranks in another order), which the tolerances bound.
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include "gtest/gtest.h"
#include "lib/dist/data_parallel.h"
#include "lib/dist/otgan_loss.h"
#include "lib/ot/cost.h"
#include "lib/ot/divergence.h"
#include "lib/util/status.h"
#include "tests/dist/rank_threads.h"

namespace otgan::dist {
namespace {

constexpr int64_t kLatent = 8, kData = 16, kEmbed = 8, kHidden = 32;
constexpr int64_t kBatch = 16;  // global batch of each of X, X', Y, Y'
constexpr int kWorld = 2;
constexpr int kIterations = 3;  // critic update + generator update each

struct GenImpl : torch::nn::Module {
  GenImpl() {
    a = register_module("a", torch::nn::Linear(kLatent, kHidden));
    b = register_module("b", torch::nn::Linear(kHidden, kData));
  }
  at::Tensor forward(const at::Tensor& z) { return at::tanh(b(at::relu(a(z)))); }
  torch::nn::Linear a{nullptr}, b{nullptr};
};
TORCH_MODULE(Gen);

// Linear -> CReLU -> Linear -> l2-normalised embedding (OT-GAN's critic in small).
struct CriticImpl : torch::nn::Module {
  CriticImpl() {
    a = register_module("a", torch::nn::Linear(kData, kHidden));
    b = register_module("b", torch::nn::Linear(2 * kHidden, kEmbed));
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = a(x);
    at::Tensor e = b(at::cat({at::relu(h), at::relu(-h)}, 1));
    return e / e.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
  }
  torch::nn::Linear a{nullptr}, b{nullptr};
};
TORCH_MODULE(Critic);

// Every batch of every iteration, drawn once from a seeded generator.
struct Batches {
  std::vector<at::Tensor> x, x2, zc, zc2;  // critic update: real, latents
  std::vector<at::Tensor> xg, xg2, zg, zg2;  // generator update
};

Batches MakeBatches() {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(20181);
  auto real = [&] { return at::randn({kBatch, kData}, g) * 0.5 + 0.3; };
  auto lat = [&] { return at::rand({kBatch, kLatent}, g) * 2 - 1; };
  Batches b;
  for (int i = 0; i < kIterations; ++i) {
    b.x.push_back(real()), b.x2.push_back(real()), b.zc.push_back(lat()), b.zc2.push_back(lat());
    b.xg.push_back(real()), b.xg2.push_back(real()), b.zg.push_back(lat()), b.zg2.push_back(lat());
  }
  return b;
}

ot::SinkhornOptions PaperSinkhorn(ot::GradMode mode) {
  ot::SinkhornOptions o;  // replications/otgan_family.cc defaults [paper, code]
  o.eps = 1.0 / 500;
  o.max_iter = mode == ot::GradMode::kUnrolled ? 100 : 500;  // unrolled: a smaller graph
  o.tol = 0;
  return o;
}

torch::optim::Adam MakeAdam(torch::nn::Module& m) {
  return torch::optim::Adam(m.parameters(), torch::optim::AdamOptions(3e-4).betas({0.5, 0.999}));
}

// What one run records.
struct Trace {
  std::vector<double> critic_l, gen_l;
  std::vector<at::Tensor> first_critic_grads, first_gen_grads;  // after the first updates' backward
  std::vector<at::Tensor> critic_params, gen_params;            // after the last iteration
};

std::vector<at::Tensor> Grads(torch::nn::Module& m) {
  std::vector<at::Tensor> out;
  for (const at::Tensor& p : m.parameters()) out.push_back(p.grad().clone());
  return out;
}
std::vector<at::Tensor> Params(torch::nn::Module& m) {
  std::vector<at::Tensor> out;
  for (const at::Tensor& p : m.parameters()) out.push_back(p.detach().clone());
  return out;
}
void CopyParams(torch::nn::Module& from, torch::nn::Module& to) {
  at::NoGradGuard no_grad;
  auto src = from.parameters(), dst = to.parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}

// One process, full batches: otgan_family.cc's step verbatim.
Trace SingleProcess(Gen gen, Critic critic, const Batches& b, ot::GradMode mode) {
  const ot::SinkhornOptions sk = PaperSinkhorn(mode);
  auto gen_opt = MakeAdam(*gen);
  auto critic_opt = MakeAdam(*critic);
  auto energy = [&](const at::Tensor& x, const at::Tensor& x2, const at::Tensor& y,
                    const at::Tensor& y2) {
    return ot::MinibatchEnergyDistance(critic(x), critic(x2), critic(y), critic(y2),
                                       ot::CostKind::kCosine, sk, mode);
  };
  Trace t;
  for (int i = 0; i < kIterations; ++i) {
    at::Tensor y, y2;
    {
      at::NoGradGuard no_grad;
      y = gen(b.zc[i]);
      y2 = gen(b.zc2[i]);
    }
    at::Tensor l = energy(b.x[i], b.x2[i], y, y2);
    critic_opt.zero_grad();
    (-l).backward();
    if (i == 0) t.first_critic_grads = Grads(*critic);
    critic_opt.step();
    t.critic_l.push_back(l.item<double>());
    l = energy(b.xg[i], b.xg2[i], gen(b.zg[i]), gen(b.zg2[i]));
    gen_opt.zero_grad();
    l.backward();
    if (i == 0) t.first_gen_grads = Grads(*gen);
    gen_opt.step();
    t.gen_l.push_back(l.item<double>());
  }
  t.critic_params = Params(*critic);
  t.gen_params = Params(*gen);
  return t;
}

// One rank: its half of every batch, the loss on the gathered embeddings,
// gradients all-reduced before each step.
absl::StatusOr<Trace> OneRank(const DistContext& d, Gen gen, Critic critic, const Batches& b,
                              ot::GradMode mode, GatherGrad gather) {
  const ot::SinkhornOptions sk = PaperSinkhorn(mode);
  // Replicas start from rank 0's weights, as a real run does.
  OTGAN_RETURN_IF_ERROR(BroadcastParameters(d, *gen));
  OTGAN_RETURN_IF_ERROR(BroadcastParameters(d, *critic));
  auto gen_opt = MakeAdam(*gen);
  auto critic_opt = MakeAdam(*critic);
  const int r = d.rank(), w = d.world_size();
  auto shard = [&](const at::Tensor& full) { return ShardRows(full, r, w); };
  auto energy = [&](const at::Tensor& x, const at::Tensor& x2, const at::Tensor& y,
                    const at::Tensor& y2) {
    return GlobalMinibatchEnergyDistance(d, critic(x), critic(x2), critic(y), critic(y2),
                                         ot::CostKind::kCosine, sk, mode, gather);
  };
  Trace t;
  for (int i = 0; i < kIterations; ++i) {
    at::Tensor y, y2;
    {
      at::NoGradGuard no_grad;
      y = gen(shard(b.zc[i]));
      y2 = gen(shard(b.zc2[i]));
    }
    OTGAN_ASSIGN_OR_RETURN(at::Tensor l, energy(shard(b.x[i]), shard(b.x2[i]), y, y2));
    critic_opt.zero_grad();
    (-l).backward();
    OTGAN_RETURN_IF_ERROR(AllReduceGradients(d, critic->parameters()));
    if (i == 0) t.first_critic_grads = Grads(*critic);
    critic_opt.step();
    t.critic_l.push_back(l.item<double>());
    OTGAN_ASSIGN_OR_RETURN(l, energy(shard(b.xg[i]), shard(b.xg2[i]), gen(shard(b.zg[i])),
                                     gen(shard(b.zg2[i]))));
    gen_opt.zero_grad();
    l.backward();
    OTGAN_RETURN_IF_ERROR(AllReduceGradients(d, gen->parameters()));
    if (i == 0) t.first_gen_grads = Grads(*gen);
    gen_opt.step();
    t.gen_l.push_back(l.item<double>());
  }
  OTGAN_ASSIGN_OR_RETURN(double drift, MaxParameterDrift(d, *critic));
  if (drift != 0) return absl::InternalError("critic replicas drifted apart");
  t.critic_params = Params(*critic);
  t.gen_params = Params(*gen);
  return t;
}

// max |a - b| / max |b| over a list of tensors.
double RelErr(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num = std::max(num, (a[i] - b[i]).abs().max().item<double>());
    den = std::max(den, b[i].abs().max().item<double>());
  }
  return num / den;
}

class OtganEquivalenceTest
    : public ::testing::TestWithParam<std::tuple<ot::GradMode, GatherGrad>> {
 protected:
  void SetUp() override { at::set_num_threads(1); }
};

TEST_P(OtganEquivalenceTest, TwoRanksWithHalfBatchesEqualOneProcessWithTheFullBatch) {
  const auto [mode, gather] = GetParam();
  const Batches b = MakeBatches();
  torch::manual_seed(7);
  Gen gen0;
  Critic critic0;
  // The reference trains copies, so every rank 0 starts from gen0/critic0.
  Gen gen_ref;
  Critic critic_ref;
  CopyParams(*gen0, *gen_ref);
  CopyParams(*critic0, *critic_ref);
  const Trace ref = SingleProcess(gen_ref, critic_ref, b, mode);

  std::vector<Trace> traces(kWorld);
  std::vector<absl::Status> st = testing::RunRankThreads(kWorld, [&](DistContext& d) -> absl::Status {
    Gen gen;  // other ranks' own random init is overwritten by the broadcast
    Critic critic;
    if (d.rank() == 0) {
      CopyParams(*gen0, *gen);
      CopyParams(*critic0, *critic);
    }
    OTGAN_ASSIGN_OR_RETURN(traces[d.rank()], OneRank(d, gen, critic, b, mode, gather));
    return absl::OkStatus();
  });
  for (int r = 0; r < kWorld; ++r) ASSERT_TRUE(st[r].ok()) << "rank " << r << ": " << st[r];

  for (int r = 0; r < kWorld; ++r) {
    const Trace& t = traces[r];
    for (int i = 0; i < kIterations; ++i) {
      EXPECT_NEAR(t.critic_l[i], ref.critic_l[i], 1e-5 * std::abs(ref.critic_l[i]) + 1e-6)
          << "rank " << r << " iteration " << i;
      EXPECT_NEAR(t.gen_l[i], ref.gen_l[i], 1e-5 * std::abs(ref.gen_l[i]) + 1e-6)
          << "rank " << r << " iteration " << i;
    }
    const double e_cg = RelErr(t.first_critic_grads, ref.first_critic_grads);
    const double e_gg = RelErr(t.first_gen_grads, ref.first_gen_grads);
    const double e_cp = RelErr(t.critic_params, ref.critic_params);
    const double e_gp = RelErr(t.gen_params, ref.gen_params);
    EXPECT_LT(e_cg, 1e-4) << "critic gradients, rank " << r;
    EXPECT_LT(e_gg, 1e-4) << "generator gradients, rank " << r;
    EXPECT_LT(e_cp, 1e-5) << "critic parameters after " << kIterations << " steps, rank " << r;
    EXPECT_LT(e_gp, 1e-5) << "generator parameters after " << kIterations << " steps, rank " << r;
    std::printf("rank %d: L critic %.7f vs %.7f, gen %.7f vs %.7f; relative errors: grads "
                "%.2e (critic) %.2e (gen), params after %d steps %.2e (critic) %.2e (gen)\n",
                r, t.critic_l[0], ref.critic_l[0], t.gen_l[0], ref.gen_l[0], e_cg, e_gg,
                kIterations, e_cp, e_gp);
  }
}

// The test can fail: a per-shard loss (each rank solving its own B/2 x B/2
// problems, no gather) gives a different loss than the global one.
TEST(OtganEquivalenceControlTest, PerShardLossDiffersFromTheGlobalLoss) {
  at::set_num_threads(1);
  const Batches b = MakeBatches();
  torch::manual_seed(7);
  Gen gen;
  Critic critic;
  at::NoGradGuard no_grad;
  const ot::SinkhornOptions sk = PaperSinkhorn(ot::GradMode::kEnvelope);
  auto l = [&](const at::Tensor& x, const at::Tensor& x2, const at::Tensor& z,
               const at::Tensor& z2) {
    return ot::MinibatchEnergyDistance(critic(x), critic(x2), critic(gen(z)), critic(gen(z2)),
                                       ot::CostKind::kCosine, sk, ot::GradMode::kEnvelope)
        .item<double>();
  };
  const double global = l(b.x[0], b.x2[0], b.zc[0], b.zc2[0]);
  double mean_of_shards = 0;
  for (int r = 0; r < kWorld; ++r) {
    mean_of_shards += l(ShardRows(b.x[0], r, kWorld), ShardRows(b.x2[0], r, kWorld),
                        ShardRows(b.zc[0], r, kWorld), ShardRows(b.zc2[0], r, kWorld)) /
                      kWorld;
  }
  EXPECT_GT(std::abs(mean_of_shards - global), 1e-3 * std::abs(global))
      << "global " << global << " per-shard mean " << mean_of_shards;
}

INSTANTIATE_TEST_SUITE_P(
    Modes, OtganEquivalenceTest,
    ::testing::Values(std::make_tuple(ot::GradMode::kEnvelope, GatherGrad::kSumOverRanks),
                      std::make_tuple(ot::GradMode::kEnvelope, GatherGrad::kReplicatedLoss),
                      std::make_tuple(ot::GradMode::kUnrolled, GatherGrad::kSumOverRanks)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param) == ot::GradMode::kEnvelope ? "Envelope"
                                                                           : "Unrolled") +
             (std::get<1>(info.param) == GatherGrad::kSumOverRanks ? "SumOverRanks"
                                                                   : "ReplicatedLoss");
    });

}  // namespace
}  // namespace otgan::dist

// WGAN-GP data-parallel across ranks equals WGAN-GP in one process.
//
// Two ranks (threads with separate Gloo process groups) each take half of
// every batch and run WGAN-GP's updates (Gulrajani et al. 2017: critic loss
// mean D(fake) - mean D(real) + 10 * gradient penalty, generator loss
// -mean D(G(z)), Adam 1e-4 (0.5, 0.9) as in the authors' gan_mnist.py) with the
// lib/train losses, all-reducing (averaging) gradients before every step. One
// process runs the same updates on the full batches.
//
// Why this is exact: every term is a mean over samples of a per-sample
// quantity (the critic has no batch statistics; the penalty's gradient norm is
// per sample), so with equal shards the full-batch loss is the average of the
// ranks' losses and its gradient the average of theirs, which is what
// AllReduceGradients computes. The penalty's interpolation weights a ~ U[0, 1]
// must be the same numbers: the reference draws B of them from a generator,
// and rank r draws its B / W from a generator with the same seed after
// skipping the r * B / W draws that belong to lower ranks (LibTorch's CPU
// uniform sampler is sequential; the test checks that first). A real
// distributed run draws each rank's weights from its own stream
// (dist::RankSeed), which is the same distribution, not the same numbers.
#include <cmath>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include "gtest/gtest.h"
#include "lib/dist/data_parallel.h"
#include "lib/train/losses.h"
#include "lib/util/status.h"
#include "tests/dist/rank_threads.h"

namespace otgan::dist {
namespace {

constexpr int64_t kLatent = 8, kData = 16, kHidden = 32;
constexpr int64_t kBatch = 16;
constexpr int kWorld = 2;
constexpr int kIterations = 2;
constexpr int kCriticSteps = 3;  // per generator step (the paper's 5, fewer for a fast test)
constexpr double kLambda = 10;   // [paper, code]
constexpr double kLr = 1e-4;     // Adam (0.5, 0.9) [gan_mnist.py]

struct GenImpl : torch::nn::Module {
  GenImpl() {
    a = register_module("a", torch::nn::Linear(kLatent, kHidden));
    b = register_module("b", torch::nn::Linear(kHidden, kData));
  }
  at::Tensor forward(const at::Tensor& z) { return at::tanh(b(at::relu(a(z)))); }
  torch::nn::Linear a{nullptr}, b{nullptr};
};
TORCH_MODULE(Gen);

struct CriticImpl : torch::nn::Module {
  CriticImpl() {
    a = register_module("a", torch::nn::Linear(kData, kHidden));
    b = register_module("b", torch::nn::Linear(kHidden, 1));
  }
  at::Tensor forward(const at::Tensor& x) { return b(at::leaky_relu(a(x), 0.2)).squeeze(1); }
  torch::nn::Linear a{nullptr}, b{nullptr};
};
TORCH_MODULE(Critic);

struct Batches {
  std::vector<at::Tensor> real, z;  // per critic step
  std::vector<at::Tensor> zg;       // per generator step
};

Batches MakeBatches() {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(2017);
  Batches b;
  for (int i = 0; i < kIterations * kCriticSteps; ++i) {
    b.real.push_back(at::randn({kBatch, kData}, g) * 0.5 + 0.3);
    b.z.push_back(at::randn({kBatch, kLatent}, g));
  }
  for (int i = 0; i < kIterations; ++i) b.zg.push_back(at::randn({kBatch, kLatent}, g));
  return b;
}

uint64_t PenaltySeed(int step) { return 1000 + step; }

// The generator rank r gives GradientPenalty at critic step `step`: the
// reference's stream, advanced past the lower ranks' draws.
at::Generator PenaltyGenerator(int step, int rank, int64_t local_batch) {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(PenaltySeed(step));
  if (rank > 0) at::rand({rank * local_batch, 1}, g);
  return g;
}

torch::optim::Adam MakeAdam(torch::nn::Module& m) {
  return torch::optim::Adam(m.parameters(), torch::optim::AdamOptions(kLr).betas({0.5, 0.9}));
}

struct Trace {
  std::vector<double> critic_loss, gen_loss;  // this process's (rank-local) loss values
  std::vector<at::Tensor> first_critic_grads;
  std::vector<at::Tensor> critic_params, gen_params;
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

// The WGAN-GP updates on (a shard of) the batches; `dist` of a world of one is
// the single process. Loss values are all-reduced (averaged) for comparison.
absl::StatusOr<Trace> Train(const DistContext& d, Gen gen, Critic critic, const Batches& b) {
  OTGAN_RETURN_IF_ERROR(BroadcastParameters(d, *gen));
  OTGAN_RETURN_IF_ERROR(BroadcastParameters(d, *critic));
  auto gen_opt = MakeAdam(*gen);
  auto critic_opt = MakeAdam(*critic);
  const int r = d.rank(), w = d.world_size();
  const int64_t local = kBatch / w;
  auto shard = [&](const at::Tensor& full) { return ShardRows(full, r, w); };
  auto mean_over_ranks = [&](const at::Tensor& l) -> absl::StatusOr<double> {
    at::Tensor v = l.detach().clone().reshape({1});
    OTGAN_RETURN_IF_ERROR(d.AllReduce(v, ReduceOp::kAverage));
    return v.item<double>();
  };
  const train::CriticFn critic_fn = [&](const at::Tensor& x) { return critic(x); };
  Trace t;
  int step = 0;
  for (int i = 0; i < kIterations; ++i) {
    for (int k = 0; k < kCriticSteps; ++k, ++step) {
      const at::Tensor real = shard(b.real[step]);
      at::Tensor fake;
      {
        at::NoGradGuard no_grad;
        fake = gen(shard(b.z[step]));
      }
      const at::Tensor loss =
          train::WganCriticLoss(critic(real), critic(fake)) +
          train::GradientPenalty(critic_fn, real, fake, kLambda, PenaltyGenerator(step, r, local));
      critic_opt.zero_grad();
      loss.backward();
      OTGAN_RETURN_IF_ERROR(AllReduceGradients(d, critic->parameters()));
      if (step == 0) t.first_critic_grads = Grads(*critic);
      critic_opt.step();
      OTGAN_ASSIGN_OR_RETURN(double l, mean_over_ranks(loss));
      t.critic_loss.push_back(l);
    }
    const at::Tensor loss = train::WganGeneratorLoss(critic(gen(shard(b.zg[i]))));
    gen_opt.zero_grad();
    loss.backward();
    OTGAN_RETURN_IF_ERROR(AllReduceGradients(d, gen->parameters()));
    gen_opt.step();
    OTGAN_ASSIGN_OR_RETURN(double l, mean_over_ranks(loss));
    t.gen_loss.push_back(l);
  }
  t.critic_params = Params(*critic);
  t.gen_params = Params(*gen);
  return t;
}

double MaxAbsDiff(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, (a[i] - b[i]).abs().max().item<double>());
  return m;
}

double RelErr(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num = std::max(num, (a[i] - b[i]).abs().max().item<double>());
    den = std::max(den, b[i].abs().max().item<double>());
  }
  return num / den;
}

class WganGpEquivalenceTest : public ::testing::Test {
 protected:
  void SetUp() override { at::set_num_threads(1); }
};

// The precondition of sharing the penalty's weights across ranks.
TEST_F(WganGpEquivalenceTest, SkippingDrawsReproducesTheFullBatchWeights) {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(PenaltySeed(0));
  const at::Tensor full = at::rand({kBatch, 1}, g);
  for (int r = 0; r < kWorld; ++r) {
    at::Generator gr = PenaltyGenerator(0, r, kBatch / kWorld);
    EXPECT_TRUE(at::equal(at::rand({kBatch / kWorld, 1}, gr), ShardRows(full, r, kWorld)));
  }
}

TEST_F(WganGpEquivalenceTest, TwoRanksWithHalfBatchesEqualOneProcessWithTheFullBatch) {
  const Batches b = MakeBatches();
  torch::manual_seed(11);
  Gen gen0;
  Critic critic0;
  Gen gen_ref;
  Critic critic_ref;
  CopyParams(*gen0, *gen_ref);
  CopyParams(*critic0, *critic_ref);
  absl::StatusOr<Trace> ref = Train(DistContext(), gen_ref, critic_ref, b);
  ASSERT_TRUE(ref.ok()) << ref.status();

  std::vector<Trace> traces(kWorld);
  std::vector<absl::Status> st = testing::RunRankThreads(kWorld, [&](DistContext& d) -> absl::Status {
    Gen gen;
    Critic critic;
    if (d.rank() == 0) {
      CopyParams(*gen0, *gen);
      CopyParams(*critic0, *critic);
    }
    OTGAN_ASSIGN_OR_RETURN(traces[d.rank()], Train(d, gen, critic, b));
    return absl::OkStatus();
  });
  for (int r = 0; r < kWorld; ++r) ASSERT_TRUE(st[r].ok()) << "rank " << r << ": " << st[r];

  for (int r = 0; r < kWorld; ++r) {
    const Trace& t = traces[r];
    for (size_t s = 0; s < ref->critic_loss.size(); ++s) {
      EXPECT_NEAR(t.critic_loss[s], ref->critic_loss[s], 1e-5 * std::abs(ref->critic_loss[s]) + 1e-6)
          << "rank " << r << " critic step " << s;
    }
    for (size_t s = 0; s < ref->gen_loss.size(); ++s) {
      EXPECT_NEAR(t.gen_loss[s], ref->gen_loss[s], 1e-5 * std::abs(ref->gen_loss[s]) + 1e-6)
          << "rank " << r << " generator step " << s;
    }
    const double e_g = RelErr(t.first_critic_grads, ref->first_critic_grads);
    EXPECT_LT(e_g, 1e-5) << "critic gradients, rank " << r;
    // Parameters after the Adam steps, in units of Adam's step budget lr x
    // steps: Adam divides each gradient component by its own running RMS, so a
    // component whose gradient is at fp32 rounding level takes a step whose
    // size the rounding sets; gradients are compared tightly above instead.
    const double c_drift = MaxAbsDiff(t.critic_params, ref->critic_params) /
                           (kLr * kIterations * kCriticSteps);
    const double g_drift = MaxAbsDiff(t.gen_params, ref->gen_params) / (kLr * kIterations);
    EXPECT_LT(c_drift, 0.05) << "critic parameters, rank " << r;
    EXPECT_LT(g_drift, 0.05) << "generator parameters, rank " << r;
    std::printf("rank %d: critic loss %.7f vs %.7f; critic grads relative error %.2e; parameters "
                "after %d iterations differ by %.2e (critic) %.2e (gen) of lr x steps\n",
                r, t.critic_loss[0], ref->critic_loss[0], e_g, kIterations, c_drift, g_drift);
  }
}

// The test can fail: summing instead of averaging the ranks' gradients (a
// classic data-parallel slip) doubles the first gradient.
TEST_F(WganGpEquivalenceTest, SummedGradientsWouldNotMatch) {
  const Batches b = MakeBatches();
  torch::manual_seed(11);
  Critic critic;
  Gen gen;
  const train::CriticFn critic_fn = [&](const at::Tensor& x) { return critic(x); };
  auto grads_on = [&](const at::Tensor& real, const at::Tensor& z, int rank, int world) {
    at::Tensor fake;
    {
      at::NoGradGuard no_grad;
      fake = gen(z);
    }
    critic->zero_grad();
    (train::WganCriticLoss(critic(real), critic(fake)) +
     train::GradientPenalty(critic_fn, real, fake, kLambda,
                            PenaltyGenerator(0, rank, kBatch / world)))
        .backward();
    return Grads(*critic);
  };
  const std::vector<at::Tensor> full = grads_on(b.real[0], b.z[0], 0, 1);
  std::vector<at::Tensor> summed = grads_on(ShardRows(b.real[0], 0, 2), ShardRows(b.z[0], 0, 2), 0, 2);
  const std::vector<at::Tensor> g1 = grads_on(ShardRows(b.real[0], 1, 2), ShardRows(b.z[0], 1, 2), 1, 2);
  std::vector<at::Tensor> averaged;
  for (size_t i = 0; i < summed.size(); ++i) {
    summed[i] = summed[i] + g1[i];
    averaged.push_back(summed[i] / 2);
  }
  EXPECT_LT(RelErr(averaged, full), 1e-5);
  EXPECT_GT(RelErr(summed, full), 0.5);
}

}  // namespace
}  // namespace otgan::dist

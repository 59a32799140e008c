#include "lib/train/optim.h"

#include <cmath>
#include <string>
#include <vector>

#include <torch/optim/adam.h>
#include <torch/optim/rmsprop.h>
#include <torch/serialize/archive.h>

#include "gtest/gtest.h"
#include "lib/train/tf_rmsprop.h"

namespace otgan::train {
namespace {

TEST(OptimTest, PresetsCarryThePapersSettings) {
  EXPECT_EQ(WganRmsProp().kind, OptimizerKind::kRmsProp);
  EXPECT_DOUBLE_EQ(WganRmsProp().lr, 5e-5);
  EXPECT_DOUBLE_EQ(WganGpAdamPaper().lr, 1e-4);
  EXPECT_DOUBLE_EQ(WganGpAdamPaper().beta1, 0.0);
  EXPECT_DOUBLE_EQ(WganGpAdamPaper().beta2, 0.9);
  EXPECT_DOUBLE_EQ(WganGpAdamMnistCode().beta1, 0.5);
  EXPECT_DOUBLE_EQ(OtGanAdam().lr, 3e-4);
  EXPECT_DOUBLE_EQ(OtGanAdam().beta1, 0.5);
  EXPECT_DOUBLE_EQ(OtGanAdam().beta2, 0.999);
  EXPECT_DOUBLE_EQ(GenevayAdam().lr, 5e-3);
  EXPECT_DOUBLE_EQ(LaschosGeneratorRmsProp().lr, 1e-4);
  EXPECT_DOUBLE_EQ(LaschosAssignerRmsProp().lr, 5e-5);
  EXPECT_NE(Describe(WganGpAdamPaper()).find("Adam(lr=0.0001, betas=(0, 0.9)"), std::string::npos)
      << Describe(WganGpAdamPaper());
}

// First Adam step: m = (1-b1) g, v = (1-b2) g^2, bias-corrected -> p -= lr g / (|g| + eps).
TEST(OptimTest, AdamFirstStepClosedForm) {
  at::Tensor p = at::tensor({1.0f, -2.0f, 3.0f}).requires_grad_(true);
  auto opt = MakeOptimizer(WganGpAdamMnistCode(), {p});
  ASSERT_TRUE(opt.ok()) << opt.status();
  EXPECT_NE(dynamic_cast<torch::optim::Adam*>(opt->get()), nullptr);
  at::Tensor g = at::tensor({0.5f, -4.0f, 0.0f});
  p.mutable_grad() = g.clone();
  (*opt)->step();
  at::Tensor want = at::tensor({1.0f, -2.0f, 3.0f}) - 1e-4 * g / (g.abs() + 1e-8);
  EXPECT_TRUE(at::allclose(p.detach(), want, 1e-6, 1e-7));
}

// First RMSProp step: v = (1-alpha) g^2 -> p -= lr g / (sqrt(v) + eps) = 10 lr sign(g).
TEST(OptimTest, RmsPropFirstStepClosedForm) {
  at::Tensor p = at::zeros({2}).requires_grad_(true);
  auto opt = MakeOptimizer(WganRmsProp(), {p});
  ASSERT_TRUE(opt.ok()) << opt.status();
  EXPECT_NE(dynamic_cast<torch::optim::RMSprop*>(opt->get()), nullptr);
  p.mutable_grad() = at::tensor({3.0f, -0.25f});
  (*opt)->step();
  EXPECT_TRUE(at::allclose(p.detach(), at::tensor({-5e-4f, 5e-4f}), 1e-4, 1e-9)) << p;
}

TEST(OptimTest, TfRmsPropPresetHasTensorFlowDefaults) {
  const OptimizerSpec s = WganTfRmsProp();
  EXPECT_EQ(s.kind, OptimizerKind::kTfRmsProp);
  EXPECT_DOUBLE_EQ(s.lr, 5e-5);
  EXPECT_DOUBLE_EQ(s.alpha, 0.9);
  EXPECT_DOUBLE_EQ(s.eps, 1e-10);
  EXPECT_NE(Describe(s).find("TF1 RMSProp(lr=5e-05, decay=0.9, eps=1e-10 inside sqrt, "
                             "accumulator init 1)"),
            std::string::npos)
      << Describe(s);
}

// TF1 RMSProp against a sequence computed by hand in double precision:
// ms_0 = 1; ms_t = 0.9 ms_{t-1} + 0.1 g_t^2; w_t = w_{t-1} - lr g_t / sqrt(ms_t + 1e-10).
TEST(OptimTest, TfRmsPropMatchesHandComputedSequence) {
  const double lr = 0.01;
  at::Tensor p = at::tensor({1.0f, -2.0f, 0.5f}).requires_grad_(true);
  auto opt = MakeOptimizer(TfRmsProp(lr), {p});
  ASSERT_TRUE(opt.ok()) << opt.status();
  EXPECT_NE(dynamic_cast<TfRmsPropOptimizer*>(opt->get()), nullptr);
  const std::vector<std::vector<double>> grads = {
      {3.0, -0.25, 0.0}, {-1.0, 0.5, 2.0}, {0.1, -4.0, 1e-3}};
  std::vector<double> w = {1.0, -2.0, 0.5}, ms = {1.0, 1.0, 1.0};
  for (const auto& g : grads) {
    p.mutable_grad() = at::tensor(std::vector<float>(g.begin(), g.end()));
    (*opt)->step();
    for (int i = 0; i < 3; ++i) {
      ms[i] = 0.9 * ms[i] + 0.1 * g[i] * g[i];
      w[i] -= lr * g[i] / std::sqrt(ms[i] + 1e-10);
    }
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(p[i].item<double>(), w[i], 1e-6) << "component " << i;
    }
  }
  // First step of component 0 by hand: ms = 0.9 + 0.9 = 1.8, step 0.03 / sqrt(1.8).
  // (Not LibTorch's sign step of 10 lr: the accumulator started at one.)
  EXPECT_NEAR(w[0], 1.0 - 0.03 / std::sqrt(1.8) + 0.01 / std::sqrt(0.9 * 1.8 + 0.1) -
                        0.001 / std::sqrt(0.9 * (0.9 * 1.8 + 0.1) + 0.001),
              1e-12);
}

TEST(OptimTest, TfRmsPropRejectsMomentumAndCentered) {
  at::Tensor p = at::zeros({1}).requires_grad_(true);
  EXPECT_THROW(TfRmsPropOptimizer({p}, torch::optim::RMSpropOptions(1e-3).momentum(0.9)), c10::Error);
  EXPECT_THROW(TfRmsPropOptimizer({p}, torch::optim::RMSpropOptions(1e-3).centered(true)), c10::Error);
}

// The state saved the way lib/train/checkpoint.cc saves optimisers
// (Optimizer::save into an archive, written to a file) continues bit-exactly
// in a fresh optimiser over fresh parameters.
TEST(OptimTest, TfRmsPropStateRoundTripsBitExactly) {
  auto grad_at = [](int t) { return at::tensor({0.3f * t - 1.0f, 2.0f / (t + 1), -0.7f}); };
  at::Tensor a = at::tensor({0.2f, -0.1f, 0.4f}).requires_grad_(true);
  auto straight = MakeOptimizer(WganTfRmsProp(), {a});
  ASSERT_TRUE(straight.ok());
  for (int t = 0; t < 6; ++t) {
    a.mutable_grad() = grad_at(t);
    (*straight)->step();
  }

  at::Tensor b = at::tensor({0.2f, -0.1f, 0.4f}).requires_grad_(true);
  auto first = MakeOptimizer(WganTfRmsProp(), {b});
  ASSERT_TRUE(first.ok());
  for (int t = 0; t < 3; ++t) {
    b.mutable_grad() = grad_at(t);
    (*first)->step();
  }
  const std::string path = ::testing::TempDir() + "/tf_rmsprop_state.pt";
  {
    torch::serialize::OutputArchive archive;
    (*first)->save(archive);
    archive.save_to(path);
  }
  at::Tensor c = b.detach().clone().requires_grad_(true);
  auto second = MakeOptimizer(WganTfRmsProp(), {c});
  ASSERT_TRUE(second.ok());
  {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    (*second)->load(archive);
  }
  for (int t = 3; t < 6; ++t) {
    c.mutable_grad() = grad_at(t);
    (*second)->step();
  }
  EXPECT_TRUE(torch::equal(a.detach(), c.detach())) << a << c;
  // Without the saved accumulator (a fresh one of ones) the result differs,
  // so the comparison above can fail.
  at::Tensor d = b.detach().clone().requires_grad_(true);
  auto fresh = MakeOptimizer(WganTfRmsProp(), {d});
  ASSERT_TRUE(fresh.ok());
  for (int t = 3; t < 6; ++t) {
    d.mutable_grad() = grad_at(t);
    (*fresh)->step();
  }
  EXPECT_FALSE(torch::equal(a.detach(), d.detach()));
}

TEST(OptimTest, RejectsBadSpecsAndEmptyParameters) {
  at::Tensor p = at::zeros({1}).requires_grad_(true);
  auto bad_lr = MakeOptimizer(Adam(0.0, 0.5, 0.9), {p});
  ASSERT_FALSE(bad_lr.ok());
  EXPECT_NE(bad_lr.status().message().find("lr must be > 0"), std::string::npos);
  EXPECT_FALSE(MakeOptimizer(Adam(1e-3, 1.0, 0.9), {p}).ok());
  EXPECT_FALSE(MakeOptimizer(RmsProp(1e-3), {}).ok());
}

}  // namespace
}  // namespace otgan::train

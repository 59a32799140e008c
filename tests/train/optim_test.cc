#include "lib/train/optim.h"

#include <torch/optim/adam.h>
#include <torch/optim/rmsprop.h>

#include "gtest/gtest.h"

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

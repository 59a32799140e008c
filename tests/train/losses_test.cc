#include "lib/train/losses.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/nn/modules/linear.h>

#include "gtest/gtest.h"

namespace otgan::train {
namespace {

TEST(LossesTest, WganLossesAreDifferencesOfMeans) {
  at::Tensor real = at::tensor({1.0, 2.0, 3.0});
  at::Tensor fake = at::tensor({-1.0, 0.5});
  EXPECT_DOUBLE_EQ(WganCriticLoss(real, fake).item<double>(), -0.25 - 2.0);
  EXPECT_DOUBLE_EQ(WganGeneratorLoss(fake).item<double>(), 0.25);
}

// D(x) = <w, x> has gradient w everywhere: the penalty is lambda (|w| - 1)^2
// whatever the interpolation weights, and its gradient in w is
// 2 lambda (|w| - 1) w / |w| (needs the double backprop).
TEST(LossesTest, GradientPenaltyOfLinearCriticIsClosedForm) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
  at::Tensor w = at::tensor({0.5, -1.0, 2.0, 0.25}, at::kDouble).requires_grad_(true);
  at::Tensor real = at::randn({6, 1, 2, 2}, gen, at::kDouble);
  at::Tensor fake = at::randn({6, 1, 2, 2}, gen, at::kDouble);
  CriticFn critic = [&](const at::Tensor& x) { return x.reshape({x.size(0), -1}).matmul(w); };
  const double lambda = 10.0;
  at::Tensor gp = GradientPenalty(critic, real, fake, lambda, gen);
  const double norm = std::sqrt(0.25 + 1.0 + 4.0 + 0.0625);
  EXPECT_NEAR(gp.item<double>(), lambda * (norm - 1) * (norm - 1), 1e-12);
  gp.backward();
  at::Tensor want = 2 * lambda * (norm - 1) * w.detach() / norm;
  EXPECT_TRUE(at::allclose(w.grad(), want, 1e-10, 1e-12)) << w.grad() << want;
}

// D(x) = sum x^2: grad = 2 x_hat, so the penalty depends on the per-sample
// weights a; recompute them from an identically seeded generator.
TEST(LossesTest, GradientPenaltyInterpolatesPerSample) {
  at::Generator data_gen = at::make_generator<at::CPUGeneratorImpl>(1);
  at::Tensor real = at::randn({5, 3}, data_gen, at::kDouble);
  at::Tensor fake = at::randn({5, 3}, data_gen, at::kDouble);
  CriticFn critic = [](const at::Tensor& x) { return x.pow(2).sum(1); };
  at::Generator g1 = at::make_generator<at::CPUGeneratorImpl>(42);
  at::Tensor gp = GradientPenalty(critic, real, fake, 0.1, g1);
  at::Generator g2 = at::make_generator<at::CPUGeneratorImpl>(42);
  at::Tensor a = at::rand({5, 1}, g2, at::kDouble);
  at::Tensor x_hat = a * real + (1 - a) * fake;
  at::Tensor want = 0.1 * ((2 * x_hat).norm(2, 1) - 1).pow(2).mean();
  EXPECT_NEAR(gp.item<double>(), want.item<double>(), 1e-12);
  // a is not constant: a different seed gives a different value.
  at::Generator g3 = at::make_generator<at::CPUGeneratorImpl>(43);
  EXPECT_GT(std::abs(GradientPenalty(critic, real, fake, 0.1, g3).item<double>() - want.item<double>()),
            1e-6);
}

TEST(LossesTest, ClipWeightsBoundsEveryParameter) {
  at::manual_seed(3);
  torch::nn::Linear lin(torch::nn::LinearOptions(8, 4));
  {
    torch::NoGradGuard g;
    lin->weight.mul_(10);
    lin->bias.fill_(0.005);
  }
  at::Tensor before = lin->weight.detach().clone();
  ClipWeights(*lin, 0.01);
  EXPECT_LE(lin->weight.abs().max().item<float>(), 0.01f);
  EXPECT_TRUE(at::equal(lin->bias, at::full({4}, 0.005f)));  // inside the box: untouched
  EXPECT_TRUE(at::equal(lin->weight, before.clamp(-0.01, 0.01)));
  EXPECT_TRUE(lin->weight.requires_grad());
}

TEST(LossesTest, AssignerLossClosedFormAndGradient) {
  // M = 4 real points, N = 8 generated points assigned as below.
  at::Tensor assigned = at::tensor({0, 0, 0, 1, 1, 3, 3, 3}, at::kLong);
  at::Tensor counts = AssignmentCounts(assigned, 4);
  EXPECT_TRUE(at::equal(counts, at::tensor({3.0f, 2.0f, 0.0f, 3.0f})));
  at::Tensor psi = at::tensor({1.0f, -2.0f, 0.5f, 4.0f}).requires_grad_(true);
  at::Tensor loss = AssignerLoss(psi, counts, 8);
  // weights count/N - 1/M = {0.125, 0, -0.25, 0.125}
  EXPECT_NEAR(loss.item<float>(), -(0.125 * 1.0 + 0.0 - 0.25 * 0.5 + 0.125 * 4.0), 1e-6);
  loss.backward();
  EXPECT_TRUE(at::allclose(psi.grad(), at::tensor({-0.125f, 0.0f, 0.25f, -0.125f})));
}

TEST(LossesTest, AssignedTransportLossIsMeanSquaredDistance) {
  at::Tensor x = at::tensor({0.0f, 0.0f, 1.0f, 1.0f}).reshape({2, 2}).requires_grad_(true);
  at::Tensor y = at::tensor({3.0f, 4.0f, 1.0f, 2.0f}).reshape({2, 2});
  at::Tensor loss = AssignedTransportLoss(x, y);
  EXPECT_FLOAT_EQ(loss.item<float>(), (25.0f + 1.0f) / 2);
  loss.backward();  // d/dx mean |x - y|^2 = (x - y)
  EXPECT_TRUE(at::allclose(x.grad(), (x.detach() - y)));
}

}  // namespace
}  // namespace otgan::train

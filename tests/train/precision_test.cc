#include "lib/train/precision.h"

#include <string>

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace otgan::train {
namespace {

torch::nn::Sequential SmallCritic() {
  torch::manual_seed(3);
  return torch::nn::Sequential(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 5).stride(2).padding(2)),
      torch::nn::LeakyReLU(), torch::nn::Flatten(), torch::nn::Linear(16 * 14 * 14, 1));
}

TEST(PrecisionTest, Fp32IsTheUnwrappedFunction) {
  auto net = SmallCritic();
  const at::Tensor x = at::randn({8, 1, 28, 28});
  TensorFn fn = [&](const at::Tensor& t) { return net->forward(t); };
  const at::Tensor a = fn(x);
  const at::Tensor b = InPrecision(Precision::kFp32, fn)(x);
  EXPECT_TRUE(at::equal(a, b));
}

TEST(PrecisionTest, Bf16ComputesInBf16AndReturnsFloat) {
  auto net = SmallCritic();
  const at::Tensor x = at::randn({8, 1, 28, 28});
  const at::Tensor ref = net->forward(x);
  const at::Tensor out =
      InPrecision(Precision::kBf16, [&](const at::Tensor& t) { return net->forward(t); })(x);
  EXPECT_EQ(out.scalar_type(), at::kFloat);
  EXPECT_FALSE(at::equal(out, ref)) << "bf16 gave fp32's bits: autocast did not take effect";
  const double rel = ((out - ref).norm() / ref.norm()).item<double>();
  EXPECT_LT(rel, 3e-2);
  // The autocast state is restored after the call.
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
}

TEST(PrecisionTest, Bf16GradientsReachFp32WeightsThroughDoubleBackward) {
  auto net = SmallCritic();
  TensorFn critic =
      InPrecision(Precision::kBf16, [&](const at::Tensor& t) { return net->forward(t); });
  // A gradient penalty: the input gradient's norm, then its weight gradients.
  const at::Tensor x = at::randn({4, 1, 28, 28}).requires_grad_(true);
  const at::Tensor out = critic(x);
  const at::Tensor g = torch::autograd::grad({out.sum()}, {x}, {}, /*retain_graph=*/true,
                                             /*create_graph=*/true)[0];
  EXPECT_EQ(g.scalar_type(), at::kFloat);
  const at::Tensor penalty = (g.flatten(1).norm(2, 1) - 1).pow(2).mean();
  (penalty + out.mean()).backward();
  for (const at::Tensor& p : net->parameters()) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_EQ(p.scalar_type(), at::kFloat);
    EXPECT_EQ(p.grad().scalar_type(), at::kFloat);
    EXPECT_TRUE(p.grad().isfinite().all().item<bool>());
  }
}

TEST(PrecisionTest, FlagNames) {
  Precision p = Precision::kFp32;
  std::string error;
  EXPECT_TRUE(AbslParseFlag("bf16", &p, &error));
  EXPECT_EQ(p, Precision::kBf16);
  EXPECT_FALSE(AbslParseFlag("fp16", &p, &error));
  EXPECT_NE(error.find("fp32 | bf16"), std::string::npos) << error;
  EXPECT_EQ(AbslUnparseFlag(Precision::kBf16), "bf16");
}

}  // namespace
}  // namespace otgan::train

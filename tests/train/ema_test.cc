// ParameterEma (lib/train/ema.h): TensorFlow's ExponentialMovingAverage update
// on a module clone, the num_updates rule, validation, and checkpointing
// through the Trainer's state.
#include "lib/train/ema.h"

#include <memory>

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

#include "gtest/gtest.h"

namespace otgan::train {
namespace {

std::shared_ptr<torch::nn::LinearImpl> Clone(const torch::nn::Linear& l) {
  return std::dynamic_pointer_cast<torch::nn::LinearImpl>(l->clone());
}

TEST(EmaTest, UpdateIsTheExponentialMovingAverage) {
  torch::nn::Linear src(3, 2);
  auto shadow = Clone(src);
  auto ema = ParameterEma::Make(src.ptr(), shadow, {.decay = 0.9});
  ASSERT_TRUE(ema.ok()) << ema.status();
  ema->Reset();
  const at::Tensor w0 = src->weight.detach().clone();
  at::Tensor expected = w0.clone();
  for (int n = 0; n < 5; ++n) {
    {
      at::NoGradGuard no_grad;
      src->weight.add_(1.0);
    }
    ema->Update(n);
    expected = 0.9 * expected + 0.1 * src->weight.detach();
  }
  EXPECT_TRUE(at::allclose(shadow->weight, expected, 1e-5, 1e-6));
  EXPECT_FALSE(shadow->weight.requires_grad());
  // The source is untouched by the averaging.
  EXPECT_TRUE(at::allclose(src->weight, w0 + 5.0));
}

TEST(EmaTest, NumUpdatesRuleCapsTheDecayEarly) {
  torch::nn::Linear src(2, 2);
  auto shadow = Clone(src);
  auto constant = ParameterEma::Make(src.ptr(), shadow, {.decay = 0.999});
  auto warm = ParameterEma::Make(src.ptr(), shadow, {.decay = 0.999, .tf_num_updates = true});
  ASSERT_TRUE(constant.ok() && warm.ok());
  EXPECT_DOUBLE_EQ(constant->DecayAt(0), 0.999);
  EXPECT_DOUBLE_EQ(warm->DecayAt(0), 0.1);
  EXPECT_DOUBLE_EQ(warm->DecayAt(90), 91.0 / 100.0);
  EXPECT_DOUBLE_EQ(warm->DecayAt(100000), 0.999);
}

TEST(EmaTest, RejectsBadDecayAndMismatchedModules) {
  torch::nn::Linear src(3, 2);
  EXPECT_FALSE(ParameterEma::Make(src.ptr(), Clone(src), {.decay = 1.0}).ok());
  EXPECT_FALSE(ParameterEma::Make(src.ptr(), Clone(src), {.decay = -0.1}).ok());
  EXPECT_FALSE(ParameterEma::Make(src.ptr(), src.ptr(), {}).ok());
  EXPECT_FALSE(ParameterEma::Make(src.ptr(), nullptr, {}).ok());
  torch::nn::Linear other(4, 2);
  auto st = ParameterEma::Make(src.ptr(), other.ptr(), {});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("differs"), std::string::npos) << st.status();
}

}  // namespace
}  // namespace otgan::train

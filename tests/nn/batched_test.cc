#include "lib/nn/batched.h"

#include <vector>

#include <ATen/ATen.h>
#include <torch/torch.h>

#include "gtest/gtest.h"
#include "lib/nn/otgan_nets.h"

namespace otgan::nn {
namespace {

// The OT-GAN critic update's use: X, X', Y, Y' through the critic in one call
// gives the embeddings and the weight gradients of four calls.
TEST(ApplyBatchedTest, OtganCriticOnFourBatchesMatchesFourCalls) {
  torch::manual_seed(0);
  OtganCritic critic(16);
  const auto embed = [&](const at::Tensor& x) { return critic->forward(x); };
  std::vector<at::Tensor> xs;
  for (int64_t n : {5, 3, 5, 4}) xs.push_back(at::rand({n, 1, 28, 28}) * 2 - 1);

  const std::vector<at::Tensor> one = ApplyBatched(embed, xs);
  ASSERT_EQ(one.size(), 4u);
  at::Tensor loss_one = at::zeros({});
  for (size_t i = 0; i < xs.size(); ++i) {
    const at::Tensor sep = embed(xs[i]);
    ASSERT_EQ(one[i].sizes(), sep.sizes());
    EXPECT_TRUE(at::allclose(one[i], sep, 1e-5, 1e-6)) << "batch " << i;
    loss_one = loss_one + (one[i] * static_cast<double>(i + 1)).sum();
  }
  critic->zero_grad();
  loss_one.backward();
  std::vector<at::Tensor> grads_one;
  for (const at::Tensor& p : critic->parameters()) grads_one.push_back(p.grad().clone());

  at::Tensor loss_sep = at::zeros({});
  for (size_t i = 0; i < xs.size(); ++i) {
    loss_sep = loss_sep + (embed(xs[i]) * static_cast<double>(i + 1)).sum();
  }
  critic->zero_grad();
  loss_sep.backward();
  const std::vector<at::Tensor> params = critic->parameters();
  ASSERT_EQ(params.size(), grads_one.size());
  // Relative to the gradient's norm: the weight gradients are sums over all
  // rows with cancellation, so elementwise relative tolerances mean little.
  for (size_t k = 0; k < params.size(); ++k) {
    const double diff = (grads_one[k] - params[k].grad()).norm().item<double>();
    const double norm = params[k].grad().norm().item<double>();
    EXPECT_LE(diff, 1e-4 * norm + 1e-7)
        << "parameter " << k << ": |difference| " << diff << ", |gradient| " << norm;
  }
}

TEST(ApplyBatchedTest, GradientsReachEveryInput) {
  torch::manual_seed(1);
  OtganGenerator gen(8, 10);
  at::Tensor z1 = at::rand({3, 10}).requires_grad_(true);
  at::Tensor z2 = at::rand({2, 10}).requires_grad_(true);
  const std::vector<at::Tensor> y =
      ApplyBatched([&](const at::Tensor& z) { return gen->forward(z); }, {z1, z2});
  (y[0].sum() + 2 * y[1].sum()).backward();
  const at::Tensor g1 = z1.grad().clone(), g2 = z2.grad().clone();
  z1.grad().zero_();
  z2.grad().zero_();
  (gen->forward(z1).sum() + 2 * gen->forward(z2).sum()).backward();
  EXPECT_TRUE(at::allclose(g1, z1.grad(), 1e-4, 1e-6));
  EXPECT_TRUE(at::allclose(g2, z2.grad(), 1e-4, 1e-6));
  EXPECT_GT(g2.abs().sum().item<double>(), 0);
}

TEST(ApplyBatchedTest, RefusesMismatchedInputs) {
  const auto id = [](const at::Tensor& x) { return x; };
  EXPECT_THROW(ApplyBatched(id, {}), c10::Error);
  EXPECT_THROW(ApplyBatched(id, {at::zeros({2, 3}), at::zeros({2, 4})}), c10::Error);
  const auto drops_a_row = [](const at::Tensor& x) { return x.narrow(0, 1, x.size(0) - 1); };
  EXPECT_THROW(ApplyBatched(drops_a_row, {at::zeros({2, 3}), at::zeros({2, 3})}), c10::Error);
  EXPECT_EQ(ApplyBatched(id, {at::ones({2, 3})})[0].sum().item<double>(), 6.0);
}

// ApplyChunked: the critic on 11 rows in chunks of 4 (4 + 4 + 3) gives the
// embeddings and the weight and input gradients of one call.
TEST(ApplyChunkedTest, OtganCriticInChunksMatchesOneCall) {
  torch::manual_seed(2);
  OtganCritic critic(16);
  const auto embed = [&](const at::Tensor& x) { return critic->forward(x); };
  const at::Tensor x = (at::rand({11, 1, 28, 28}) * 2 - 1).requires_grad_(true);
  const at::Tensor weights = at::rand({11, critic->embed_size()});

  const at::Tensor chunked = ApplyChunked(embed, x, 4);
  critic->zero_grad();
  (chunked * weights).sum().backward();
  std::vector<at::Tensor> grads_chunked;
  for (const at::Tensor& p : critic->parameters()) grads_chunked.push_back(p.grad().clone());
  const at::Tensor x_grad_chunked = x.grad().clone();
  x.grad().zero_();

  const at::Tensor whole = embed(x);
  ASSERT_EQ(chunked.sizes(), whole.sizes());
  EXPECT_TRUE(at::allclose(chunked, whole, 1e-5, 1e-6));
  critic->zero_grad();
  (whole * weights).sum().backward();
  EXPECT_TRUE(at::allclose(x_grad_chunked, x.grad(), 1e-4, 1e-6));
  const std::vector<at::Tensor> params = critic->parameters();
  for (size_t k = 0; k < params.size(); ++k) {
    const double diff = (grads_chunked[k] - params[k].grad()).norm().item<double>();
    const double norm = params[k].grad().norm().item<double>();
    EXPECT_GT(norm, 0) << "parameter " << k;
    EXPECT_LE(diff, 1e-4 * norm + 1e-7)
        << "parameter " << k << ": |difference| " << diff << ", |gradient| " << norm;
  }
}

TEST(ApplyChunkedTest, SmallInputsAndBadOutputs) {
  int calls = 0;
  const auto counting = [&](const at::Tensor& x) {
    ++calls;
    return x * 2;
  };
  EXPECT_EQ(ApplyChunked(counting, at::ones({5, 2}), 0).sum().item<double>(), 20.0);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ApplyChunked(counting, at::ones({5, 2}), 5).sum().item<double>(), 20.0);
  EXPECT_EQ(calls, 2);
  const at::Tensor x = at::arange(10).reshape({5, 2});
  EXPECT_TRUE(at::equal(ApplyChunked(counting, x, 2), x * 2));  // order kept
  EXPECT_EQ(calls, 5);
  const auto drops_a_row = [](const at::Tensor& x) { return x.narrow(0, 1, x.size(0) - 1); };
  EXPECT_THROW(ApplyChunked(drops_a_row, at::zeros({4, 3}), 2), c10::Error);
  EXPECT_THROW(ApplyChunked(counting, at::zeros({}), 2), c10::Error);
}

}  // namespace
}  // namespace otgan::nn

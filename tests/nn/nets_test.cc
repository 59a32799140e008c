#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/generated/variable_factories.h>
#include <torch/utils.h>

#include "gtest/gtest.h"
#include "lib/nn/laschos_nets.h"
#include "lib/nn/mlp.h"
#include "lib/nn/wgan_nets.h"

namespace otgan::nn {
namespace {

TEST(MlpTest, GenevayGeneratorShapesRangeAndXavierInit) {
  at::manual_seed(0);
  Mlp g(MlpOptions{2, {500, 500}, 784, Activation::kSoftplus, Activation::kSigmoid, true});
  at::Tensor x = g->forward(at::rand({7, 2}));
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{7, 784}));
  EXPECT_GT(x.min().item<float>(), 0.f);
  EXPECT_LT(x.max().item<float>(), 1.f);
  // Xavier-uniform bound for the 500x500 layer is sqrt(6 / 1000); biases are zero.
  auto params = g->named_parameters();
  at::Tensor w = params["fc1.weight"];
  EXPECT_LE(w.abs().max().item<float>(), std::sqrt(6.0 / 1000.0) + 1e-6);
  EXPECT_EQ(params["fc1.bias"].abs().sum().item<float>(), 0.f);
}

TEST(MlpTest, OutputActivationOnlyOnLastLayer) {
  at::manual_seed(1);
  Mlp d(MlpOptions{2, {8}, 1, Activation::kReLU, Activation::kNone, false});
  at::Tensor x = at::randn({100, 2});
  at::Tensor out = d->forward(x);
  // A critic output is unbounded: with random weights some outputs are negative.
  auto params = d->named_parameters();
  at::Tensor h = at::relu(at::linear(x, params["fc0.weight"], params["fc0.bias"]));
  at::Tensor ref = at::linear(h, params["fc1.weight"], params["fc1.bias"]);
  EXPECT_TRUE(at::allclose(out, ref));
}

TEST(ImageNetsTest, WganGpShapes) {
  WganGpGenerator g(8);
  WganGpCritic d(8);
  at::Tensor x = g->forward(at::randn({5, 128}));
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
  EXPECT_EQ(d->forward(x).sizes(), (std::vector<int64_t>{5}));
  EXPECT_EQ(d->forward(x.view({5, 784})).sizes(), (std::vector<int64_t>{5}));
}

TEST(ImageNetsTest, LaschosGeneratorShapeAndRange) {
  LaschosGenerator g(250);
  at::Tensor x = g->forward(at::randn({3, 250}));
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));
  EXPECT_LE(x.abs().max().item<float>(), 1.f);
}

// Keras LayerNormalization() on NHWC: per pixel over channels, biased
// variance, eps 1e-3 inside the square root, per-channel gamma and beta.
at::Tensor KerasChannelLayerNorm(const at::Tensor& h, const at::Tensor& g, const at::Tensor& b) {
  at::Tensor mean = h.mean(1, /*keepdim=*/true);
  at::Tensor var = (h - mean).pow(2).mean(1, /*keepdim=*/true);
  return (h - mean) / (var + 1e-3).sqrt() * g.view({1, -1, 1, 1}) + b.view({1, -1, 1, 1});
}

// TF conv2d_transpose(5, strides 2, padding 'same'): LibTorch's transposed
// convolution with padding 1 produces TF's grid plus one last row and column.
at::Tensor TfSameDeconv(const at::Tensor& h, const at::Tensor& w, const at::Tensor& b) {
  at::Tensor y = at::conv_transpose2d(h, w, b, /*stride=*/2, /*padding=*/1);
  return y.narrow(2, 0, 2 * h.size(2)).narrow(3, 0, 2 * h.size(3));
}

TEST(LaschosGeneratorTest, ForwardIsTheCodesGraph) {
  at::manual_seed(3);
  LaschosGenerator g(250);
  auto p = g->named_parameters();
  {
    // Non-trivial biases and LayerNorm parameters, so every one is exercised.
    torch::NoGradGuard no_grad;
    for (const char* name : {"fc.bias", "ln0.weight", "ln0.bias", "up1.bias", "ln1_gamma",
                             "ln1_beta", "up2.bias", "ln2_gamma", "ln2_beta", "up3.bias"}) {
      ASSERT_TRUE(p.contains(name)) << name;
      p[name].uniform_(-0.5, 1.5);
    }
  }
  at::Tensor z = at::randn({3, 250});
  at::Tensor h = at::layer_norm(at::linear(z, p["fc.weight"], p["fc.bias"]), {4096},
                                p["ln0.weight"], p["ln0.bias"], 1e-3);
  h = at::relu(h).view({3, 4, 4, 256}).permute({0, 3, 1, 2});  // Keras reshape to NHWC
  h = at::relu(KerasChannelLayerNorm(TfSameDeconv(h, p["up1.weight"], p["up1.bias"]),
                                     p["ln1_gamma"], p["ln1_beta"]));
  h = at::relu(KerasChannelLayerNorm(TfSameDeconv(h, p["up2.weight"], p["up2.bias"]),
                                     p["ln2_gamma"], p["ln2_beta"]));
  at::Tensor ref = at::tanh(TfSameDeconv(h, p["up3.weight"], p["up3.bias"]));
  at::Tensor out = g->forward(z);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));
  EXPECT_TRUE(out.is_contiguous());
  EXPECT_LT((out - ref).abs().max().item<float>(), 1e-5f);
  // Gradients flow to every parameter.
  out.pow(2).sum().backward();
  for (const auto& kv : p) {
    ASSERT_TRUE(kv.value().grad().defined()) << kv.key();
    EXPECT_GT(kv.value().grad().abs().sum().item<float>(), 0.f) << kv.key();
  }
}

TEST(LaschosGeneratorTest, KerasGlorotUniformInitWithZeroBiases) {
  at::manual_seed(4);
  LaschosGenerator g(250);
  auto p = g->named_parameters();
  // glorot_uniform: U[-l, l], l = sqrt(6 / (fan_in + fan_out)), std l / sqrt(3).
  const std::vector<std::pair<std::string, double>> limits = {
      {"fc.weight", std::sqrt(6.0 / (250 + 4096))},
      {"up1.weight", std::sqrt(6.0 / ((256 + 128) * 25))},
      {"up2.weight", std::sqrt(6.0 / ((128 + 64) * 25))},
      {"up3.weight", std::sqrt(6.0 / ((64 + 1) * 25))}};
  for (const auto& [name, limit] : limits) {
    at::Tensor w = p[name];
    EXPECT_LE(w.abs().max().item<double>(), limit * (1 + 1e-6)) << name;
    EXPECT_NEAR(w.std().item<double>(), limit / std::sqrt(3.0), 0.05 * limit) << name;
  }
  for (const char* name : {"fc.bias", "up1.bias", "up2.bias", "up3.bias", "ln0.bias", "ln1_beta",
                           "ln2_beta"}) {
    EXPECT_EQ(p[name].abs().sum().item<float>(), 0.f) << name;
  }
  for (const char* name : {"ln0.weight", "ln1_gamma", "ln2_gamma"}) {
    EXPECT_EQ((p[name] - 1).abs().sum().item<float>(), 0.f) << name;
  }
  // The assigner MLP (DenseCritic.py): the same scheme on every Linear layer.
  Mlp psi(MlpOptions{1024, {512, 512, 512, 512}, 1, Activation::kLeakyReLU, Activation::kNone});
  LaschosGlorotInit(psi);
  for (const torch::nn::Linear& layer : psi->layers()) {
    const double limit = std::sqrt(6.0 / (layer->weight.size(0) + layer->weight.size(1)));
    EXPECT_LE(layer->weight.abs().max().item<double>(), limit * (1 + 1e-6));
    EXPECT_GT(layer->weight.abs().max().item<double>(), 0.9 * limit);
    EXPECT_EQ(layer->bias.abs().sum().item<float>(), 0.f);
  }
}

TEST(LaschosGeneratorTest, ChannelLayerNormIsPerPixelOverChannels) {
  at::manual_seed(5);
  at::Tensor x = at::randn({2, 6, 3, 4}) * 3 + 1;
  at::Tensor g = at::rand({6}) + 0.5, b = at::randn({6});
  at::Tensor y = ChannelLayerNorm(x, g, b);
  EXPECT_LT((y - KerasChannelLayerNorm(x, g, b)).abs().max().item<float>(), 1e-5f);
  // Changing one pixel leaves every other pixel's output unchanged.
  at::Tensor x2 = x.clone();
  x2.select(2, 0).select(2, 0).add_(5);
  at::Tensor d = (ChannelLayerNorm(x2, g, b) - y).abs().sum(1);  // [N, H, W]
  EXPECT_GT(d[0][0][0].item<float>(), 0.f);
  EXPECT_EQ(d.sum().item<float>() - d[0][0][0].item<float>() - d[1][0][0].item<float>(), 0.f);
  EXPECT_THROW(ChannelLayerNorm(x, at::ones({5}), b), c10::Error);
}

}  // namespace
}  // namespace otgan::nn

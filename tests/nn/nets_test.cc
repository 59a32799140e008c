#include <ATen/ATen.h>

#include "gtest/gtest.h"
#include "lib/nn/laschos_nets.h"
#include "lib/nn/mlp.h"
#include "lib/nn/otgan_nets.h"
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

TEST(LayersTest, CReluDoublesChannelsAndKeepsInformation) {
  at::Tensor x = at::randn({3, 4, 5, 5});
  at::Tensor y = CRelu(x);
  EXPECT_EQ(y.size(1), 8);
  EXPECT_TRUE(at::allclose(y.narrow(1, 0, 4) - y.narrow(1, 4, 4), x));
}

TEST(LayersTest, WeightNormStartsAsPlainLayerAndIsScaleInvariantInV) {
  at::manual_seed(2);
  WNLinear l(6, 3);
  auto p = l->named_parameters();
  // g = |v| at initialisation: the effective weight equals v.
  EXPECT_TRUE(at::allclose(l->weight(), p["v"], 1e-5, 1e-6));
  at::Tensor x = at::randn({4, 6});
  at::Tensor before = l->forward(x);
  {
    at::NoGradGuard no_grad;
    p["v"].mul_(3.0);  // w depends on v only through its direction
  }
  EXPECT_TRUE(at::allclose(l->forward(x), before, 1e-5, 1e-5));
}

TEST(LayersTest, WeightNormParametersAreLeavesAnOptimizerAccepts) {
  WNLinear l(6, 3);
  WNConv2d c(2, 4, 5, 2, /*transposed=*/true);
  for (const auto& p : l->parameters()) EXPECT_TRUE(p.is_leaf());
  for (const auto& p : c->parameters()) EXPECT_TRUE(p.is_leaf());
  for (const auto& p : c->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(ImageNetsTest, WganGpShapes) {
  WganGpGenerator g(8);
  WganGpCritic d(8);
  at::Tensor x = g->forward(at::randn({5, 128}));
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
  EXPECT_EQ(d->forward(x).sizes(), (std::vector<int64_t>{5}));
  EXPECT_EQ(d->forward(x.view({5, 784})).sizes(), (std::vector<int64_t>{5}));
}

TEST(ImageNetsTest, OtganShapesAndUnitEmbeddings) {
  OtganGenerator g(16, 10);
  OtganCritic d(16, 32);
  at::Tensor x = g->forward(at::rand({4, 10}) * 2 - 1);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{4, 1, 28, 28}));
  at::Tensor v = d->forward(x);
  EXPECT_EQ(v.sizes(), (std::vector<int64_t>{4, 32}));
  EXPECT_TRUE(at::allclose(v.norm(2, {1}), at::ones({4}), 1e-5, 1e-5));
}

TEST(ImageNetsTest, LaschosGeneratorShapeAndRange) {
  LaschosGenerator g(250);
  at::Tensor x = g->forward(at::randn({3, 250}));
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));
  EXPECT_LE(x.abs().max().item<float>(), 1.f);
}

}  // namespace
}  // namespace otgan::nn

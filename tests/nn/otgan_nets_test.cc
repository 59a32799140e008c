// OT-GAN nets (lib/nn/otgan_nets.h): weight norm and its data-dependent
// initialisation as in openai/ot-gan utils/nn.py, the generator's and critic's
// shapes, ranges and embeddings as in models/dcgan.py.
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include "gtest/gtest.h"
#include "lib/nn/otgan_nets.h"

namespace otgan::nn {
namespace {

TEST(OtganLayersTest, CReluDoublesChannelsAndKeepsInformation) {
  at::Tensor x = at::randn({3, 4, 5, 5});
  at::Tensor y = CRelu(x);
  EXPECT_EQ(y.size(1), 8);
  EXPECT_TRUE(at::allclose(y.narrow(1, 0, 4) - y.narrow(1, 4, 4), x));
}

// Upsample2 is the nearest-neighbour repeat, and its backward sums each 2x2
// block, as autograd of repeat_interleave gives.
TEST(OtganLayersTest, Upsample2RepeatsEachPixelTwiceInBothDims) {
  at::manual_seed(2);
  at::Tensor x = at::randn({2, 3, 4, 5}, at::kDouble).requires_grad_(true);
  at::Tensor y = Upsample2(x);
  const at::Tensor ref = x.repeat_interleave(2, 2).repeat_interleave(2, 3);
  EXPECT_TRUE(at::equal(y, ref));
  at::Tensor g = at::randn(y.sizes(), at::kDouble);
  const at::Tensor dx = torch::autograd::grad({(y * g).sum()}, {x})[0];
  const at::Tensor ref_dx = torch::autograd::grad({(ref * g).sum()}, {x})[0];
  EXPECT_TRUE(at::allclose(dx, ref_dx, 1e-14, 1e-14));
}

TEST(OtganLayersTest, WeightNormStartsWithUnitRowsAndIsScaleInvariantInV) {
  at::manual_seed(2);
  WNLinear l(6, 3);
  auto p = l->named_parameters();
  // The code's variable initialisers: g = 1, b = 0, so every row of w has norm 1.
  EXPECT_TRUE(at::allclose(l->weight().norm(2, {1}), at::ones({3}), 1e-5, 1e-6));
  EXPECT_EQ(p["b"].abs().sum().item<float>(), 0.f);
  // v ~ N(0, 0.05^2).
  WNLinear big(400, 400);
  const double sd = big->named_parameters()["v"].std().item<double>();
  EXPECT_NEAR(sd, 0.05, 0.002);
  at::Tensor x = at::randn({4, 6});
  at::Tensor before = l->forward(x);
  {
    at::NoGradGuard no_grad;
    p["v"].mul_(3.0);  // w depends on v only through its direction
  }
  EXPECT_TRUE(at::allclose(l->forward(x), before, 1e-5, 1e-5));
}

TEST(OtganLayersTest, DataInitStandardisesEachUnitOnTheInitBatch) {
  at::manual_seed(3);
  WNLinear l(5, 4);
  at::Tensor x = at::randn({200, 5}) * 3 + 1;
  at::Tensor y = l->DataInit(x, /*init_scale=*/0.5);
  // The returned output is what forward now gives on the same batch.
  EXPECT_TRUE(at::allclose(y, l->forward(x), 1e-4, 1e-5));
  EXPECT_TRUE(at::allclose(y.mean(0), at::zeros({4}), 1e-4, 1e-4));
  // tf.nn.moments: the biased variance.
  EXPECT_TRUE(at::allclose(y.var(0, /*unbiased=*/false), at::full({4}, 0.25), 1e-4, 1e-4));

  WNConv2d c(2, 3, 5, 2);
  at::Tensor img = at::rand({16, 2, 28, 28}) * 2 - 5;
  at::Tensor out = c->DataInit(img);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{16, 3, 14, 14}));
  EXPECT_TRUE(at::allclose(out, c->forward(img), 1e-4, 1e-4));
  at::Tensor per_unit = out.transpose(0, 1).reshape({3, -1});
  EXPECT_TRUE(at::allclose(per_unit.mean(1), at::zeros({3}), 1e-4, 1e-4));
  EXPECT_TRUE(at::allclose(per_unit.var(1, /*unbiased=*/false), at::ones({3}), 1e-3, 1e-3));
}

TEST(OtganLayersTest, ConvUsesTensorFlowSamePadding) {
  // A single 5x5 stride-2 kernel picking the centre tap: TF SAME pads 1 before,
  // 2 after on 28, so output (i, j) reads input (2i + 1, 2j + 1).
  WNConv2d c(1, 1, 5, 2);
  {
    at::NoGradGuard no_grad;
    auto p = c->named_parameters();
    p["v"].zero_();
    p["v"].index_put_({0, 0, 2, 2}, 1.0);
  }
  at::Tensor x = at::arange(28 * 28, at::kFloat).view({1, 1, 28, 28});
  at::Tensor y = c->forward(x);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{1, 1, 14, 14}));
  EXPECT_FLOAT_EQ(y[0][0][0][0].item<float>(), x[0][0][1][1].item<float>());
  EXPECT_FLOAT_EQ(y[0][0][3][5].item<float>(), x[0][0][7][11].item<float>());
}

TEST(OtganNetsTest, GeneratorShapesRangeAndInitPass) {
  at::manual_seed(4);
  OtganGenerator g(16, 10);
  at::Tensor z = at::rand({64, 10}) * 2 - 1;
  at::Tensor x0 = g->forward(z);
  EXPECT_EQ(x0.sizes(), (std::vector<int64_t>{64, 1, 28, 28}));
  EXPECT_LT(x0.abs().max().item<float>(), 1.f);
  at::Tensor xi = g->DataInit(z);
  EXPECT_TRUE(at::allclose(xi, g->forward(z), 1e-4, 1e-5));
  // init_scale 0.1 on the output conv: pre-tanh std 0.1, so outputs are small.
  EXPECT_NEAR(at::atanh(xi).std().item<double>(), 0.1, 0.01);
  // The parameters remain leaves an optimiser can update.
  for (const auto& p : g->parameters()) {
    EXPECT_TRUE(p.is_leaf());
    EXPECT_TRUE(p.requires_grad());
  }
}

TEST(OtganNetsTest, CriticEmbeddingIsNonNegativeUnitAndCosineCostInUnitInterval) {
  at::manual_seed(5);
  OtganCritic d(16);
  at::Tensor x = at::rand({6, 1, 28, 28}) * 2 - 1;
  d->DataInit(x);
  at::Tensor e = d->forward(x);
  EXPECT_EQ(e.sizes(), (std::vector<int64_t>{6, d->embed_size()}));
  EXPECT_EQ(d->embed_size(), 2 * 16 * 49);
  EXPECT_GE(e.min().item<float>(), 0.f);
  EXPECT_TRUE(at::allclose(e.norm(2, {1}), at::ones({6}), 1e-5, 1e-5));
  at::Tensor cost = 1 - at::mm(e, e.t());
  EXPECT_GE(cost.min().item<float>(), -1e-5f);
  EXPECT_LE(cost.max().item<float>(), 1.f + 1e-5f);
  EXPECT_TRUE(at::allclose(d->forward(x.view({6, 784})), e));
}

TEST(OtganNetsTest, CloneGivesAnIndependentCopy) {
  OtganGenerator g(8, 4);
  auto c = std::dynamic_pointer_cast<OtganGeneratorImpl>(g->clone());
  ASSERT_NE(c, nullptr);
  at::Tensor z = at::rand({3, 4});
  EXPECT_TRUE(at::allclose(c->forward(z), g->forward(z)));
  {
    at::NoGradGuard no_grad;
    for (auto& p : g->parameters()) p.add_(0.5);
  }
  EXPECT_FALSE(at::allclose(c->forward(z), g->forward(z)));
}

}  // namespace
}  // namespace otgan::nn

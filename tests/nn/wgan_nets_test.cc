// The WGAN-GP MNIST nets' options: tflib initialisation (weight spreads equal
// tflib's formulas), batch norm as gan_mnist.py's MODE='wgan' uses it, and
// TensorFlow's SAME padding.
#include <cmath>
#include <string>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "gtest/gtest.h"
#include "lib/nn/wgan_nets.h"
#include "lib/train/losses.h"

namespace otgan::nn {
namespace {

// Sample standard deviation of `t` within 5% of `want`.
void ExpectStd(const at::Tensor& t, double want, const std::string& name) {
  const double got = t.std().item<double>();
  EXPECT_NEAR(got / want, 1.0, 0.05) << name << ": std " << got << ", tflib formula " << want;
}

TEST(WganNetsTest, TflibInitMatchesTheFormulas) {
  at::manual_seed(0);
  WganGpGenerator g(64, 128, /*batch_norm=*/true);
  WganGpCritic d(64, /*batch_norm=*/true);
  g->InitTflib();
  d->InitTflib();
  auto gp = g->named_parameters();
  auto dp = d->named_parameters();
  // linear.py glorot: sqrt(2 / (in + out)).
  ExpectStd(gp["fc.weight"], std::sqrt(2.0 / (128 + 4096)), "G fc");
  ExpectStd(dp["fc.weight"], std::sqrt(2.0 / (4096 + 1)), "D fc");
  // deconv2d.py: sqrt(4 / (in k^2 / 4 + out k^2)).
  ExpectStd(gp["up1.weight"], std::sqrt(4.0 / (256 * 25 / 4.0 + 128 * 25)), "G up1");
  ExpectStd(gp["up2.weight"], std::sqrt(4.0 / (128 * 25 / 4.0 + 64 * 25)), "G up2");
  ExpectStd(gp["up3.weight"], std::sqrt(4.0 / (64 * 25 / 4.0 + 1 * 25)), "G up3");
  // conv2d.py: sqrt(4 / (in k^2 + out k^2 / 4)).
  ExpectStd(dp["c1.weight"], std::sqrt(4.0 / (1 * 25 + 64 * 25 / 4.0)), "D c1");
  ExpectStd(dp["c2.weight"], std::sqrt(4.0 / (64 * 25 + 128 * 25 / 4.0)), "D c2");
  ExpectStd(dp["c3.weight"], std::sqrt(4.0 / (128 * 25 + 256 * 25 / 4.0)), "D c3");
  for (const auto* params : {&gp, &dp}) {
    for (const auto& p : *params) {
      const std::string& key = p.key();
      if (key.size() > 5 && key.substr(key.size() - 5) == ".bias") {
        EXPECT_EQ(p.value().abs().max().item<float>(), 0.f) << key << " is not zero";
      }
      if (key.rfind("bn", 0) == 0 && key.find(".weight") != std::string::npos) {
        EXPECT_TRUE(at::all(p.value() == 1).item<bool>()) << key;
      }
    }
  }
}

// LibTorch's own ConvTranspose2d init reads fan-in from the output channels
// (weight [in, out, k, k]): for up1 (256 -> 128) its weights are ~2.8x
// smaller than tflib's (for up3, 64 -> 1, ~1.2x larger), so the test above
// can fail.
TEST(WganNetsTest, TorchDefaultInitDiffersFromTflib) {
  at::manual_seed(0);
  WganGpGenerator g(64, 128);
  auto p = g->named_parameters();
  const double tflib_up1 = std::sqrt(4.0 / (256 * 25 / 4.0 + 128 * 25));
  EXPECT_LT(p["up1.weight"].std().item<double>(), 0.5 * tflib_up1);
}

TEST(WganNetsTest, ShapesWithAndWithoutBatchNorm) {
  for (bool bn : {false, true}) {
    WganGpGenerator g(8, 128, bn);
    WganGpCritic d(8, bn);
    at::Tensor x = g->forward(at::randn({5, 128}));
    EXPECT_EQ(x.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
    EXPECT_EQ(d->forward(x).sizes(), (std::vector<int64_t>{5}));
    EXPECT_EQ(d->forward(x.view({5, 784})).sizes(), (std::vector<int64_t>{5}));
    EXPECT_EQ(g->named_parameters().contains("bn1.weight"), bn);
    EXPECT_EQ(d->named_parameters().contains("bn3.bias"), bn);
    EXPECT_TRUE(d->named_buffers().is_empty()) << "no running statistics are kept";
  }
}

// tflib's Batchnorm as gan_mnist.py calls it normalises by the batch's own
// statistics always: a sample's output depends on the rest of its batch, in
// train() and eval() mode alike; without batch norm it does not.
TEST(WganNetsTest, BatchNormUsesBatchStatisticsAlways) {
  torch::NoGradGuard no_grad;
  at::manual_seed(1);
  at::Tensor z = at::randn({6, 128});
  at::Tensor z2 = z.clone();
  z2.narrow(0, 1, 5).normal_();
  for (bool bn : {false, true}) {
    WganGpGenerator g(8, 128, bn);
    g->InitTflib();
    for (bool train : {true, false}) {
      g->train(train);
      const bool same = at::allclose(g->forward(z)[0], g->forward(z2)[0], 1e-5, 1e-6);
      EXPECT_EQ(same, !bn) << "batch_norm " << bn << " train " << train;
    }
  }
}

// gan_mnist.py clips every Discriminator parameter, batch norm's scale and
// offset included.
TEST(WganNetsTest, ClipWeightsCoversCriticBatchNorm) {
  WganGpCritic d(8, /*batch_norm=*/true);
  d->InitTflib();
  train::ClipWeights(*d, 0.01);
  auto p = d->named_parameters();
  EXPECT_TRUE(at::all(p["bn2.weight"] == 0.01f).item<bool>());
  EXPECT_TRUE(at::all(p["bn3.weight"] == 0.01f).item<bool>());
}

// TensorFlow's SAME padding of a 5x5 stride-2 conv on 28x28 pads 1 before and
// 2 after: with a critic whose first conv is a single tap at (0, 0), output
// pixel (i, j) of c1, i, j in 0..13, reads input (2i - 1, 2j - 1). Checked
// through the gradient of the critic's output w.r.t. its input: rows/cols
// 1, 3, ..., 25 receive gradient, even ones (and 27) none.
TEST(WganNetsTest, CriticConvUsesTensorFlowSamePadding) {
  WganGpCritic d(1);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : d->parameters()) p.fill_(1.0);
    at::Tensor w = d->named_parameters()["c1.weight"];
    w.zero_();
    w[0][0][0][0] = 1.0;  // tap (0, 0)
  }
  at::Tensor x = at::rand({1, 1, 28, 28}).requires_grad_(true);
  d->forward(x).sum().backward();
  at::Tensor touched = (x.grad()[0][0] != 0);
  // LibTorch padding 2 would read even rows 2i - 2; TF reads odd rows 2i - 1.
  EXPECT_FALSE(at::any(touched.index({at::indexing::Slice(0, 28, 2)})).item<bool>());
  EXPECT_TRUE(at::all(touched.index({at::indexing::Slice(1, 27, 2), at::indexing::Slice(1, 27, 2)}))
                  .item<bool>());
  EXPECT_FALSE(at::any(touched[27]).item<bool>());
}

// The generator's deconvs are TF's conv2d_transpose (SAME, stride 2): the
// adjoint of a SAME conv, which puts input pixel i's centre tap (2) at output
// 2i - 1 + 2 = 2i + 1. With up3 a single centre tap on channel 0 and a
// constant 14x14 input, only odd output rows/cols get signal.
TEST(WganNetsTest, GeneratorDeconvIsTensorFlowSameTranspose) {
  torch::NoGradGuard no_grad;
  WganGpGenerator g(1, 4);
  auto p = g->named_parameters();
  for (auto& t : g->parameters()) t.zero_();
  // up2's bias alone makes every 14x14 pixel 1; up3's centre tap then lands
  // on odd rows/cols only if the padding is TF's (LibTorch padding 2 would
  // land on even ones).
  p["up2.bias"].fill_(1.0);
  p["up3.weight"].index_put_({0, 0, 2, 2}, 5.0);
  at::Tensor out = g->forward(at::zeros({1, 4}))[0][0];  // sigmoid outputs, 28x28
  at::Tensor odd = out.index({at::indexing::Slice(1, 28, 2), at::indexing::Slice(1, 28, 2)});
  at::Tensor even = out.index({at::indexing::Slice(0, 28, 2)});
  EXPECT_TRUE(at::all(odd > 0.9).item<bool>()) << odd;
  EXPECT_TRUE(at::allclose(even, at::full_like(even, 0.5))) << even;
}

}  // namespace
}  // namespace otgan::nn

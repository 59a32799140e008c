// Initialised weight statistics against the schemes' formulas (lib/nn/init.h).
#include "lib/nn/init.h"

#include <cmath>

#include <ATen/ATen.h>

#include "gtest/gtest.h"

namespace otgan::nn {
namespace {

// Standard deviation and max |w| of a large uniform draw: stdev within 2%,
// support within the limit stdev * sqrt(3).
void ExpectUniform(const at::Tensor& w, double stdev) {
  const double sd = w.std().item<double>();
  EXPECT_NEAR(sd, stdev, 0.02 * stdev);
  EXPECT_LE(w.abs().max().item<double>(), stdev * std::sqrt(3.0) * (1 + 1e-6));
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.05 * stdev);
}

TEST(InitTest, FansReadTheRightDims) {
  at::Tensor conv = at::empty({8, 3, 5, 5});
  Fans f = FansOf(conv, Layout::kConv);
  EXPECT_DOUBLE_EQ(f.in, 3 * 25);
  EXPECT_DOUBLE_EQ(f.out, 8 * 25);
  // ConvTranspose2d stores [in, out, k, k]: the fan-in is dim 0 (PyTorch reads dim 1).
  at::Tensor deconv = at::empty({256, 128, 5, 5});
  f = FansOf(deconv, Layout::kConvTranspose);
  EXPECT_DOUBLE_EQ(f.in, 256 * 25);
  EXPECT_DOUBLE_EQ(f.out, 128 * 25);
  f = FansOf(at::empty({10, 20}), Layout::kLinear);
  EXPECT_DOUBLE_EQ(f.in, 20);
  EXPECT_DOUBLE_EQ(f.out, 10);
}

TEST(InitTest, TflibLinearGlorotAndHe) {
  at::manual_seed(1);
  at::Tensor w = at::empty({1024, 128});
  at::Tensor b = at::ones({1024});
  TflibLinear(w, b, TflibLinearKind::kGlorot);
  ExpectUniform(w, std::sqrt(2.0 / (128 + 1024)));
  EXPECT_EQ(b.abs().max().item<float>(), 0.0f);
  TflibLinear(w, b, TflibLinearKind::kHe);
  ExpectUniform(w, std::sqrt(2.0 / 128));
}

TEST(InitTest, TflibConvAndDeconvStdevs) {
  at::manual_seed(2);
  // Conv2D('Discriminator.2', 64, 128, 5, stride=2): fan_in 64*25, fan_out 128*25/4.
  at::Tensor w = at::empty({128, 64, 5, 5});
  at::Tensor b = at::randn({128});
  TflibConv(w, b, 2, /*transposed=*/false);
  ExpectUniform(w, std::sqrt(4.0 / (64 * 25 + 128 * 25 / 4.0)));
  EXPECT_EQ(b.abs().max().item<float>(), 0.0f);
  // Deconv2D('Generator.2', 256, 128, 5): fan_in 256*25/4, fan_out 128*25,
  // in LibTorch's [in, out, k, k] layout.
  at::Tensor d = at::empty({256, 128, 5, 5});
  TflibConv(d, at::Tensor(), 2, /*transposed=*/true);
  ExpectUniform(d, std::sqrt(4.0 / (256 * 25 / 4.0 + 128 * 25)));
}

TEST(InitTest, GlorotUniformLimit) {
  at::manual_seed(3);
  at::Tensor w = at::empty({128, 256, 5, 5});  // ConvTranspose2d(128 -> 256): [in, out, k, k]
  at::Tensor b = at::ones({256});
  GlorotUniform(w, b, Layout::kConvTranspose);
  const double limit = std::sqrt(6.0 / (128 * 25 + 256 * 25));
  ExpectUniform(w, limit / std::sqrt(3.0));
  EXPECT_EQ(b.abs().max().item<float>(), 0.0f);
}

TEST(InitTest, ParametersStayLeavesWithGrad) {
  at::Tensor w = at::empty({4, 4}).requires_grad_(true);
  TflibLinear(w, at::Tensor(), TflibLinearKind::kGlorot);
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(w.requires_grad());
}

}  // namespace
}  // namespace otgan::nn

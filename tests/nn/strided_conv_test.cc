#include "lib/nn/strided_conv.h"

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include "gtest/gtest.h"

namespace otgan::nn {
namespace {

struct Case {
  int64_t n, in, out, h, w, k, sy, sx, py, px;
};

// The shapes our nets use (OT-GAN's critic on TF-"SAME"-padded maps, WGAN-GP's
// critic 5x5 / 2 with padding 2) and a few odd ones: sizes the stride does not
// divide, unequal strides, padding 0.
const std::vector<Case> kCases = {
    {3, 8, 16, 31, 31, 5, 2, 2, 0, 0},  // OT-GAN critic c1: 28 padded 1 + 2
    {3, 16, 8, 17, 17, 5, 2, 2, 0, 0},  // c2: 14 padded
    {2, 1, 8, 28, 28, 5, 2, 2, 2, 2},   // WGAN-GP critic's first layer
    {2, 4, 6, 7, 9, 5, 2, 2, 2, 2},     // odd sizes: output_padding 0 and 1
    {2, 3, 5, 10, 11, 4, 2, 3, 1, 0},   // unequal strides and paddings
    {2, 3, 5, 9, 9, 3, 3, 3, 1, 1},
};

double RelErr(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-12);
}

TEST(StridedConv2dTest, ValuesAndGradientsMatchConv2d) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(::testing::Message()
                 << "in " << c.in << " out " << c.out << " " << c.h << "x" << c.w << " k " << c.k
                 << " stride " << c.sy << "," << c.sx << " pad " << c.py << "," << c.px);
    torch::manual_seed(7);
    const at::Tensor x0 = at::randn({c.n, c.in, c.h, c.w});
    const at::Tensor w0 = at::randn({c.out, c.in, c.k, c.k}) * 0.2;
    const at::Tensor b0 = at::randn({c.out});
    auto run = [&](bool fast) {
      at::Tensor x = x0.clone().requires_grad_(true);
      at::Tensor w = w0.clone().requires_grad_(true);
      at::Tensor b = b0.clone().requires_grad_(true);
      at::Tensor y = fast ? StridedConv2d(x, w, b, {c.sy, c.sx}, {c.py, c.px})
                          : at::conv2d(x, w, b, {c.sy, c.sx}, {c.py, c.px});
      torch::manual_seed(8);
      const at::Tensor r = at::randn(y.sizes());
      (y * r).sum().backward();
      return std::vector<at::Tensor>{y.detach(), x.grad(), w.grad(), b.grad()};
    };
    const std::vector<at::Tensor> fast = run(true), ref = run(false);
    ASSERT_EQ(fast[0].sizes(), ref[0].sizes());
    const char* names[] = {"output", "input gradient", "weight gradient", "bias gradient"};
    for (int i = 0; i < 4; ++i) {
      ASSERT_EQ(fast[i].sizes(), ref[i].sizes()) << names[i];
      EXPECT_LT(RelErr(fast[i], ref[i]), 1e-5) << names[i];
    }
  }
}

// A gradient penalty differentiates the input gradient again: the weight
// gradient of |d/dx <y, r>|^2 must match conv2d's.
TEST(StridedConv2dTest, DoubleBackwardMatchesConv2d) {
  for (const Case& c : {kCases[2], kCases[3]}) {
    torch::manual_seed(9);
    const at::Tensor x0 = at::randn({c.n, c.in, c.h, c.w});
    const at::Tensor w0 = at::randn({c.out, c.in, c.k, c.k}) * 0.2;
    auto run = [&](bool fast) {
      at::Tensor x = x0.clone().requires_grad_(true);
      at::Tensor w = w0.clone().requires_grad_(true);
      at::Tensor y = fast ? StridedConv2d(x, w, {}, {c.sy, c.sx}, {c.py, c.px})
                          : at::conv2d(x, w, {}, {c.sy, c.sx}, {c.py, c.px});
      const at::Tensor gx = torch::autograd::grad({at::tanh(y).sum()}, {x}, {}, true, true)[0];
      gx.pow(2).sum().backward();
      return std::vector<at::Tensor>{gx.detach(), w.grad()};
    };
    const std::vector<at::Tensor> fast = run(true), ref = run(false);
    EXPECT_LT(RelErr(fast[0], ref[0]), 1e-5) << "input gradient";
    ASSERT_TRUE(fast[1].defined());
    EXPECT_LT(RelErr(fast[1], ref[1]), 1e-4) << "weight gradient of the penalty";
  }
}

TEST(StridedConv2dTest, StrideOneIsConv2dAndBadShapesThrow) {
  const at::Tensor x = at::randn({2, 3, 8, 8}), w = at::randn({4, 3, 3, 3});
  EXPECT_TRUE(at::equal(StridedConv2d(x, w, {}, {1, 1}, {1, 1}), at::conv2d(x, w, {}, 1, 1)));
  EXPECT_THROW(StridedConv2d(x, at::randn({4, 2, 3, 3}), {}, {2, 2}, {1, 1}), c10::Error);
  EXPECT_THROW(StridedConv2d(x.view({6, 8, 8}), w, {}, {2, 2}, {1, 1}), c10::Error);
  EXPECT_THROW(StridedConv2d(x, w, {}, {2}, {1, 1}), c10::Error);
}

// Under CPU autocast to bf16 (--precision=bf16) the layer computes in bf16
// like at::conv2d under the same autocast (bias included: its output stays
// bf16), and its gradients come back in the fp32 dtypes of x, the weight and
// the bias (a bf16 gradient against the fp32 weight made the backward throw
// before).
TEST(StridedConv2dTest, UnderBf16AutocastMatchesConv2dAndReturnsFp32Gradients) {
  const Case c = kCases[0];
  torch::manual_seed(8);
  const at::Tensor x0 = at::randn({c.n, c.in, c.h, c.w});
  const at::Tensor w0 = at::randn({c.out, c.in, c.k, c.k}) * 0.1;
  const at::Tensor b0 = at::randn({c.out});
  const at::Tensor g = at::randn({c.n, c.out, (c.h - c.k) / c.sy + 1, (c.w - c.k) / c.sx + 1});
  at::Tensor out[2], gx[2], gw[2], gb[2];
  for (int k = 0; k < 2; ++k) {
    at::Tensor x = x0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true);
    at::Tensor b = b0.clone().requires_grad_(true);
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    out[k] = k == 0 ? StridedConv2d(x, w, b, {c.sy, c.sx}, {c.py, c.px})
                    : at::conv2d(x, w, b, {c.sy, c.sx}, {c.py, c.px});
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
    EXPECT_EQ(out[k].scalar_type(), at::kBFloat16);
    out[k].backward(g.to(at::kBFloat16));
    ASSERT_EQ(x.grad().scalar_type(), at::kFloat);
    ASSERT_EQ(w.grad().scalar_type(), at::kFloat);
    ASSERT_EQ(b.grad().scalar_type(), at::kFloat);
    gx[k] = x.grad();
    gw[k] = w.grad();
    gb[k] = b.grad();
  }
  EXPECT_LT(RelErr(out[0].to(at::kFloat), out[1].to(at::kFloat)), 2e-2);
  EXPECT_LT(RelErr(gx[0], gx[1]), 2e-2);
  EXPECT_LT(RelErr(gw[0], gw[1]), 2e-2);
  EXPECT_LT(RelErr(gb[0], gb[1]), 2e-2);
}

}  // namespace
}  // namespace otgan::nn

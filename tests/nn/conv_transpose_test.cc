#include "lib/nn/conv_transpose.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/nn/modules/conv.h>

namespace otgan::nn {
namespace {

struct Case {
  int64_t n, in, out, h, w, kh, kw, sy, sx, py, px, opy, opx;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.in << "->" << c.out << " at " << c.h << "x" << c.w << " k" << c.kh << "x" << c.kw
      << " s" << c.sy << "," << c.sx << " p" << c.py << "," << c.px << " op" << c.opy << ","
      << c.opx;
}

// Max |a - b| relative to max |b| (plus a floor), fp32 tolerance.
void ExpectClose(const at::Tensor& a, const at::Tensor& b, const char* what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double scale = b.abs().max().item<double>() + 1e-6;
  const double err = (a - b).abs().max().item<double>();
  EXPECT_LT(err / scale, 2e-5) << what << ": max abs error " << err << ", scale " << scale;
}

class PolyphaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(PolyphaseTest, ForwardAndGradientsMatchConvTranspose2d) {
  const Case c = GetParam();
  at::manual_seed(7);
  at::Tensor x = at::randn({c.n, c.in, c.h, c.w}).requires_grad_(true);
  at::Tensor w = at::randn({c.in, c.out, c.kh, c.kw}).requires_grad_(true);
  at::Tensor b = at::randn({c.out}).requires_grad_(true);
  const std::vector<int64_t> s = {c.sy, c.sx}, p = {c.py, c.px}, op = {c.opy, c.opx};

  at::Tensor ref = at::conv_transpose2d(x, w, b, s, p, op);
  at::Tensor got = PolyphaseConvTranspose2d(x, w, b, s, p, op);
  ExpectClose(got, ref, "output");

  // A non-uniform upstream gradient exercises every output pixel differently.
  at::Tensor g = at::randn(ref.sizes());
  auto gref = torch::autograd::grad({ref}, {x, w, b}, {g});
  auto ggot = torch::autograd::grad({got}, {x, w, b}, {g});
  ExpectClose(ggot[0], gref[0], "grad input");
  ExpectClose(ggot[1], gref[1], "grad weight");
  ExpectClose(ggot[2], gref[2], "grad bias");
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, PolyphaseTest,
    ::testing::Values(
        // k5 s2 p2 op1: the WGAN-GP (4x4, 7x7, 14x14) and Laschos (4x4, 8x8, 16x16) layers.
        Case{3, 256, 128, 4, 4, 5, 5, 2, 2, 2, 2, 1, 1},
        Case{3, 128, 64, 7, 7, 5, 5, 2, 2, 2, 2, 1, 1},
        Case{3, 128, 64, 8, 8, 5, 5, 2, 2, 2, 2, 1, 1},
        Case{3, 64, 1, 14, 14, 5, 5, 2, 2, 2, 2, 1, 1},
        Case{3, 64, 1, 16, 16, 5, 5, 2, 2, 2, 2, 1, 1},
        // k5 s2 p1 op0 (2H + 1 outputs): the TF-SAME adjoint lib/nn/wgan_nets and
        // laschos_nets use, at their sizes.
        Case{3, 256, 128, 4, 4, 5, 5, 2, 2, 1, 1, 0, 0},
        Case{3, 128, 64, 7, 7, 5, 5, 2, 2, 1, 1, 0, 0},
        Case{3, 64, 1, 16, 16, 5, 5, 2, 2, 1, 1, 0, 0},
        // DCGAN's k4 s2 p1, no output padding.
        Case{2, 8, 5, 5, 5, 4, 4, 2, 2, 1, 1, 0, 0},
        // Stride 1 (a plain correlation with the flipped kernel).
        Case{2, 6, 4, 6, 5, 3, 3, 1, 1, 1, 1, 0, 0},
        // k3 s2 p1 op1; k5 s2 p0 op0 (output larger than 2H: right padding > left).
        Case{2, 6, 4, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1},
        Case{2, 6, 4, 5, 5, 5, 5, 2, 2, 0, 0, 0, 0},
        // Large padding (cropped input, m_min > 0), stride 3, non-square everything.
        Case{2, 5, 3, 6, 7, 5, 5, 2, 2, 4, 3, 1, 0},
        Case{2, 5, 3, 4, 5, 4, 7, 3, 2, 1, 2, 2, 1},
        // Kernel smaller than the stride (some phases have no tap at all).
        Case{2, 4, 3, 4, 4, 2, 2, 3, 3, 0, 0, 1, 2}));

// A gradient penalty through the layer: d/dw || d<y, g>/dx ||^2 needs the
// double backward, which must equal LibTorch's.
TEST(PolyphaseDoubleBackward, GradientPenaltyWeightGradientMatches) {
  at::manual_seed(11);
  at::Tensor x = at::randn({4, 16, 7, 7}).requires_grad_(true);
  at::Tensor w = at::randn({16, 8, 5, 5}).requires_grad_(true);
  at::Tensor b = at::randn({8}).requires_grad_(true);
  at::Tensor g = at::randn({4, 8, 14, 14});
  auto penalty_grad = [&](bool poly) {
    at::Tensor y = poly ? PolyphaseConvTranspose2d(x, w, b, {2, 2}, {2, 2}, {1, 1})
                        : at::conv_transpose2d(x, w, b, {2, 2}, {2, 2}, {1, 1});
    // A nonlinearity makes the penalty depend on w through the second derivative.
    at::Tensor out = (at::tanh(y) * g).sum();
    at::Tensor dx = torch::autograd::grad({out}, {x}, {}, /*retain_graph=*/true,
                                          /*create_graph=*/true)[0];
    at::Tensor gp = (dx.flatten(1).norm(2, 1) - 1).pow(2).mean();
    return torch::autograd::grad({gp}, {w, b});
  };
  auto ref = penalty_grad(false);
  auto got = penalty_grad(true);
  ExpectClose(got[0], ref[0], "penalty grad weight");
  ExpectClose(got[1], ref[1], "penalty grad bias");
}

TEST(FastConvTranspose2d, SameParametersAndOutputAsTorchModule) {
  auto opts = torch::nn::ConvTranspose2dOptions(12, 6, 5).stride(2).padding(2).output_padding(1);
  at::manual_seed(3);
  torch::nn::ConvTranspose2d plain(opts);
  const at::Tensor after_plain = at::randn({4});
  at::manual_seed(3);
  FastConvTranspose2d fast(opts);
  const at::Tensor after_fast = at::randn({4});
  // Both constructions left the default generator in the same state.
  EXPECT_TRUE(at::equal(after_plain, after_fast));
  // Same names, shapes and values (same initialisation draws).
  auto pp = plain->named_parameters();
  auto fp = fast->named_parameters();
  ASSERT_EQ(pp.size(), fp.size());
  for (const auto& item : pp) {
    const at::Tensor* f = fp.find(item.key());
    ASSERT_NE(f, nullptr) << item.key();
    EXPECT_TRUE(at::equal(*f, item.value())) << item.key();
  }
  at::manual_seed(5);
  at::Tensor x = at::randn({2, 12, 7, 7});
  ExpectClose(fast->forward(x), plain->forward(x), "module output");
}

TEST(FastConvTranspose2d, CroppedForwardEqualsCroppedOutputAndGradients) {
  auto opts = torch::nn::ConvTranspose2dOptions(16, 8, 5).stride(2).padding(1);
  at::manual_seed(9);
  FastConvTranspose2d fast(opts);
  for (int64_t hw : {4, 7}) {
    at::Tensor x = at::randn({3, 16, hw, hw}).requires_grad_(true);
    at::Tensor ref = at::conv_transpose2d(x, fast->weight, fast->bias, {2, 2}, {1, 1}, {0, 0})
                         .narrow(2, 0, 2 * hw)
                         .narrow(3, 0, 2 * hw - 1);
    at::Tensor got = fast->ForwardCropped(x, 2 * hw, 2 * hw - 1);
    ExpectClose(got, ref, "cropped output");
    at::Tensor g = at::randn(ref.sizes());
    auto gref = torch::autograd::grad({ref}, {x, fast->weight, fast->bias}, {g});
    auto ggot = torch::autograd::grad({got}, {x, fast->weight, fast->bias}, {g});
    for (int i = 0; i < 3; ++i) ExpectClose(ggot[i], gref[i], "cropped gradient");
  }
  at::Tensor x = at::randn({1, 16, 4, 4});
  EXPECT_EQ(fast->ForwardCropped(x, 0, 0).sizes(), fast->forward(x).sizes());
  EXPECT_EQ(fast->ForwardCropped(x, 100, 100).sizes(), fast->forward(x).sizes());
}

TEST(FastConvTranspose2d, GroupsAndDilationFallBackCorrectly) {
  auto opts = torch::nn::ConvTranspose2dOptions(4, 6, 3).stride(2).groups(2).dilation(2);
  at::manual_seed(3);
  FastConvTranspose2d fast(opts);
  at::Tensor x = at::randn({2, 4, 5, 5});
  at::Tensor ref = at::conv_transpose2d(x, fast->weight, fast->bias, {2, 2}, {0, 0}, {0, 0}, 2,
                                        {2, 2});
  ExpectClose(fast->forward(x), ref, "fallback output");
}

TEST(FastConvTranspose2d, NoBias) {
  auto opts = torch::nn::ConvTranspose2dOptions(4, 3, 4).stride(2).padding(1).bias(false);
  FastConvTranspose2d fast(opts);
  EXPECT_FALSE(fast->bias.defined());
  EXPECT_EQ(fast->parameters().size(), 1u);
  at::Tensor x = at::randn({2, 4, 5, 5});
  ExpectClose(fast->forward(x),
              at::conv_transpose2d(x, fast->weight, {}, {2, 2}, {1, 1}, {0, 0}), "no bias");
}

TEST(PolyphaseConvTranspose2d, RejectsMismatchedChannels) {
  at::Tensor x = at::randn({1, 3, 4, 4});
  at::Tensor w = at::randn({4, 2, 5, 5});
  EXPECT_THROW(PolyphaseConvTranspose2d(x, w, {}, {2, 2}, {2, 2}, {1, 1}), c10::Error);
}

}  // namespace
}  // namespace otgan::nn

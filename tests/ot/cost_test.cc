#include "lib/ot/cost.h"

#include <cmath>
#include <vector>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

#include "gtest/gtest.h"

namespace otgan::ot {
namespace {

at::TensorOptions Double() { return at::TensorOptions().dtype(at::kDouble); }

double BruteCost(const at::Tensor& x, const at::Tensor& y, int64_t i, int64_t j, CostKind kind) {
  auto xa = x.accessor<double, 2>();
  auto ya = y.accessor<double, 2>();
  double d2 = 0, xy = 0, xx = 0, yy = 0;
  for (int64_t k = 0; k < x.size(1); ++k) {
    d2 += (xa[i][k] - ya[j][k]) * (xa[i][k] - ya[j][k]);
    xy += xa[i][k] * ya[j][k];
    xx += xa[i][k] * xa[i][k];
    yy += ya[j][k] * ya[j][k];
  }
  switch (kind) {
    case CostKind::kSqEuclidean:
      return d2;
    case CostKind::kEuclidean:
      return std::sqrt(d2);
    case CostKind::kCosine:
      return 1 - xy / std::sqrt(xx * yy);
    case CostKind::kCosineOfUnitRows:
      return 1 - xy;
  }
  return NAN;
}

TEST(CostTest, ParseCostKindRoundTripsAndRejectsUnknown) {
  for (const char* name : {"sqeuclidean", "euclidean", "cosine"}) {
    auto kind = ParseCostKind(name);
    ASSERT_TRUE(kind.ok()) << name;
    EXPECT_EQ(CostKindName(*kind), name);
  }
  auto bad = ParseCostKind("manhattan");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("manhattan"), std::string::npos);
}

// UnitRows' hand-written backward against autograd of the formula it
// replaces, v * rsqrt(max(sum v^2, 1e-20)): values, gradients, a zero row (the
// clamp) and, for double backward, the gradient of <dv, w> with respect to v.
TEST(CostTest, UnitRowsEqualsTheAutogradFormulaInValueGradientAndDoubleBackward) {
  at::manual_seed(3);
  auto formula = [](const at::Tensor& v) {
    return v * (v * v).sum(-1, /*keepdim=*/true).clamp_min(1e-20).rsqrt();
  };
  for (const std::vector<int64_t>& shape :
       {std::vector<int64_t>{7, 5}, std::vector<int64_t>{2, 6, 4}}) {
    at::Tensor v0 = at::randn(shape, Double());
    v0.select(-2, 1).zero_();  // a zero row: below the clamp
    at::Tensor du = at::randn(shape, Double());
    at::Tensor w = at::randn(shape, Double());
    at::Tensor grads[2], second[2];
    for (int k = 0; k < 2; ++k) {
      at::Tensor v = v0.clone().requires_grad_(true);
      at::Tensor u = k == 0 ? UnitRows(v) : formula(v);
      if (k == 0) {
        ASSERT_TRUE(at::allclose(u, formula(v0), 1e-14, 1e-14));
      }
      at::Tensor dv = torch::autograd::grad({u}, {v}, {du}, /*retain_graph=*/true,
                                            /*create_graph=*/true)[0];
      grads[k] = dv.detach();
      second[k] = torch::autograd::grad({(dv * w).sum()}, {v})[0];
    }
    EXPECT_TRUE(at::allclose(grads[0], grads[1], 1e-12, 1e-12))
        << (grads[0] - grads[1]).abs().max().item<double>();
    EXPECT_TRUE(at::allclose(second[0], second[1], 1e-10, 1e-10))
        << (second[0] - second[1]).abs().max().item<double>();
  }
}

TEST(CostTest, CosineCostOfUnitRowsIsPairwiseCosineCost) {
  at::manual_seed(4);
  at::Tensor x = at::randn({9, 6}, Double()), y = at::randn({11, 6}, Double());
  for (int64_t chunk : {0, 4}) {
    EXPECT_TRUE(at::allclose(CosineCostOfUnitRows(UnitRows(x), UnitRows(y), chunk),
                             PairwiseCost(x, y, CostKind::kCosine), 1e-14, 1e-14));
  }
}

// CosineCostOfUnitRows' backward (InnerProductsFunction in cost.cc) against
// autograd of 1 - x y^T: gradients of x and y, contiguous (autograd's dy is
// a transposed view, slow to accumulate), in and across chunks, batched, and
// double backward.
TEST(CostTest, CosineCostOfUnitRowsGradientsAreAutogradsAndContiguous) {
  at::manual_seed(6);
  for (const auto& [xs, ys] :
       {std::pair<std::vector<int64_t>, std::vector<int64_t>>{{7, 5}, {9, 5}},
        std::pair<std::vector<int64_t>, std::vector<int64_t>>{{2, 6, 4}, {2, 3, 4}}}) {
    at::Tensor x = at::randn(xs, Double()).requires_grad_(true);
    at::Tensor y = at::randn(ys, Double()).requires_grad_(true);
    at::Tensor weights = at::randn(at::matmul(x, y.transpose(-1, -2)).sizes(), Double());
    const at::Tensor ref = 1 - at::matmul(x, y.transpose(-1, -2));
    const auto ref_g = torch::autograd::grad({(ref * weights).sum()}, {x, y}, {}, true, true);
    const auto ref_gg = torch::autograd::grad({(ref_g[0] * ref_g[1].sum()).sum()}, {x, y});
    for (int64_t chunk : {0, 2}) {
      const at::Tensor c = CosineCostOfUnitRows(x, y, chunk);
      EXPECT_TRUE(at::allclose(c, ref, 1e-14, 1e-14));
      const auto g = torch::autograd::grad({(c * weights).sum()}, {x, y}, {}, true, true);
      EXPECT_TRUE(at::allclose(g[0], ref_g[0], 1e-12, 1e-12)) << chunk;
      EXPECT_TRUE(at::allclose(g[1], ref_g[1], 1e-12, 1e-12)) << chunk;
      EXPECT_TRUE(g[0].is_contiguous());
      EXPECT_TRUE(g[1].is_contiguous()) << "dy must not be a transposed view";
      const auto gg = torch::autograd::grad({(g[0] * g[1].sum()).sum()}, {x, y});
      EXPECT_TRUE(at::allclose(gg[0], ref_gg[0], 1e-12, 1e-12));
      EXPECT_TRUE(at::allclose(gg[1], ref_gg[1], 1e-12, 1e-12));
    }
  }
}

// kCosineOfUnitRows takes its rows as they are: on unit rows it is the cosine
// cost, on any other rows 1 - <x, y> (no second normalisation).
TEST(CostTest, CosineOfUnitRowsIsTheCosineCostOnUnitRowsAndDoesNotNormalise) {
  at::manual_seed(5);
  at::Tensor x = UnitRows(at::randn({9, 6}, Double())), y = UnitRows(at::randn({11, 6}, Double()));
  for (int64_t chunk : {0, 4}) {
    EXPECT_TRUE(at::allclose(PairwiseCost(x, y, CostKind::kCosineOfUnitRows, chunk),
                             PairwiseCost(x, y, CostKind::kCosine, chunk), 1e-14, 1e-14));
    EXPECT_TRUE(at::allclose(PairwiseCost(2 * x, y, CostKind::kCosineOfUnitRows, chunk),
                             1 - 2 * at::mm(x, y.t()), 1e-14, 1e-14));
  }
  EXPECT_EQ(CostKindName(CostKind::kCosineOfUnitRows), "cosine_of_unit_rows");
  EXPECT_FALSE(ParseCostKind("cosine_of_unit_rows").ok());
}

TEST(CostTest, PairwiseCostMatchesBruteForceLoopsInAndAcrossChunks) {
  at::manual_seed(1);
  at::Tensor x = at::randn({37, 5}, Double());
  at::Tensor y = at::randn({23, 5}, Double());
  for (CostKind kind : {CostKind::kSqEuclidean, CostKind::kEuclidean, CostKind::kCosine}) {
    for (int64_t chunk : {0, 1, 8}) {  // one chunk, single rows, ragged last chunk
      at::Tensor c = PairwiseCost(x, y, kind, chunk);
      ASSERT_EQ(c.sizes(), (std::vector<int64_t>{37, 23}));
      for (int64_t i = 0; i < 37; ++i) {
        for (int64_t j = 0; j < 23; ++j) {
          ASSERT_NEAR(c[i][j].item<double>(), BruteCost(x, y, i, j, kind), 1e-10)
              << CostKindName(kind) << " chunk " << chunk << " at " << i << "," << j;
        }
      }
    }
  }
}

TEST(CostTest, BatchedCostEqualsPerBatchCost) {
  at::manual_seed(2);
  at::Tensor x = at::randn({3, 6, 4}, Double());
  at::Tensor y = at::randn({3, 5, 4}, Double());
  for (CostKind kind : {CostKind::kSqEuclidean, CostKind::kEuclidean, CostKind::kCosine}) {
    at::Tensor c = PairwiseCost(x, y, kind, /*chunk_rows=*/4);
    ASSERT_EQ(c.sizes(), (std::vector<int64_t>{3, 6, 5}));
    for (int64_t b = 0; b < 3; ++b) {
      EXPECT_TRUE(at::allclose(c[b], PairwiseCost(x[b], y[b], kind), 1e-10, 1e-12));
    }
  }
}

TEST(CostTest, SquaredDistanceOfIdenticalPointsIsZeroNotNegative) {
  at::manual_seed(3);
  at::Tensor x = at::rand({50, 784}) * 10;  // float32, large norms: cancellation
  at::Tensor c = PairwiseCost(x, x, CostKind::kSqEuclidean);
  EXPECT_GE(c.min().item<float>(), 0.0f);
  EXPECT_LT(c.diagonal().max().item<float>(), 0.1f);  // vs off-diagonal ~ 6500
}

TEST(CostTest, GradientsAtCoincidentPointsAndZeroVectorsAreFinite) {
  at::Tensor x = torch::tensor({{1.0, 2.0}, {0.0, 0.0}}, Double()).requires_grad_();
  at::Tensor y = torch::tensor({{1.0, 2.0}, {0.0, 0.0}, {3.0, -1.0}}, Double());
  for (CostKind kind : {CostKind::kSqEuclidean, CostKind::kEuclidean, CostKind::kCosine}) {
    at::Tensor c = PairwiseCost(x, y, kind);
    EXPECT_TRUE(at::isfinite(c).all().item<bool>()) << CostKindName(kind);
    at::Tensor g = torch::autograd::grad({c.sum()}, {x})[0];
    EXPECT_TRUE(at::isfinite(g).all().item<bool>()) << CostKindName(kind) << g;
  }
  // Euclidean distance at coincident points: 0 exactly, gradient 0 (a subgradient).
  at::Tensor c = PairwiseCost(x, y, CostKind::kEuclidean);
  EXPECT_EQ(c[0][0].item<double>(), 0.0);
  EXPECT_EQ(c[1][1].item<double>(), 0.0);
  EXPECT_NEAR(PairwiseCost(x, y, CostKind::kCosine)[1][2].item<double>(), 1.0, 1e-12);
}

// Central finite differences of sum(W * cost(x, y)) with respect to x.
TEST(CostTest, GradientsMatchFiniteDifferences) {
  at::manual_seed(4);
  at::Tensor x0 = at::randn({4, 3}, Double());
  at::Tensor y = at::randn({5, 3}, Double());
  at::Tensor w = at::rand({4, 5}, Double());
  for (CostKind kind : {CostKind::kSqEuclidean, CostKind::kEuclidean, CostKind::kCosine}) {
    at::Tensor x = x0.clone().requires_grad_();
    at::Tensor g = torch::autograd::grad({(PairwiseCost(x, y, kind, 2) * w).sum()}, {x})[0];
    const double h = 1e-6;
    for (int64_t i = 0; i < 4; ++i) {
      for (int64_t k = 0; k < 3; ++k) {
        at::Tensor xp = x0.clone(), xm = x0.clone();
        xp[i][k] += h;
        xm[i][k] -= h;
        double fd = ((PairwiseCost(xp, y, kind) * w).sum().item<double>() -
                     (PairwiseCost(xm, y, kind) * w).sum().item<double>()) /
                    (2 * h);
        EXPECT_NEAR(g[i][k].item<double>(), fd, 1e-6) << CostKindName(kind);
      }
    }
  }
}

// Direct SSIM of two single images: Gaussian 11x11 window (sigma 1.5), valid positions.
double BruteSsim(const at::Tensor& a, const at::Tensor& b, double range) {
  const int64_t C = a.size(0), H = a.size(1), W = a.size(2);
  double g[11], total = 0;
  for (int k = 0; k < 11; ++k) total += g[k] = std::exp(-(k - 5.0) * (k - 5.0) / 4.5);
  auto pa = a.accessor<double, 3>();
  auto pb = b.accessor<double, 3>();
  const double c1 = 1e-4 * range * range, c2 = 9e-4 * range * range;
  double sum = 0;
  int64_t count = 0;
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t r = 0; r + 11 <= H; ++r) {
      for (int64_t s = 0; s + 11 <= W; ++s) {
        double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
        for (int u = 0; u < 11; ++u) {
          for (int v = 0; v < 11; ++v) {
            const double w = g[u] * g[v] / (total * total);
            const double va = pa[c][r + u][s + v], vb = pb[c][r + u][s + v];
            ma += w * va;
            mb += w * vb;
            aa += w * va * va;
            bb += w * vb * vb;
            ab += w * va * vb;
          }
        }
        const double sa = aa - ma * ma, sb = bb - mb * mb, sab = ab - ma * mb;
        sum += (2 * ma * mb + c1) * (2 * sab + c2) / ((ma * ma + mb * mb + c1) * (sa + sb + c2));
        ++count;
      }
    }
  }
  return sum / count;
}

TEST(CostTest, SsimCostMatchesDirectSsimInEveryTiling) {
  at::manual_seed(5);
  at::Tensor x = at::rand({5, 2, 14, 13}, Double()) * 2 - 1;
  at::Tensor y = at::rand({4, 2, 14, 13}, Double()) * 2 - 1;
  y[1] = x[2] * 0.9;  // one similar pair (a contrast change)
  for (int64_t tile : {0, 1, 40, 100}) {
    at::Tensor c = SsimCost(x, y, 2.0, tile);
    ASSERT_EQ(c.sizes(), (std::vector<int64_t>{5, 4}));
    for (int64_t i = 0; i < 5; ++i) {
      for (int64_t j = 0; j < 4; ++j) {
        ASSERT_NEAR(c[i][j].item<double>(), 1 - BruteSsim(x[i], y[j], 2.0), 1e-10)
            << "tile " << tile << " at " << i << "," << j;
      }
    }
  }
  EXPECT_LT(SsimCost(x, y, 2.0)[2][1].item<double>(), 0.05);
}

TEST(CostTest, SsimPairedIsTheDiagonalAndZeroOnIdenticalImages) {
  at::manual_seed(6);
  at::Tensor x = at::rand({4, 1, 16, 16}, Double());
  at::Tensor y = at::rand({4, 1, 16, 16}, Double());
  at::Tensor paired = SsimPaired(x, y, 1.0);
  ASSERT_EQ(paired.sizes(), (std::vector<int64_t>{4}));
  EXPECT_TRUE(at::allclose(paired, SsimCost(x, y, 1.0).diagonal(), 1e-10, 1e-12));
  EXPECT_LT(SsimPaired(x, x, 1.0).abs().max().item<double>(), 1e-12);
  EXPECT_LT(SsimCost(x, x, 1.0).diagonal().abs().max().item<double>(), 1e-12);
}

TEST(CostTest, SsimCostGradientMatchesFiniteDifferences) {
  at::manual_seed(7);
  at::Tensor x0 = at::rand({2, 1, 12, 12}, Double());
  at::Tensor y = at::rand({3, 1, 12, 12}, Double());
  at::Tensor x = x0.clone().requires_grad_();
  at::Tensor g = torch::autograd::grad({SsimCost(x, y, 1.0, 7).sum()}, {x})[0];
  const double h = 1e-6;
  for (int64_t p : {0, 13, 77, 143}) {
    at::Tensor xp = x0.clone(), xm = x0.clone();
    xp.view({-1})[p] += h;
    xm.view({-1})[p] -= h;
    double fd =
        (SsimCost(xp, y, 1.0).sum().item<double>() - SsimCost(xm, y, 1.0).sum().item<double>()) /
        (2 * h);
    EXPECT_NEAR(g.view({-1})[p].item<double>(), fd, 1e-6);
  }
  at::Tensor xs = x0.clone().requires_grad_();
  at::Tensor gs = torch::autograd::grad({SsimPaired(xs, y.narrow(0, 0, 2), 1.0).sum()}, {xs})[0];
  EXPECT_TRUE(at::isfinite(gs).all().item<bool>());
}

TEST(CostTest, PsnrCostIsNegativePsnrCappedForIdenticalImages) {
  at::manual_seed(8);
  at::Tensor x = at::rand({3, 1, 4, 4}, Double());
  at::Tensor y = at::rand({2, 1, 4, 4}, Double());
  at::Tensor c = PsnrCost(x, y, 2.0);
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 2; ++j) {
      double mse = (x[i] - y[j]).pow(2).mean().item<double>();
      EXPECT_NEAR(c[i][j].item<double>(), -10 * std::log10(4.0 / mse), 1e-9);
    }
  }
  EXPECT_NEAR(PsnrCost(x, x, 2.0).diagonal().max().item<double>(), -100.0, 1e-6);
}

// tf.image.ssim (TF image_ops_impl.py: _fspecial_gauss, _ssim_helper,
// _ssim_per_channel) transcribed literally for one single-channel pair
// a, b [H, W] in double: a size x size window exp(-(u^2+v^2)/(2 sigma^2)) on
// the coordinates k - (size-1)/2, normalised over all size^2 entries (TF's
// softmax); 'VALID' positions; luminance (2 m0 m1 + c1)/(m0^2 + m1^2 + c1);
// contrast-structure (num1 - num0 + c2)/(den1 - den0 + c2) with
// num1 = 2 E[ab], num0 = 2 m0 m1, den1 = E[a^2 + b^2], den0 = m0^2 + m1^2;
// mean over positions.
double TfSsim(const at::Tensor& a, const at::Tensor& b, double max_val, int size, double sigma) {
  std::vector<double> k(size * size);
  double total = 0;
  for (int u = 0; u < size; ++u) {
    for (int v = 0; v < size; ++v) {
      const double cu = u - (size - 1) / 2.0, cv = v - (size - 1) / 2.0;
      total += k[u * size + v] = std::exp(-0.5 * (cu * cu + cv * cv) / (sigma * sigma));
    }
  }
  for (double& w : k) w /= total;
  const double c1 = std::pow(0.01 * max_val, 2), c2 = std::pow(0.03 * max_val, 2);
  auto pa = a.accessor<double, 2>();
  auto pb = b.accessor<double, 2>();
  double sum = 0;
  int count = 0;
  for (int64_t r = 0; r + size <= a.size(0); ++r) {
    for (int64_t s = 0; s + size <= a.size(1); ++s) {
      double m0 = 0, m1 = 0, eab = 0, esq = 0;
      for (int u = 0; u < size; ++u) {
        for (int v = 0; v < size; ++v) {
          const double w = k[u * size + v], va = pa[r + u][s + v], vb = pb[r + u][s + v];
          m0 += w * va;
          m1 += w * vb;
          eab += w * va * vb;
          esq += w * (va * va + vb * vb);
        }
      }
      const double num0 = 2 * m0 * m1, den0 = m0 * m0 + m1 * m1;
      const double luminance = (num0 + c1) / (den0 + c1);
      const double cs = (2 * eab - num0 + c2) / (esq - den0 + c2);
      sum += luminance * cs;
      ++count;
    }
  }
  return sum / count;
}

// A fixed 5 x 5 pair in [-1, 1]: x[i][j] = ((3i + 5j) mod 7)/3 - 1,
// y[i][j] = 0.9 sin(0.7 i - 0.3 j).
void FixedPair(at::Tensor* x, at::Tensor* y) {
  *x = at::empty({1, 1, 5, 5}, Double());
  *y = at::empty({1, 1, 5, 5}, Double());
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 5; ++j) {
      (*x)[0][0][i][j] = ((3 * i + 5 * j) % 7) / 3.0 - 1.0;
      (*y)[0][0][i][j] = 0.9 * std::sin(0.7 * i - 0.3 * j);
    }
  }
}

TEST(CostTest, LaschosSsimIsTfSsimOfTheShiftedPairWithAFourByFourWindow) {
  at::Tensor x, y;
  FixedPair(&x, &y);
  // Expected value computed independently with numpy (float64), transcribing
  // TF's ssim: 1 - ssim(x + 1, y + 1, max_val=2, filter_size=4) = 1.062058740841
  // (and without the shift, 1 - ssim(x, y, 2, filter_size=4) = 0.999558509065).
  const double loss = LaschosSsimPaired(x, y).item<double>();
  EXPECT_NEAR(loss, 1.062058740841, 1e-10);
  EXPECT_NEAR(loss, 1 - TfSsim(x[0][0] + 1, y[0][0] + 1, 2.0, 4, 1.5), 1e-12);
  SsimOptions four;
  four.window = 4;
  EXPECT_NEAR(SsimPaired(x, y, 2.0, four).item<double>(), 0.999558509065, 1e-10);
  // The shift is not a no-op: SSIM's luminance term is not shift-invariant.
  EXPECT_GT(std::abs(loss - SsimPaired(x, y, 2.0, four).item<double>()), 0.05);
  // SsimCost with the same options agrees with the paired form, and the
  // 4-tap window is TF's: [0.0381582, 0.0595124, 0.0595124, 0.0381582] per axis.
  EXPECT_NEAR(1 - SsimCost(x + 1, y + 1, 2.0, 0, four).item<double>(),
              TfSsim(x[0][0] + 1, y[0][0] + 1, 2.0, 4, 1.5), 1e-12);
}

TEST(CostTest, LaschosSsimMatchesTfOnRandomImagesAndIsZeroOnIdenticalOnes) {
  at::manual_seed(9);
  at::Tensor x = at::rand({3, 1, 9, 8}, Double()) * 2 - 1;
  at::Tensor y = at::rand({3, 1, 9, 8}, Double()) * 2 - 1;
  at::Tensor loss = LaschosSsimPaired(x, y);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(loss[i].item<double>(), 1 - TfSsim(x[i][0] + 1, y[i][0] + 1, 2.0, 4, 1.5), 1e-12);
  }
  // Identical images: loss 0 at every brightness, from all-black to all-white
  // ([-1, 1] images, i.e. [0, 2] after the shift), flat or textured.
  for (double level : {-1.0, -0.5, 0.0, 0.5, 1.0}) {
    at::Tensor flat = at::full({2, 1, 8, 8}, level, Double());
    EXPECT_NEAR(LaschosSsimPaired(flat, flat).abs().max().item<double>(), 0.0, 1e-12) << level;
    at::Tensor textured = (level + 0.3 * (at::rand({2, 1, 8, 8}, Double()) - 0.5)).clamp(-1, 1);
    EXPECT_NEAR(LaschosSsimPaired(textured, textured).abs().max().item<double>(), 0.0, 1e-12)
        << level;
  }
  // float32 too (the generator's dtype).
  at::Tensor xf = x.to(at::kFloat);
  EXPECT_LT(LaschosSsimPaired(xf, xf).abs().max().item<float>(), 1e-5f);
}

TEST(CostTest, SsimRejectsImagesSmallerThanTheWindow) {
  at::Tensor x = at::rand({1, 1, 3, 8}, Double());
  EXPECT_THROW(LaschosSsimPaired(x, x), c10::Error);
  SsimOptions bad;
  bad.window = 0;
  at::Tensor y = at::rand({1, 1, 8, 8}, Double());
  EXPECT_THROW(SsimPaired(y, y, 2.0, bad), c10::Error);
}

}  // namespace
}  // namespace otgan::ot

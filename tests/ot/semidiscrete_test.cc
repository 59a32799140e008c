#include "lib/ot/semidiscrete.h"

#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include <ATen/ATen.h>

#include "gtest/gtest.h"
#include "lib/ot/cost.h"

namespace otgan::ot {
namespace {

// Full cost matrix computed independently of PairwiseCost (direct differences).
at::Tensor ReferenceCost(const at::Tensor& x, const at::Tensor& y, CostKind kind) {
  at::Tensor diff = x.unsqueeze(1) - y.unsqueeze(0);  // [N, M, d]
  switch (kind) {
    case CostKind::kSqEuclidean:
      return diff.pow(2).sum(-1);
    case CostKind::kEuclidean:
      return diff.pow(2).sum(-1).sqrt();
    case CostKind::kCosine:
      return 1 - at::matmul(x / x.norm(2, 1, true), (y / y.norm(2, 1, true)).t());
    case CostKind::kCosineOfUnitRows:
      return 1 - at::matmul(x, y.t());
  }
  return {};
}

// Brute-force argmin; checks the solver's pick is a minimiser (ties allowed)
// and equals the brute-force index wherever the minimum is unique by a margin.
void ExpectBruteForce(const SemiDiscreteAssignment& a, const at::Tensor& full) {
  const int64_t n = full.size(0), m = full.size(1);
  at::Tensor f = full.contiguous();
  auto fa = f.accessor<double, 2>();
  auto idx = a.index.accessor<int64_t, 1>();
  at::Tensor mv = a.min_value.to(at::kDouble);
  auto va = mv.accessor<double, 1>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    double b1 = std::numeric_limits<double>::infinity(), b2 = b1;
    for (int64_t j = 0; j < m; ++j) {
      if (fa[i][j] < b1) {
        b2 = b1;
        b1 = fa[i][j];
        best = j;
      } else if (fa[i][j] < b2) {
        b2 = fa[i][j];
      }
    }
    ASSERT_GE(idx[i], 0);
    ASSERT_LT(idx[i], m);
    EXPECT_NEAR(fa[i][idx[i]], b1, 1e-9) << "row " << i;
    EXPECT_NEAR(va[i], b1, 1e-9) << "row " << i;
    if (b2 - b1 > 1e-9) {
      EXPECT_EQ(idx[i], best) << "row " << i;
    }
  }
  EXPECT_EQ(a.counts.sum().item<int64_t>(), n);
  EXPECT_TRUE(at::equal(a.counts, at::bincount(a.index, {}, m)));
}

TEST(SemiDiscreteTest, MatchesBruteForceForEveryCostKind) {
  at::Generator gen = at::detail::createCPUGenerator(21);
  const int64_t n = 400, m = 37, d = 6;
  at::Tensor x = at::randn({n, d}, gen, at::kDouble);
  at::Tensor y = at::randn({m, d}, gen, at::kDouble);
  at::Tensor psi = at::randn({m}, gen, at::kDouble);
  for (CostKind kind : {CostKind::kSqEuclidean, CostKind::kEuclidean, CostKind::kCosine}) {
    for (double scale : {1.0, 0.1}) {
      SemiDiscreteAssignment a = AssignSemiDiscrete(x, y, psi, kind, scale);
      ExpectBruteForce(a, scale * ReferenceCost(x, y, kind) + psi.unsqueeze(0));
    }
  }
}

TEST(SemiDiscreteTest, ZeroPotentialIsNearestNeighbour) {
  at::Generator gen = at::detail::createCPUGenerator(22);
  at::Tensor x = at::randn({300, 4}, gen, at::kDouble);
  at::Tensor y = at::randn({50, 4}, gen, at::kDouble);
  SemiDiscreteAssignment a = AssignSemiDiscrete(x, y, at::zeros({50}, at::kDouble),
                                                CostKind::kEuclidean);
  at::Tensor nn = at::cdist(x, y, 2.0, /*compute_mode=*/2).argmin(1);
  EXPECT_TRUE(at::equal(a.index, nn));
  // Each real point is its own nearest neighbour.
  SemiDiscreteAssignment self =
      AssignSemiDiscrete(y, y, at::zeros({50}, at::kDouble), CostKind::kSqEuclidean);
  EXPECT_TRUE(at::equal(self.index, at::arange(50, at::kLong)));
  EXPECT_TRUE(at::equal(self.counts, at::ones({50}, at::kLong)));
}

TEST(SemiDiscreteTest, PotentialSteersDuplicates) {
  // y has the same point twice; the copy with the lower psi takes everything
  // that would go there.
  at::Tensor y = at::tensor({0.0, 0.0, 5.0, 5.0, 0.0, 0.0}, at::kDouble).view({3, 2});
  at::Tensor x = at::tensor({0.1, 0.0, -0.2, 0.1, 4.9, 5.0}, at::kDouble).view({3, 2});
  at::Tensor psi = at::tensor({0.5, 0.0, 0.2}, at::kDouble);
  SemiDiscreteAssignment a = AssignSemiDiscrete(x, y, psi, CostKind::kSqEuclidean);
  EXPECT_TRUE(at::equal(a.index, at::tensor({2, 2, 1}, at::kLong)));
  EXPECT_TRUE(at::equal(a.counts, at::tensor({0, 1, 2}, at::kLong)));
  // A large psi empties a real point entirely.
  psi = at::tensor({100.0, 0.0, 0.0}, at::kDouble);
  a = AssignSemiDiscrete(x, y, psi, CostKind::kSqEuclidean);
  EXPECT_EQ(a.counts[0].item<int64_t>(), 0);
}

TEST(SemiDiscreteTest, ChunkingDoesNotChangeTheResult) {
  at::Generator gen = at::detail::createCPUGenerator(23);
  at::Tensor x = at::randn({257, 16}, gen, at::kFloat);
  at::Tensor y = at::randn({40, 16}, gen, at::kFloat);
  at::Tensor psi = at::randn({40}, gen, at::kFloat);
  SemiDiscreteAssignment ref = AssignSemiDiscrete(x, y, psi, CostKind::kSqEuclidean, 0.1);
  for (int64_t rows : {1, 7, 64, 256, 257, 1000}) {
    SemiDiscreteAssignment a = AssignSemiDiscrete(x, y, psi, CostKind::kSqEuclidean, 0.1, rows);
    EXPECT_TRUE(at::equal(a.index, ref.index)) << "chunk_rows " << rows;
    EXPECT_TRUE(at::equal(a.counts, ref.counts)) << "chunk_rows " << rows;
    EXPECT_TRUE(at::allclose(a.min_value, ref.min_value, 1e-6, 1e-6)) << "chunk_rows " << rows;
  }
}

TEST(SemiDiscreteTest, CostCallbackOnImages) {
  at::Generator gen = at::detail::createCPUGenerator(24);
  at::Tensor x = at::rand({60, 1, 4, 4}, gen, at::kDouble) * 2 - 1;
  at::Tensor y = at::rand({9, 1, 4, 4}, gen, at::kDouble) * 2 - 1;
  at::Tensor psi = at::randn({9}, gen, at::kDouble);
  ChunkCostFn psnr = [](const at::Tensor& xc, const at::Tensor& yy) {
    return PsnrCost(xc, yy, 2.0);
  };
  SemiDiscreteAssignment a = AssignSemiDiscrete(x, y, psi, psnr, /*chunk_rows=*/7);
  // Reference: 10 log10(MSE / L^2) with direct differences.
  at::Tensor mse = (x.view({60, 1, 16}) - y.view({1, 9, 16})).pow(2).mean(-1);
  ExpectBruteForce(a, 10 * at::log10(mse / 4.0) + psi.unsqueeze(0));
  EXPECT_FALSE(a.index.requires_grad());
}

TEST(SemiDiscreteTest, NoAutogradAndEmptyInput) {
  at::Tensor x = at::randn({10, 3}, at::kFloat).requires_grad_(true);
  at::Tensor y = at::randn({4, 3}, at::kFloat);
  at::Tensor psi = at::zeros({4}, at::kFloat).requires_grad_(true);
  SemiDiscreteAssignment a = AssignSemiDiscrete(x, y, psi, CostKind::kSqEuclidean);
  EXPECT_FALSE(a.min_value.requires_grad());
  SemiDiscreteAssignment empty =
      AssignSemiDiscrete(at::zeros({0, 3}), y, psi.detach(), CostKind::kSqEuclidean);
  EXPECT_EQ(empty.index.numel(), 0);
  EXPECT_TRUE(at::equal(empty.counts, at::zeros({4}, at::kLong)));
}

// The squared-Euclidean path (one GEMM on top of s|y|^2 + psi per chunk) in
// float32 on image-like data: every pick is a minimiser of the float64 cost
// up to float32 rounding of the expansion, and min_value is the exact cost of
// the pick.
TEST(SemiDiscreteTest, SquaredEuclideanFloat32PicksMinimisersOfTheExactCost) {
  at::manual_seed(21);
  at::Tensor y = at::rand({60, 1024}) * 2 - 1;
  at::Tensor x = (y.narrow(0, 0, 40).repeat({3, 1}) + 0.3 * at::randn({120, 1024})).clamp(-1, 1);
  at::Tensor psi = at::randn({60}) * 5;
  SemiDiscreteAssignment a = AssignSemiDiscrete(x, y, psi, CostKind::kSqEuclidean, 0.1,
                                                /*chunk_rows=*/32);
  at::Tensor full = 0.1 * ReferenceCost(x.to(at::kDouble), y.to(at::kDouble), CostKind::kSqEuclidean) +
                    psi.to(at::kDouble).unsqueeze(0);
  at::Tensor best = std::get<0>(full.min(1));
  at::Tensor picked = full.gather(1, a.index.unsqueeze(1)).squeeze(1);
  // |x|^2 + |y|^2 ~ 700 here; float32 rounding of the expansion ~ 1e-4 of it.
  EXPECT_LT((picked - best).max().item<double>(), 0.1 * 700 * 1e-5 + 1e-4);
  EXPECT_LT((a.min_value.to(at::kDouble) - picked).abs().max().item<double>(), 1e-3);
  EXPECT_EQ(a.counts.sum().item<int64_t>(), 120);
  // Default chunking gives the same picks.
  SemiDiscreteAssignment b = AssignSemiDiscrete(x, y, psi, CostKind::kSqEuclidean, 0.1);
  EXPECT_TRUE(at::equal(a.index, b.index));
}

TEST(AssignmentVarianceTest, ClosedForm) {
  // N = 8, M = 4: N/M = 2, |3-2| + |1-2| + |0-2| + |4-2| = 6, / 4 = 1.5.
  EXPECT_DOUBLE_EQ(AssignmentVariance(at::tensor({3, 1, 0, 4}, at::kLong), 8), 1.5);
  EXPECT_DOUBLE_EQ(AssignmentVariance(at::full({5}, 3, at::kLong), 15), 0.0);
  // All N on one of M points: ((N - N/M) + (M - 1) N/M) / M = 2 N (M - 1) / M^2.
  at::Tensor c = at::zeros({10}, at::kLong);
  c[0] = 1000;
  EXPECT_NEAR(AssignmentVariance(c, 1000), 2.0 * 1000 * 9 / 100, 1e-12);
}

}  // namespace
}  // namespace otgan::ot

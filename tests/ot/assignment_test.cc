#include "lib/ot/assignment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <ATen/ATen.h>

#include "gtest/gtest.h"

namespace otgan::ot {
namespace {

double BruteForce(const at::Tensor& cost) {
  const int64_t n = cost.size(0);
  at::Tensor c = cost.to(at::kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += p[i * n + perm[i]];
    best = std::min(best, s);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

void ExpectPermutationWithCost(const AssignmentResult& r, const at::Tensor& cost) {
  const int64_t n = cost.size(0);
  at::Tensor c = cost.to(at::kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  ASSERT_EQ(static_cast<int64_t>(r.row_to_col.size()), n);
  std::vector<char> used(n, 0);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = r.row_to_col[i];
    ASSERT_GE(j, 0);
    ASSERT_LT(j, n);
    ASSERT_FALSE(used[j]) << "column " << j << " used twice";
    used[j] = 1;
    s += p[i * n + j];
  }
  EXPECT_NEAR(r.total_cost, s, 1e-9 * (1 + std::abs(s)));
  if (n > 0) EXPECT_NEAR(r.mean_cost, s / n, 1e-9 * (1 + std::abs(s)));
  EXPECT_TRUE(r.verified);
}

// Independent check of the certificate the solver returns.
void ExpectDualCertificate(const AssignmentResult& r, const at::Tensor& cost, double tol) {
  const int64_t n = cost.size(0);
  at::Tensor c = cost.to(at::kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  ASSERT_EQ(static_cast<int64_t>(r.row_potential.size()), n);
  ASSERT_EQ(static_cast<int64_t>(r.col_potential.size()), n);
  double dual = 0;
  for (int64_t i = 0; i < n; ++i) {
    dual += r.row_potential[i] + r.col_potential[i];
    for (int64_t j = 0; j < n; ++j) {
      ASSERT_LE(r.row_potential[i] + r.col_potential[j], p[i * n + j] + tol)
          << "dual infeasible at (" << i << ", " << j << ")";
    }
    EXPECT_NEAR(r.row_potential[i] + r.col_potential[r.row_to_col[i]],
                p[i * n + r.row_to_col[i]], tol);
  }
  EXPECT_NEAR(dual, r.total_cost, tol * n);
}

at::Tensor PointCost(const at::Tensor& x, const at::Tensor& y) {
  // compute_mode 2: direct differences, so identical points are exactly 0 apart.
  return at::cdist(x.to(at::kDouble), y.to(at::kDouble), 2.0, /*compute_mode=*/2);
}

TEST(AssignmentTest, MatchesBruteForceOnRandomCosts) {
  at::manual_seed(1);
  for (int trial = 0; trial < 120; ++trial) {
    const int64_t n = 1 + trial % 7;
    at::Tensor cost = at::randn({n, n}, at::kDouble) * 3.0;
    const double best = BruteForce(cost);
    for (int passes : {0, 1, 2}) {  // with and without augmenting row reduction
      AssignmentOptions options;
      options.augmenting_row_reduction_passes = passes;
      auto r = SolveAssignment(cost, options);
      ASSERT_TRUE(r.ok()) << r.status();
      ExpectPermutationWithCost(*r, cost);
      EXPECT_NEAR(r->total_cost, best, 1e-9) << "trial " << trial << " passes " << passes;
      ExpectDualCertificate(*r, cost, 1e-9);
    }
  }
}

TEST(AssignmentTest, MatchesBruteForceWithTiesAndDuplicates) {
  at::manual_seed(2);
  for (int trial = 0; trial < 120; ++trial) {
    const int64_t n = 2 + trial % 6;
    at::Tensor cost;
    if (trial % 3 == 0) {
      // Small integer costs: many exactly tied optima.
      cost = at::randint(0, 3, {n, n}, at::kDouble);
    } else if (trial % 3 == 1) {
      // Constant matrix: every permutation is optimal.
      cost = at::full({n, n}, 1.5, at::kDouble);
    } else {
      // Euclidean costs between clouds with duplicated points (tied rows/columns).
      at::Tensor base = at::randn({(n + 1) / 2, 3}, at::kDouble);
      at::Tensor x = base.index_select(0, at::randint(0, base.size(0), {n}, at::kLong));
      at::Tensor y = base.index_select(0, at::randint(0, base.size(0), {n}, at::kLong));
      cost = PointCost(x, y);
    }
    at::Tensor used = cost.to(trial % 2 ? at::kFloat : at::kDouble);
    for (int passes : {0, 2}) {
      AssignmentOptions options;
      options.augmenting_row_reduction_passes = passes;
      auto r = SolveAssignment(used, options);
      ASSERT_TRUE(r.ok()) << r.status();
      ExpectPermutationWithCost(*r, used);
      EXPECT_NEAR(r->total_cost, BruteForce(used), 1e-6) << "trial " << trial;
    }
  }
}

TEST(AssignmentTest, IdenticalCloudsHaveZeroCost) {
  at::manual_seed(3);
  at::Tensor x = at::randn({200, 5}, at::kDouble);
  at::Tensor perm = at::randperm(200, at::kLong);
  auto r = SolveAssignment(PointCost(x, x.index_select(0, perm)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->total_cost, 0.0, 1e-9);
  // Row i is x_i; column j is x_perm[j]; the zero-cost match is perm^{-1}.
  auto pa = perm.accessor<int64_t, 1>();
  for (int64_t j = 0; j < 200; ++j) EXPECT_EQ(r->row_to_col[pa[j]], j);
}

TEST(AssignmentTest, DualFeasibleOnLargerRandomProblems) {
  at::manual_seed(4);
  for (int trial = 0; trial < 3; ++trial) {
    const int64_t n = 300;
    at::Tensor cost = trial == 0   ? at::rand({n, n}, at::kDouble)
                      : trial == 1 ? PointCost(at::randn({n, 64}), at::randn({n, 64}))
                                   : at::randint(0, 10, {n, n}, at::kDouble);
    AssignmentOptions options;
    options.augmenting_row_reduction_passes = trial == 2 ? 2 : 0;
    auto r = SolveAssignment(cost, options);
    ASSERT_TRUE(r.ok()) << r.status();
    ExpectPermutationWithCost(*r, cost);
    const double tol = 1e-9 * cost.abs().max().item<double>();
    ExpectDualCertificate(*r, cost, tol);
    EXPECT_LE(r->max_reduced_cost_violation, r->tolerance);
    // Greedy row-wise matching is never better than the optimum.
    double greedy = 0;
    at::Tensor c = cost.clone();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t j = c[i].argmin().item<int64_t>();
      greedy += cost[i][j].item<double>();
      c.select(1, j).fill_(std::numeric_limits<double>::infinity());
    }
    EXPECT_LE(r->total_cost, greedy + 1e-9);
  }
}

TEST(AssignmentTest, AntiMongeAndShiftInvariance) {
  // C_ij = (i - j)^2 is Monge: the identity is optimal. Adding row and column
  // constants does not change the optimal permutation.
  const int64_t n = 50;
  at::Tensor i = at::arange(n, at::kDouble).unsqueeze(1);
  at::Tensor j = at::arange(n, at::kDouble).unsqueeze(0);
  at::Tensor cost = (i - j).pow(2) + 7.0 * i - 3.0 * j;
  auto r = SolveAssignment(cost);
  ASSERT_TRUE(r.ok()) << r.status();
  for (int64_t k = 0; k < n; ++k) EXPECT_EQ(r->row_to_col[k], k);
  EXPECT_NEAR(r->total_cost, (7.0 - 3.0) * n * (n - 1) / 2, 1e-9);
}

TEST(AssignmentTest, RejectsBadInputs) {
  EXPECT_EQ(SolveAssignment(at::zeros({3, 4})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SolveAssignment(at::zeros({3}, at::kDouble)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SolveAssignment(at::zeros({3, 3}, at::kLong)).status().code(),
            absl::StatusCode::kInvalidArgument);
  at::Tensor c = at::zeros({3, 3}, at::kDouble);
  c[1][2] = std::numeric_limits<double>::quiet_NaN();
  auto r = SolveAssignment(c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("(1, 2)"), std::string::npos) << r.status();
  auto empty = SolveAssignment(at::zeros({0, 0}, at::kDouble));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->row_to_col.empty());
}

TEST(AssignmentTest, RefusesTooLargeProblemsWithEstimate) {
  AssignmentOptions options;
  options.max_bytes = 1 << 20;  // 1 MiB
  at::Tensor cost = at::zeros({1000, 1000}, at::kFloat);
  auto r = SolveAssignment(cost, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  // 1000^2 doubles = 7.63 MiB plus O(n) arrays.
  EXPECT_NE(r.status().message().find("7.6"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("MiB"), std::string::npos) << r.status();
  EXPECT_GT(AssignmentMemoryEstimate(50000, true), int64_t{8} << 30);
}

}  // namespace
}  // namespace otgan::ot

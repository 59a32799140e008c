#include "lib/ot/sinkhorn.h"

#include <algorithm>
#include <iostream>
#include <limits>
#include <numeric>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "gtest/gtest.h"
#include "lib/ot/cost.h"

namespace otgan::ot {
namespace {

at::TensorOptions Double() { return at::TensorOptions().dtype(at::kDouble); }

// Exact OT between uniform clouds of equal size: min over permutations.
double BruteForceOt(const at::Tensor& cost) {
  const int64_t n = cost.size(0);
  auto c = cost.accessor<double, 2>();
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {
    double total = 0;
    for (int64_t i = 0; i < n; ++i) total += c[i][perm[i]];
    best = std::min(best, total / n);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

double TransportCost(const at::Tensor& cost, const SinkhornResult& r, double eps) {
  return (SinkhornPlan(cost, r, at::Tensor(), at::Tensor(), eps) * cost).sum().item<double>();
}

bool AllFinite(const SinkhornResult& r) {
  return at::isfinite(r.f).all().item<bool>() && at::isfinite(r.g).all().item<bool>() &&
         (!r.plan.defined() || at::isfinite(r.plan).all().item<bool>()) &&
         std::isfinite(r.marginal_error);
}

TEST(SinkhornTest, ApproachesExactOtAsEpsShrinks) {
  at::manual_seed(11);
  at::Tensor x = at::randn({7, 2}, Double()), y = at::randn({7, 2}, Double());
  at::Tensor cost = PairwiseCost(x, y, CostKind::kSqEuclidean);
  const double exact = BruteForceOt(cost);
  const double max_cost = cost.max().item<double>();
  double previous_gap = std::numeric_limits<double>::infinity();
  for (double eps : {1.0, 0.1, 0.01, 0.001}) {
    SinkhornOptions o;
    o.eps = eps;
    o.max_iter = 20000;
    o.tol = 1e-9;
    o.eps_scaling = true;
    SinkhornResult r = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
    // Small eps can converge slowly; the bound below accounts for the residual.
    ASSERT_LT(r.marginal_error, 1e-4) << "eps " << eps;
    const double gap = TransportCost(cost, r, eps) - exact;
    // A plan off its marginals by delta (L1) undercuts exact OT by at most delta max C.
    EXPECT_GT(gap, -r.marginal_error * max_cost - 1e-12) << "eps " << eps;
    EXPECT_LT(gap, previous_gap) << "eps " << eps;
    previous_gap = gap;
  }
  EXPECT_LT(std::abs(previous_gap), 1e-4 * exact);
}

TEST(SinkhornTest, WeightedMarginalsWithinToleranceAndErrorIsReportedHonestly) {
  at::manual_seed(12);
  at::Tensor x = at::randn({9, 3}, Double()), y = at::randn({5, 3}, Double());
  at::Tensor a = at::rand({9}, Double()) + 0.1, b = at::rand({5}, Double()) + 0.1;
  a /= a.sum();
  b /= b.sum();
  at::Tensor cost = PairwiseCost(x, y, CostKind::kEuclidean);
  SinkhornOptions o;
  o.eps = 0.05;
  o.max_iter = 5000;
  o.tol = 1e-8;
  o.return_plan = true;
  SinkhornResult r = SolveSinkhorn(cost, a, b, o);
  ASSERT_TRUE(r.converged);
  EXPECT_LT(r.marginal_error, 1e-8);
  EXPECT_EQ(r.iterations % o.check_every, 0);
  const double row_error = (r.plan.sum(1) - a).abs().sum().item<double>();
  EXPECT_NEAR(row_error, r.marginal_error, 1e-12);
  EXPECT_LT((r.plan.sum(0) - b).abs().sum().item<double>(), 1e-12);
  EXPECT_TRUE(at::allclose(r.plan, SinkhornPlan(cost, r, a, b, o.eps)));
}

TEST(SinkhornTest, ZeroTolRunsExactlyMaxIterAndStillReportsTheError) {
  at::manual_seed(13);
  at::Tensor cost = PairwiseCost(at::randn({6, 2}, Double()), at::randn({8, 2}, Double()),
                                 CostKind::kSqEuclidean);
  SinkhornOptions o;
  o.eps = 0.01;
  o.max_iter = 37;
  o.tol = 0;
  o.return_plan = true;
  SinkhornResult r = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
  EXPECT_EQ(r.iterations, 37);
  EXPECT_FALSE(r.converged);
  EXPECT_NEAR(r.marginal_error, (r.plan.sum(1) - 1.0 / 6).abs().sum().item<double>(), 1e-12);
  EXPECT_GT(r.marginal_error, 0);
}

TEST(SinkhornTest, SymmetricUpdatesReachThePlainSolution) {
  at::manual_seed(14);
  // Costs ~0.5 at eps 0.1: plain Sinkhorn converges here too (on self-transport
  // it can stall when eps << cost, which is what symmetric updates are for).
  at::Tensor x = at::randn({10, 3}, Double()) * 0.3;
  at::Tensor cost = PairwiseCost(x, x, CostKind::kSqEuclidean);
  cost = 0.5 * (cost + cost.t());
  SinkhornOptions o;
  o.eps = 0.1;
  o.max_iter = 10000;
  o.tol = 1e-10;
  o.return_plan = true;
  SinkhornResult plain = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
  o.symmetric = true;
  SinkhornResult sym = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
  ASSERT_TRUE(plain.converged && sym.converged);
  EXPECT_TRUE(at::allclose(sym.plan, plain.plan, 1e-6, 1e-9));
  EXPECT_NEAR(TransportCost(cost, sym, o.eps), TransportCost(cost, plain, o.eps), 1e-8);
  // Potentials are unique up to f + c, g - c; symmetric fixes f = g.
  EXPECT_TRUE(at::allclose(sym.f + sym.g, plain.f + plain.g, 1e-6, 1e-8));
  EXPECT_TRUE(at::equal(sym.f, sym.g));
  EXPECT_LE(sym.iterations, plain.iterations);
}

TEST(SinkhornTest, EpsScalingReachesTheSameAnswerAsPlainIterations) {
  at::manual_seed(15);
  at::Tensor cost = PairwiseCost(at::randn({12, 2}, Double()) * 2, at::randn({10, 2}, Double()),
                                 CostKind::kSqEuclidean);
  SinkhornOptions o;
  o.eps = 0.2;
  o.max_iter = 100000;
  o.tol = 1e-10;
  SinkhornResult plain = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
  o.eps_scaling = true;
  o.scaling_factor = 0.7;
  SinkhornResult scaled = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
  ASSERT_TRUE(plain.converged && scaled.converged);
  EXPECT_NEAR(TransportCost(cost, scaled, o.eps), TransportCost(cost, plain, o.eps), 1e-8);
  EXPECT_TRUE(at::allclose(scaled.f + scaled.g.mean(), plain.f + plain.g.mean(), 1e-6, 1e-8));
  std::cout << "eps-scaling iterations " << scaled.iterations << ", plain " << plain.iterations
            << "\n";
}

TEST(SinkhornTest, DegenerateInputsNeverProduceNanOrInf) {
  at::manual_seed(16);
  struct Case {
    const char* name;
    at::Tensor x, y;
    double eps;
    double column_tol;  // float32 at eps/C ~ 1e-6: g_j carries ulp(1e3)/eps ~ 0.06 of error
  };
  at::Tensor cloud = at::randn({6, 2});
  at::Tensor dup = at::cat({cloud.narrow(0, 0, 3), cloud.narrow(0, 0, 3)});
  std::vector<Case> cases = {
      {"identical clouds", cloud, cloud, 0.01, 1e-5},
      {"single point each", cloud.narrow(0, 0, 1), cloud.narrow(0, 1, 1), 0.01, 1e-5},
      {"single point vs cloud", cloud.narrow(0, 0, 1), cloud, 0.01, 1e-5},
      {"duplicate points", dup, cloud, 0.01, 1e-5},
      {"zero diameter", at::ones({5, 2}), at::ones({4, 2}), 0.01, 1e-5},
      {"eps 1e-3, costs ~1e3", cloud * 30, at::randn({7, 2}) * 30, 1e-3, 0.05},
  };
  for (const Case& c : cases) {
    at::Tensor cost = PairwiseCost(c.x, c.y, CostKind::kSqEuclidean);
    for (bool scaling : {false, true}) {
      SinkhornOptions o;
      o.eps = c.eps;
      o.max_iter = 300;
      o.tol = 1e-6;
      o.eps_scaling = scaling;
      o.return_plan = true;
      SinkhornResult r = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
      EXPECT_TRUE(AllFinite(r)) << c.name << " scaling " << scaling;
      // After the last update the columns carry b exactly (float32 rounding aside).
      EXPECT_LT((r.plan.sum(0) - 1.0 / cost.size(1)).abs().sum().item<float>(), c.column_tol)
          << c.name;
    }
  }
  // The self-transport solve of a cloud with duplicates, symmetric mode.
  at::Tensor cost = PairwiseCost(dup, dup, CostKind::kSqEuclidean);
  SinkhornOptions o;
  o.eps = 1e-3;
  o.symmetric = true;
  o.return_plan = true;
  SinkhornResult r = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
  EXPECT_TRUE(AllFinite(r));
  EXPECT_LT(r.marginal_error, 1e-3);
}

TEST(SinkhornTest, TinyEpsOnLargeCostsStillConvergesInDouble) {
  at::manual_seed(17);
  at::Tensor x = at::randn({6, 2}, Double()) * 30, y = at::randn({6, 2}, Double()) * 30;
  at::Tensor cost = PairwiseCost(x, y, CostKind::kSqEuclidean);
  SinkhornOptions o;
  o.eps = 1e-3;
  o.max_iter = 2000;
  o.tol = 1e-9;
  o.eps_scaling = true;
  SinkhornResult r = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
  ASSERT_TRUE(AllFinite(r));
  EXPECT_TRUE(r.converged) << r.marginal_error;
  EXPECT_NEAR(TransportCost(cost, r, o.eps), BruteForceOt(cost), 1e-6 * BruteForceOt(cost));
}

TEST(SinkhornTest, AutogradFlowsOnlyOutsideNoGradGuard) {
  at::Tensor cost = at::rand({4, 3}, Double()).requires_grad_();
  SinkhornOptions o;
  o.max_iter = 5;
  SinkhornResult r = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
  EXPECT_TRUE(r.f.requires_grad());
  EXPECT_TRUE(r.g.requires_grad());
  at::NoGradGuard no_grad;
  SinkhornResult d = SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
  EXPECT_FALSE(d.f.requires_grad());
}

TEST(SinkhornTest, ValidateRejectsEveryBadOptionByName) {
  EXPECT_TRUE(ValidateSinkhornOptions(SinkhornOptions()).ok());
  auto expect_bad = [](SinkhornOptions o, const char* field) {
    absl::Status s = ValidateSinkhornOptions(o);
    ASSERT_FALSE(s.ok()) << field;
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
  };
  SinkhornOptions o;
  o.eps = 0;
  expect_bad(o, "eps");
  o.eps = std::numeric_limits<double>::quiet_NaN();
  expect_bad(o, "eps");
  o = SinkhornOptions();
  o.max_iter = 0;
  expect_bad(o, "max_iter");
  o = SinkhornOptions();
  o.tol = -1;
  expect_bad(o, "tol");
  o = SinkhornOptions();
  o.check_every = 0;
  expect_bad(o, "check_every");
  o = SinkhornOptions();
  o.scaling_factor = 1.0;
  expect_bad(o, "scaling_factor");
  // SolveSinkhorn refuses them too (c10::Error), and refuses mismatched weights.
  at::Tensor cost = at::rand({3, 2});
  EXPECT_THROW(SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o), c10::Error);
  EXPECT_THROW(SolveSinkhorn(cost, at::ones({2}) / 2, at::Tensor(), SinkhornOptions()),
               c10::Error);
  SinkhornOptions sym;
  sym.symmetric = true;
  EXPECT_THROW(SolveSinkhorn(cost, at::Tensor(), at::Tensor(), sym), c10::Error);
}

}  // namespace
}  // namespace otgan::ot

#include "lib/ot/divergence.h"

#include <functional>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>

#include "gtest/gtest.h"
#include "lib/ot/cost.h"
#include "lib/ot/sinkhorn.h"

namespace otgan::ot {
namespace {

at::TensorOptions Double() { return at::TensorOptions().dtype(at::kDouble); }

SinkhornOptions Converged(double eps) {
  SinkhornOptions o;
  o.eps = eps;
  o.max_iter = 20000;
  o.tol = 1e-12;
  return o;
}

double Item(const at::Tensor& t) { return t.item<double>(); }

TEST(DivergenceTest, ParseGradMode) {
  EXPECT_EQ(*ParseGradMode("unrolled"), GradMode::kUnrolled);
  EXPECT_EQ(*ParseGradMode("envelope"), GradMode::kEnvelope);
  auto bad = ParseGradMode("implicit");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("implicit"), std::string::npos);
}

TEST(DivergenceTest, NonNegativeZeroOnIdenticalCloudsAndSymmetric) {
  at::manual_seed(21);
  for (CostKind kind : {CostKind::kSqEuclidean, CostKind::kEuclidean, CostKind::kCosine}) {
    for (double eps : {0.05, 0.5, 5.0}) {
      SinkhornOptions o;
      o.eps = eps;
      o.max_iter = 3000;
      o.tol = 1e-9;
      for (int trial = 0; trial < 3; ++trial) {
        at::Tensor x = at::randn({8, 3}, Double());
        at::Tensor y = at::randn({6, 3}, Double()) + 0.3 * trial;
        SinkhornStats stats;
        const double xy = Item(SinkhornDivergence(x, y, kind, o, GradMode::kUnrolled, &stats));
        const double yx = Item(SinkhornDivergence(y, x, kind, o, GradMode::kUnrolled, &stats));
        // Residual marginal error delta moves a <P, C> value by at most delta max C.
        const double max_cost =
            PairwiseCost(at::cat({x, y}), at::cat({x, y}), kind).max().item<double>();
        const double slack = 4 * stats.max_marginal_error * max_cost + 1e-10;
        EXPECT_GE(xy, -slack) << CostKindName(kind) << " eps " << eps;
        EXPECT_NEAR(xy, yx, slack) << CostKindName(kind) << " eps " << eps;
        EXPECT_NEAR(Item(SinkhornDivergence(x, x, kind, o, GradMode::kUnrolled)), 0, 1e-10);
        // The symmetric self-term solver gives the same value.
        SinkhornOptions sym = o;
        sym.symmetric = true;
        EXPECT_NEAR(Item(SinkhornDivergence(x, y, kind, sym, GradMode::kEnvelope)), xy, slack);
      }
    }
  }
}

// For both cosine kinds: kCosineOfUnitRows must take the (not unit) clouds as
// they are, so its energy distance is built from 1 - <p, q>.
TEST(DivergenceTest, DivergenceAndEnergyDistanceMatchTheirDefinitionsTermByTerm) {
  at::manual_seed(22);
  at::Tensor x = at::randn({7, 2}, Double()), x2 = at::randn({7, 2}, Double());
  at::Tensor y = at::randn({5, 2}, Double()) + 1, y2 = at::randn({5, 2}, Double()) + 1;
  SinkhornOptions o = Converged(0.3);
  for (CostKind kind : {CostKind::kCosine, CostKind::kCosineOfUnitRows}) {
    auto w = [&](const at::Tensor& p, const at::Tensor& q) {
      at::Tensor c = PairwiseCost(p, q, kind);
      SinkhornResult r = SolveSinkhorn(c, at::Tensor(), at::Tensor(), o);
      return Item((SinkhornPlan(c, r, at::Tensor(), at::Tensor(), o.eps) * c).sum());
    };
    for (GradMode mode : {GradMode::kUnrolled, GradMode::kEnvelope}) {
      EXPECT_NEAR(Item(EntropicTransportCost(x, y, kind, o, mode)), w(x, y), 1e-12);
      EXPECT_NEAR(Item(SinkhornDivergence(x, y, kind, o, mode)), 2 * w(x, y) - w(x, x) - w(y, y),
                  1e-12);
      const double expected =
          w(x, y) + w(x, y2) + w(x2, y) + w(x2, y2) - 2 * w(x, x2) - 2 * w(y, y2);
      SinkhornStats stats;
      EXPECT_NEAR(Item(MinibatchEnergyDistance(x, x2, y, y2, kind, o, mode, &stats)), expected,
                  1e-12);
      EXPECT_EQ(stats.solves, 6);
      EXPECT_TRUE(stats.all_converged);
      EXPECT_LT(stats.max_marginal_error, 1e-12);
    }
  }
}

// OT-GAN's loss as otgan_mnist computes it (the critic returns UnitRows, the
// cost is kCosineOfUnitRows) equals the cosine cost on the raw features, in
// value and in the gradient with respect to those features.
TEST(DivergenceTest, EnergyDistanceOnUnitRowsEqualsTheCosineCostOnRawRows) {
  at::manual_seed(24);
  std::vector<at::Tensor> raw;
  for (int i = 0; i < 4; ++i) raw.push_back(at::randn({6, 5}, Double()).requires_grad_(true));
  SinkhornOptions o = Converged(0.2);
  for (GradMode mode : {GradMode::kUnrolled, GradMode::kEnvelope}) {
    at::Tensor a =
        MinibatchEnergyDistance(raw[0], raw[1], raw[2], raw[3], CostKind::kCosine, o, mode);
    at::Tensor b = MinibatchEnergyDistance(UnitRows(raw[0]), UnitRows(raw[1]), UnitRows(raw[2]),
                                           UnitRows(raw[3]), CostKind::kCosineOfUnitRows, o, mode);
    EXPECT_NEAR(Item(a), Item(b), 1e-12);
    const auto ga = torch::autograd::grad({a}, raw), gb = torch::autograd::grad({b}, raw);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(at::allclose(ga[i], gb[i], 1e-10, 1e-12)) << i;
  }
}

TEST(DivergenceTest, DualValueIsTransportCostPlusEpsKl) {
  at::manual_seed(23);
  at::Tensor cost = at::rand({6, 4}, Double());
  at::Tensor a = at::rand({6}, Double()) + 0.2, b = at::rand({4}, Double()) + 0.2;
  a /= a.sum();
  b /= b.sum();
  SinkhornOptions o = Converged(0.2);
  o.return_plan = true;
  SinkhornResult r = SolveSinkhorn(cost, a, b, o);
  const double kl = Item((r.plan * (r.plan / at::outer(a, b)).log()).sum());
  const double primal = Item((r.plan * cost).sum()) + o.eps * kl;
  for (GradMode mode : {GradMode::kUnrolled, GradMode::kEnvelope}) {
    EXPECT_NEAR(Item(SinkhornDualValue(cost, a, b, o, mode)), primal, 1e-10);
    EXPECT_NEAR(Item(EntropicTransportCost(cost, a, b, o, mode)), Item((r.plan * cost).sum()),
                1e-12);
  }
}

// Central differences of value(x) along every coordinate of x.
at::Tensor FiniteDifferenceGradient(const std::function<double(const at::Tensor&)>& value,
                                    const at::Tensor& x0, double h = 1e-6) {
  at::Tensor g = at::zeros_like(x0);
  for (int64_t p = 0; p < x0.numel(); ++p) {
    at::Tensor xp = x0.clone(), xm = x0.clone();
    xp.view({-1})[p] += h;
    xm.view({-1})[p] -= h;
    g.view({-1})[p] = (value(xp) - value(xm)) / (2 * h);
  }
  return g;
}

at::Tensor AutogradGradient(const std::function<at::Tensor(const at::Tensor&)>& value,
                            const at::Tensor& x0) {
  at::Tensor x = x0.clone().requires_grad_();
  return torch::autograd::grad({value(x)}, {x})[0];
}

TEST(DivergenceTest, UnrolledGradientsMatchFiniteDifferences) {
  at::manual_seed(24);
  at::Tensor x0 = at::randn({5, 2}, Double()), y = at::randn({4, 2}, Double());
  SinkhornOptions o;
  o.eps = 0.5;
  o.max_iter = 20;  // a fixed number of iterations: an exact function of x
  o.tol = 0;
  for (CostKind kind : {CostKind::kSqEuclidean, CostKind::kEuclidean, CostKind::kCosine}) {
    using Fn = std::function<at::Tensor(const at::Tensor&)>;
    std::vector<std::pair<const char*, Fn>> fns = {
        {"transport",
         [&](const at::Tensor& x) {
           return EntropicTransportCost(x, y, kind, o, GradMode::kUnrolled);
         }},
        {"dual",
         [&](const at::Tensor& x) {
           return SinkhornDualValue(x, y, kind, o, GradMode::kUnrolled);
         }},
        {"divergence",
         [&](const at::Tensor& x) {
           return SinkhornDivergence(x, y, kind, o, GradMode::kUnrolled);
         }},
    };
    for (auto& [name, fn] : fns) {
      at::Tensor g = AutogradGradient(fn, x0);
      at::Tensor fd =
          FiniteDifferenceGradient([&](const at::Tensor& x) { return Item(fn(x)); }, x0);
      EXPECT_TRUE(at::allclose(g, fd, 1e-5, 1e-7)) << name << " " << CostKindName(kind) << "\n"
                                                   << g << "\n"
                                                   << fd;
    }
  }
}

TEST(DivergenceTest, EnvelopeGradientOfTheConvergedDualValueMatchesFiniteDifferences) {
  at::manual_seed(25);
  at::Tensor x0 = at::randn({6, 2}, Double()), y = at::randn({5, 2}, Double());
  SinkhornOptions o = Converged(0.3);
  for (CostKind kind : {CostKind::kSqEuclidean, CostKind::kCosine}) {
    auto converged_value = [&](const at::Tensor& x) {
      at::NoGradGuard no_grad;
      SinkhornStats stats;
      double v = Item(SinkhornDualValue(x, y, kind, o, GradMode::kUnrolled, &stats));
      EXPECT_TRUE(stats.all_converged);
      return v;
    };
    at::Tensor fd = FiniteDifferenceGradient(converged_value, x0);
    at::Tensor envelope = AutogradGradient(
        [&](const at::Tensor& x) { return SinkhornDualValue(x, y, kind, o, GradMode::kEnvelope); },
        x0);
    EXPECT_TRUE(at::allclose(envelope, fd, 1e-5, 1e-7)) << envelope << "\n" << fd;
  }
}

TEST(DivergenceTest, EnvelopeGradientOfTransportCostIsPlanTimesCostGradient) {
  // For <P, C> the envelope gradient leaves out dP/dC: it equals
  // d/dx sum(P_fixed * C(x)) exactly, and approaches the true gradient as eps -> 0.
  at::manual_seed(26);
  at::Tensor x0 = at::randn({6, 2}, Double()), y = at::randn({6, 2}, Double());
  const CostKind kind = CostKind::kSqEuclidean;
  SinkhornOptions o = Converged(0.5);
  o.return_plan = true;
  SinkhornResult r = SolveSinkhorn(PairwiseCost(x0, y, kind), at::Tensor(), at::Tensor(), o);
  at::Tensor fixed_plan_grad = AutogradGradient(
      [&](const at::Tensor& x) { return (r.plan * PairwiseCost(x, y, kind)).sum(); }, x0);
  at::Tensor envelope = AutogradGradient(
      [&](const at::Tensor& x) {
        return EntropicTransportCost(x, y, kind, o, GradMode::kEnvelope);
      },
      x0);
  EXPECT_TRUE(at::allclose(envelope, fixed_plan_grad, 1e-9, 1e-12));
  double previous = 1e9;
  for (double eps : {0.5, 0.05, 0.005}) {
    SinkhornOptions oe = Converged(eps);
    oe.eps_scaling = true;
    at::Tensor env = AutogradGradient(
        [&](const at::Tensor& x) {
          return EntropicTransportCost(x, y, kind, oe, GradMode::kEnvelope);
        },
        x0);
    at::Tensor unrolled = AutogradGradient(
        [&](const at::Tensor& x) {
          return EntropicTransportCost(x, y, kind, oe, GradMode::kUnrolled);
        },
        x0);
    const double gap = Item((env - unrolled).abs().max());
    EXPECT_LT(gap, previous) << "eps " << eps;
    previous = gap;
  }
  EXPECT_LT(previous, 1e-3);
}

TEST(DivergenceTest, EnvelopeModeKeepsTheGraphSmall) {
  at::Tensor x = at::randn({4, 2}, Double()).requires_grad_();
  at::Tensor y = at::randn({4, 2}, Double());
  SinkhornOptions o;
  o.max_iter = 50;
  at::Tensor v = MinibatchEnergyDistance(x, x * 0.5, y, y * 0.5, CostKind::kSqEuclidean, o,
                                         GradMode::kEnvelope);
  at::Tensor g = torch::autograd::grad({v}, {x})[0];
  EXPECT_TRUE(at::isfinite(g).all().item<bool>());
}

}  // namespace
}  // namespace otgan::ot

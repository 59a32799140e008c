#include "lib/ot/exact.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/ATen.h>

#include "gtest/gtest.h"
#include "lib/ot/assignment.h"

namespace otgan::ot {
namespace {

// Rows i repeated k[i] times, columns j repeated l[j] times.
at::Tensor Replicate(const at::Tensor& cost, const std::vector<int64_t>& k,
                     const std::vector<int64_t>& l) {
  std::vector<int64_t> rows, cols;
  for (size_t i = 0; i < k.size(); ++i) rows.insert(rows.end(), k[i], i);
  for (size_t j = 0; j < l.size(); ++j) cols.insert(cols.end(), l[j], j);
  return cost.index_select(0, at::tensor(rows, at::kLong))
      .index_select(1, at::tensor(cols, at::kLong));
}

std::vector<int64_t> RandomComposition(int64_t total, int64_t parts, at::Generator& gen) {
  // Each part >= 1, summing to total.
  std::vector<int64_t> out(parts, 1);
  for (int64_t r = parts; r < total; ++r) {
    out[at::randint(parts, {1}, gen, at::kLong).item<int64_t>()] += 1;
  }
  return out;
}

at::Tensor ToWeights(const std::vector<int64_t>& k, int64_t total) {
  return at::tensor(k, at::kLong).to(at::kDouble) / static_cast<double>(total);
}

// Independent check of feasibility and of the dual certificate.
void ExpectOptimalPlan(const ExactOtResult& r, const at::Tensor& cost, const at::Tensor& a,
                       const at::Tensor& b) {
  at::Tensor c = cost.to(at::kDouble);
  ASSERT_EQ(r.plan.sizes(), c.sizes());
  EXPECT_GE(r.plan.min().item<double>(), 0.0);
  EXPECT_TRUE(at::allclose(r.plan.sum(1), a.to(at::kDouble), 0, 1e-12));
  EXPECT_TRUE(at::allclose(r.plan.sum(0), b.to(at::kDouble), 0, 1e-12));
  EXPECT_NEAR((r.plan * c).sum().item<double>(), r.value, 1e-10);
  at::Tensor slack = c - r.f.unsqueeze(1) - r.g.unsqueeze(0);  // >= 0 when dual feasible
  EXPECT_GE(slack.min().item<double>(), -1e-9);
  const double dual = (a.to(at::kDouble) * r.f).sum().item<double>() +
                      (b.to(at::kDouble) * r.g).sum().item<double>();
  EXPECT_NEAR(dual, r.value, 1e-9);
}

TEST(ExactOtTest, GeneralWeightsMatchReplicatedAssignment) {
  at::Generator gen = at::detail::createCPUGenerator(11);
  for (int trial = 0; trial < 40; ++trial) {
    const int64_t n = 2 + trial % 4;
    const int64_t m = 2 + (trial / 4) % 5;
    const int64_t total = 12;
    std::vector<int64_t> k = RandomComposition(total, n, gen);
    std::vector<int64_t> l = RandomComposition(total, m, gen);
    at::Tensor cost = trial % 3 == 0 ? at::randint(0, 4, {n, m}, gen, at::kDouble)
                                     : at::randn({n, m}, gen, at::kDouble);
    at::Tensor a = ToWeights(k, total), b = ToWeights(l, total);
    auto r = ExactOt(cost, a, b);
    ASSERT_TRUE(r.ok()) << r.status();
    auto ref = SolveAssignment(Replicate(cost, k, l));
    ASSERT_TRUE(ref.ok()) << ref.status();
    EXPECT_NEAR(r->value, ref->mean_cost, 1e-10) << "trial " << trial;
    ExpectOptimalPlan(*r, cost, a, b);
  }
}

TEST(ExactOtTest, RandomRealWeightsHaveACertificate) {
  at::Generator gen = at::detail::createCPUGenerator(12);
  const int64_t n = 30, m = 45;
  at::Tensor x = at::randn({n, 3}, gen, at::kDouble);
  at::Tensor y = at::randn({m, 3}, gen, at::kDouble) + 0.5;
  at::Tensor cost = at::cdist(x, y).pow(2);
  at::Tensor a = at::rand({n}, gen, at::kDouble);
  at::Tensor b = at::rand({m}, gen, at::kDouble);
  a = a / a.sum();
  b = b / b.sum();
  b[3] = 0.0;  // a zero-mass column
  b = b / b.sum();
  auto r = ExactOt(cost, a, b);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->used_assignment);
  ExpectOptimalPlan(*r, cost, a, b);
  EXPECT_NEAR(r->plan.select(1, 3).sum().item<double>(), 0.0, 1e-15);
  // A basic optimal solution has at most n + m - 1 nonzero entries.
  EXPECT_LE((r->plan > 0).sum().item<int64_t>(), n + m - 1);
}

TEST(ExactOtTest, UniformSquareUsesAssignmentFastPath) {
  at::Generator gen = at::detail::createCPUGenerator(13);
  at::Tensor cost = at::rand({40, 40}, gen, at::kDouble);
  auto r = ExactOt(cost);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->used_assignment);
  auto ref = SolveAssignment(cost);
  ASSERT_TRUE(ref.ok());
  EXPECT_NEAR(r->value, ref->mean_cost, 1e-12);
  at::Tensor u = at::full({40}, 1.0 / 40, at::kDouble);
  ExpectOptimalPlan(*r, cost, u, u);
}

TEST(ExactOtTest, UniformDifferentSizesMatchReplication) {
  at::Generator gen = at::detail::createCPUGenerator(14);
  at::Tensor cost = at::randn({4, 6}, gen, at::kDouble);
  auto r = ExactOt(cost);  // weights 1/4 and 1/6: replicate rows 3x, columns 2x
  ASSERT_TRUE(r.ok()) << r.status();
  auto ref = SolveAssignment(Replicate(cost, {3, 3, 3, 3}, {2, 2, 2, 2, 2, 2}));
  ASSERT_TRUE(ref.ok());
  EXPECT_NEAR(r->value, ref->mean_cost, 1e-12);
}

TEST(ExactOtTest, RejectsBadWeights) {
  at::Tensor cost = at::rand({3, 4}, at::kDouble);
  auto neg = ExactOt(cost, at::tensor({0.5, 0.7, -0.2}, at::kDouble), {});
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.status().message().find("a[2]"), std::string::npos) << neg.status();
  auto mass = ExactOt(cost, at::tensor({0.5, 0.5, 0.5}, at::kDouble), {});
  ASSERT_FALSE(mass.ok());
  EXPECT_NE(mass.status().message().find("sum a = 1.5"), std::string::npos) << mass.status();
  EXPECT_FALSE(ExactOt(cost, at::ones({4}, at::kDouble), {}).ok());
  EXPECT_FALSE(ExactOt(at::rand({3}, at::kDouble)).ok());
}

TEST(ExactOtTest, RefusesTooLargeGeneralProblemsWithEstimate) {
  ExactOtOptions options;
  options.max_general_cells = 1000;
  auto r = ExactOt(at::zeros({600, 400}, at::kDouble), {}, {}, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  const std::string estimate = FormatBytes(ExactOtMemoryEstimate(600, 400));
  EXPECT_NE(r.status().message().find(estimate), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("MiB"), std::string::npos) << r.status();
  // The same size with uniform square weights goes to the assignment solver.
  EXPECT_TRUE(ExactOt(at::zeros({200, 200}, at::kDouble), {}, {}, options).ok());
}

TEST(ExactW1PointsTest, OneDimensionalClosedForm) {
  // In 1-D, W1 between uniform clouds of equal size matches sorted points.
  at::Generator gen = at::detail::createCPUGenerator(15);
  at::Tensor x = at::randn({300, 1}, gen, at::kDouble);
  at::Tensor y = at::rand({300, 1}, gen, at::kDouble) * 3;
  auto w1 = ExactW1Points(x, y);
  ASSERT_TRUE(w1.ok()) << w1.status();
  at::Tensor xs = std::get<0>(x.squeeze(1).sort());
  at::Tensor ys = std::get<0>(y.squeeze(1).sort());
  EXPECT_NEAR(*w1, (xs - ys).abs().mean().item<double>(), 1e-10);
}

TEST(ExactW1PointsTest, TranslationCostsItsLength) {
  // W1(mu, mu + t) = |t| for the Euclidean cost (in any dimension).
  at::Generator gen = at::detail::createCPUGenerator(16);
  at::Tensor x = at::randn({100, 5}, gen, at::kFloat);
  at::Tensor t = at::tensor({0.3, -0.4, 0.0, 1.2, 0.0}, at::kDouble);
  at::Tensor y = x.to(at::kDouble) + t;
  auto w1 = ExactW1Points(x, y);
  ASSERT_TRUE(w1.ok()) << w1.status();
  EXPECT_NEAR(*w1, 1.3, 1e-9);
  auto self = ExactW1Points(x, x.index_select(0, at::randperm(100, gen, at::kLong)));
  ASSERT_TRUE(self.ok());
  EXPECT_NEAR(*self, 0.0, 1e-12);
}

TEST(ExactW1PointsTest, RejectsMismatchedDimensions) {
  auto r = ExactW1Points(at::zeros({5, 3}), at::zeros({5, 4}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace otgan::ot

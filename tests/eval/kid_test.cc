#include "lib/eval/kid.h"

#include <cmath>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"

namespace otgan::eval {
namespace {

at::Generator Gen(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

double Kernel(const at::Tensor& a, const at::Tensor& b) {
  return std::pow(a.dot(b).item<double>() / a.size(0) + 1.0, 3);
}

TEST(KidTest, Mmd2MatchesBruteForceDoubleSum) {
  at::Tensor x = at::randn({6, 3}, Gen(1), at::kDouble);
  at::Tensor y = at::randn({5, 3}, Gen(2), at::kDouble) + 0.5;
  double sxx = 0, syy = 0, sxy = 0;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      if (i != j) sxx += Kernel(x[i], x[j]);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j)
      if (i != j) syy += Kernel(y[i], y[j]);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 5; ++j) sxy += Kernel(x[i], y[j]);
  const double expected = sxx / 30 + syy / 20 - 2 * sxy / 30;
  EXPECT_NEAR(PolynomialMmd2Unbiased(x, y), expected, 1e-12 * (1 + std::abs(expected)));
}

TEST(KidTest, SameDistributionIsNearZeroAndUnbiasedOverDraws) {
  // Many independent draws of two samples of one distribution: the unbiased
  // estimator averages to 0 within its standard error.
  const int draws = 200;
  std::vector<double> v;
  for (int s = 0; s < draws; ++s) {
    at::Tensor x = at::randn({100, 8}, Gen(100 + 2 * s), at::kDouble);
    at::Tensor y = at::randn({100, 8}, Gen(101 + 2 * s), at::kDouble);
    v.push_back(PolynomialMmd2Unbiased(x, y));
  }
  double mean = 0, var = 0;
  for (double a : v) mean += a;
  mean /= draws;
  for (double a : v) var += (a - mean) * (a - mean);
  const double sd = std::sqrt(var / (draws - 1));
  EXPECT_LT(std::abs(mean), 4.0 * sd / std::sqrt(double(draws)));
  // Some individual estimates are negative (an unbiased estimator of 0).
  int negative = 0;
  for (double a : v) negative += a < 0;
  EXPECT_GT(negative, draws / 10);
}

TEST(KidTest, SubsetAveragedKidSmallForSameLargeForDifferent) {
  at::Tensor a = at::randn({2000, 16}, Gen(3));
  at::Tensor b = at::randn({2000, 16}, Gen(4));
  at::Tensor c = at::randn({2000, 16}, Gen(5)) * 1.5 + 0.5;
  KidOptions opt;  // 10 subsets of min(1000, n)
  KidResult same = KernelInceptionDistance(a, b, opt);
  KidResult diff = KernelInceptionDistance(a, c, opt);
  EXPECT_EQ(same.subset_size, 1000);
  EXPECT_EQ(same.num_subsets, 10);
  EXPECT_EQ(same.values.size(), 10u);
  EXPECT_LT(std::abs(same.mean), 3 * same.std + 1e-3);
  EXPECT_GT(diff.mean, 0.0);
  EXPECT_GT(diff.mean, 20 * (std::abs(same.mean) + same.std));
  // Seeded: the same options give the same numbers.
  EXPECT_EQ(KernelInceptionDistance(a, c, opt).mean, diff.mean);
  // Subset size clamps to the smaller set.
  EXPECT_EQ(KernelInceptionDistance(a.slice(0, 0, 50), c, opt).subset_size, 50);
}

TEST(KidTest, CheckedFormRejectsBadInput) {
  at::Tensor a = at::zeros({5, 3});
  KidOptions bad;
  bad.num_subsets = 0;
  EXPECT_FALSE(CheckedKernelInceptionDistance(a, a, bad).ok());
  EXPECT_FALSE(CheckedKernelInceptionDistance(a, at::zeros({5, 4}), {}).ok());
  EXPECT_FALSE(CheckedKernelInceptionDistance(a, at::zeros({1, 3}), {}).ok());
  EXPECT_TRUE(CheckedKernelInceptionDistance(a, a, {}).ok());
}

}  // namespace
}  // namespace otgan::eval

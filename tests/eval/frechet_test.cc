#include "lib/eval/frechet.h"

#include <cmath>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"

namespace otgan::eval {
namespace {

at::Generator Gen(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// A random SPD-ish linear map to correlate Gaussian samples.
at::Tensor RandomMix(int64_t d, uint64_t seed) {
  return at::randn({d, d}, Gen(seed), at::kDouble) / std::sqrt(double(d)) +
         at::eye(d, at::kDouble);
}

TEST(FrechetTest, SetWithItselfIsZero) {
  at::Tensor f = at::matmul(at::randn({500, 16}, Gen(1), at::kDouble), RandomMix(16, 2)) * 3.0;
  const double scale = FeatureMoments(f).cov.trace().item<double>();
  EXPECT_LE(FrechetDistance(f, f), 1e-6 * scale);
  // Also in float32, the dtype of real features.
  EXPECT_LE(FrechetDistance(f.to(at::kFloat), f.to(at::kFloat)), 1e-6 * scale);
}

TEST(FrechetTest, MatchesClosedFormOfSampleMomentsComputedIndependently) {
  const int64_t d = 8;
  at::Tensor f1 = at::matmul(at::randn({400, d}, Gen(3), at::kDouble), RandomMix(d, 4));
  at::Tensor f2 = at::matmul(at::randn({300, d}, Gen(5), at::kDouble), RandomMix(d, 6)) + 0.7;
  // Independent reference: tr sqrt(S1 S2) = sum sqrt(eigenvalues of the
  // non-symmetric product S1 S2), whose eigenvalues are real and >= 0.
  at::Tensor m1 = f1.mean(0), m2 = f2.mean(0);
  at::Tensor c1 = f1 - m1, c2 = f2 - m2;
  at::Tensor s1 = at::matmul(c1.t(), c1) / double(f1.size(0) - 1);
  at::Tensor s2 = at::matmul(c2.t(), c2) / double(f2.size(0) - 1);
  at::Tensor ev = at::real(at::linalg_eigvals(at::matmul(s1, s2)));
  const double expected = (m1 - m2).pow(2).sum().item<double>() + s1.trace().item<double>() +
                          s2.trace().item<double>() -
                          2.0 * ev.clamp_min(0).sqrt().sum().item<double>();
  EXPECT_NEAR(FrechetDistance(f1, f2), expected, 1e-9 * std::abs(expected) + 1e-10);
}

TEST(FrechetTest, DiagonalGaussiansMatchPopulationClosedForm) {
  // N(mu1, diag(a)) vs N(mu2, diag(b)): |mu1-mu2|^2 + sum (a + b - 2 sqrt(ab)).
  const int64_t d = 4, n = 200000;
  at::Tensor sd1 = at::tensor({1.0, 2.0, 0.5, 1.5}, at::kDouble);
  at::Tensor sd2 = at::tensor({1.5, 1.0, 0.5, 3.0}, at::kDouble);
  at::Tensor mu1 = at::tensor({0.0, 1.0, 0.0, -1.0}, at::kDouble);
  at::Tensor mu2 = at::tensor({0.5, 1.0, 2.0, -1.0}, at::kDouble);
  at::Tensor f1 = at::randn({n, d}, Gen(7), at::kDouble) * sd1 + mu1;
  at::Tensor f2 = at::randn({n, d}, Gen(8), at::kDouble) * sd2 + mu2;
  const double population = (mu1 - mu2).pow(2).sum().item<double>() +
                            (sd1 - sd2).pow(2).sum().item<double>();  // = 4.25 + 2.5
  // Sampling error of the moments at n = 2e5 is ~1e-2 on this scale.
  EXPECT_NEAR(FrechetDistance(f1, f2), population, 0.05);
  // And the moment form with the population moments is exact.
  EXPECT_NEAR(FrechetDistanceFromMoments(mu1, at::diag(sd1.pow(2)), mu2, at::diag(sd2.pow(2))),
              population, 1e-10);
}

TEST(FrechetTest, SingularCovarianceWithFewerSamplesThanDimensions) {
  // n < d: both covariances are singular; the clamp keeps the result finite,
  // non-negative, and zero for identical sets.
  at::Tensor f1 = at::randn({10, 32}, Gen(9), at::kDouble);
  at::Tensor f2 = at::randn({12, 32}, Gen(10), at::kDouble) + 1.0;
  const double d = FrechetDistance(f1, f2);
  EXPECT_TRUE(std::isfinite(d));
  EXPECT_GT(d, 0.0);
  EXPECT_LE(FrechetDistance(f1, f1), 1e-8);
}

TEST(FrechetTest, CheckedFormRejectsBadShapes) {
  at::Tensor a = at::zeros({5, 3}), b = at::zeros({5, 4}), one = at::zeros({1, 3});
  EXPECT_FALSE(CheckedFrechetDistance(a, b).ok());
  EXPECT_FALSE(CheckedFrechetDistance(a, one).ok());
  EXPECT_FALSE(CheckedFrechetDistance(at::Tensor(), a).ok());
  EXPECT_TRUE(CheckedFrechetDistance(a, a).ok());
}

}  // namespace
}  // namespace otgan::eval

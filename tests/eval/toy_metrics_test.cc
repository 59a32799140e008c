#include "lib/eval/toy_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"
#include "lib/data/toy.h"

namespace otgan::eval {
namespace {

TEST(ToyMetricsTest, ExactFractionsOnHandMadeSamples) {
  // Two modes at (0,0) and (10,0), sigma 1: a sample is high quality within 3.
  at::Tensor centres = at::tensor({0.0, 0.0, 10.0, 0.0}, at::kDouble).reshape({2, 2});
  std::vector<double> pts = {
      0.5, 0.5,   // mode 0, high quality
      2.9, 0.0,   // mode 0, high quality (distance 2.9)
      0.0, 3.5,   // nearest mode 0, too far
      5.0, 5.0,   // too far from both
      10.0, 0.0,  // mode 1, on the centre
      7.0, 0.0,   // mode 1, distance exactly 3: high quality (closed ball)
      13.1, 0.0,  // too far
      -0.1, 0.0,  // mode 0
  };
  at::Tensor x = at::tensor(pts, at::kDouble).reshape({8, 2});
  ToyModeOptions opt;
  opt.coverage_fraction = 0.75;  // a mode needs >= 0.75 * 8 / 2 = 3 samples
  ToyModeResult r = ToyModeMetrics(x, centres, 1.0, opt);
  EXPECT_EQ(r.num_samples, 8);
  EXPECT_EQ(r.num_modes, 2);
  EXPECT_DOUBLE_EQ(r.high_quality_fraction, 5.0 / 8.0);
  ASSERT_EQ(r.high_quality_per_mode.size(), 2u);
  EXPECT_EQ(r.high_quality_per_mode[0], 3);
  EXPECT_EQ(r.high_quality_per_mode[1], 2);
  EXPECT_DOUBLE_EQ(r.coverage_min_count, 3.0);
  EXPECT_EQ(r.modes_covered, 1);
  opt.coverage_fraction = 0.5;  // threshold 2: both covered
  EXPECT_EQ(ToyModeMetrics(x, centres, 1.0, opt).modes_covered, 2);
}

TEST(ToyMetricsTest, TrueSamplesOf8GaussiansCoverAllModesWithHighQuality) {
  auto toy = data::ToyDistribution::Make(data::ToyKind::k8Gaussians);
  at::Tensor x = toy.Sample(4000, at::make_generator<at::CPUGeneratorImpl>(11));
  ToyModeResult r = ToyModeMetrics(x, toy.centers(), toy.sigma(), {});
  EXPECT_EQ(r.modes_covered, 8);
  // P(|N(0, s^2 I_2)| <= 3 s) = 1 - exp(-4.5) = 0.9889.
  EXPECT_NEAR(r.high_quality_fraction, 1 - std::exp(-4.5), 0.01);
  // All samples collapsed onto one centre: 1 mode, all high quality.
  at::Tensor collapsed = toy.centers().slice(0, 2, 3).expand({500, 2});
  ToyModeResult c = ToyModeMetrics(collapsed, toy.centers(), toy.sigma(), {});
  EXPECT_EQ(c.modes_covered, 1);
  EXPECT_DOUBLE_EQ(c.high_quality_fraction, 1.0);
}

TEST(ToyMetricsTest, ExactW2MatchesBruteForceOverPermutations) {
  at::Tensor x = at::randn({6, 2}, at::make_generator<at::CPUGeneratorImpl>(1), at::kDouble);
  at::Tensor y = at::randn({6, 2}, at::make_generator<at::CPUGeneratorImpl>(2), at::kDouble);
  std::vector<int> perm(6);
  std::iota(perm.begin(), perm.end(), 0);
  double best = 1e300;
  do {
    double s = 0;
    for (int i = 0; i < 6; ++i) s += (x[i] - y[perm[i]]).pow(2).sum().item<double>();
    best = std::min(best, s / 6);
  } while (std::next_permutation(perm.begin(), perm.end()));
  auto w2 = ExactW2(x, y);
  ASSERT_TRUE(w2.ok()) << w2.status();
  EXPECT_NEAR(*w2, std::sqrt(best), 1e-9);
  // A shift by v moves every point by |v|: W2 of x and x + v is |v|.
  auto shifted = ExactW2(x, x + at::tensor({0.3, -0.4}, at::kDouble));
  ASSERT_TRUE(shifted.ok());
  EXPECT_NEAR(*shifted, 0.5, 1e-9);
}

TEST(ToyMetricsTest, RejectsBadInput) {
  at::Tensor c = at::zeros({3, 2});
  EXPECT_FALSE(CheckedToyModeMetrics(at::zeros({5, 2}), at::zeros({0, 2}), 0.1, {}).ok());
  EXPECT_FALSE(CheckedToyModeMetrics(at::zeros({5, 2}), c, 0.0, {}).ok());
  EXPECT_FALSE(CheckedToyModeMetrics(at::zeros({5, 3}), c, 0.1, {}).ok());
  EXPECT_TRUE(CheckedToyModeMetrics(at::zeros({5, 2}), c, 0.1, {}).ok());
  EXPECT_FALSE(ExactW2(at::zeros({5, 2}), at::zeros({4, 2})).ok());
}

}  // namespace
}  // namespace otgan::eval

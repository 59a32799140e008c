#include "lib/data/toy.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace otgan::data {
namespace {

at::Generator Gen(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

TEST(ToyTest, ParseToyKindRoundTripsNames) {
  for (ToyKind k : {ToyKind::k8Gaussians, ToyKind::k25Gaussians, ToyKind::kSwissRoll,
                    ToyKind::kRing10}) {
    ToyDistribution d = ToyDistribution::Make(k);
    auto parsed = ParseToyKind(d.name());
    ASSERT_TRUE(parsed.ok()) << d.name();
    EXPECT_EQ(*parsed, k);
  }
  auto bad = ParseToyKind("9gaussians");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("9gaussians"), std::string::npos);
}

TEST(ToyTest, CentresAndSigmaFollowTheWganGpToyCode) {
  ToyDistribution g8 = ToyDistribution::Make(ToyKind::k8Gaussians);
  ASSERT_EQ(g8.centers().sizes(), (std::vector<int64_t>{8, 2}));
  EXPECT_NEAR(g8.sigma(), 0.02 / 1.414, 1e-12);
  // Every centre lies on the circle of radius 2 / 1.414, 45 degrees apart.
  at::Tensor r8 = g8.centers().norm(2, 1);
  EXPECT_TRUE(at::allclose(r8, at::full({8}, 2.0 / 1.414, at::kFloat), 0, 1e-5));
  EXPECT_NEAR(g8.centers()[0][0].item<float>(), 2.0 / 1.414, 1e-6);

  ToyDistribution g25 = ToyDistribution::Make(ToyKind::k25Gaussians);
  ASSERT_EQ(g25.centers().sizes(), (std::vector<int64_t>{25, 2}));
  EXPECT_NEAR(g25.sigma(), 0.05 / 2.828, 1e-12);
  EXPECT_NEAR(g25.centers().max().item<float>(), 4.0 / 2.828, 1e-6);
  EXPECT_NEAR(g25.centers().min().item<float>(), -4.0 / 2.828, 1e-6);
  EXPECT_NEAR(g25.centers().sum().item<float>(), 0.0, 1e-5);

  ToyDistribution ring = ToyDistribution::Make(ToyKind::kRing10);
  ASSERT_EQ(ring.centers().sizes(), (std::vector<int64_t>{10, 2}));
  EXPECT_TRUE(at::allclose(ring.centers().norm(2, 1), at::full({10}, 2.0 / 1.414, at::kFloat), 0,
                           1e-5));

  ToyDistribution roll = ToyDistribution::Make(ToyKind::kSwissRoll);
  EXPECT_EQ(roll.centers().numel(), 0);
  EXPECT_EQ(roll.centers().dim(), 2);
}

// Assigns each sample to its nearest centre and checks per-mode mass, mean and
// per-coordinate std against centers() and sigma().
void CheckModes(ToyKind kind, uint64_t seed) {
  ToyDistribution d = ToyDistribution::Make(kind);
  const int64_t n = 50000;
  at::Tensor x = d.Sample(n, Gen(seed));
  ASSERT_EQ(x.scalar_type(), at::kFloat);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{n, 2}));
  const at::Tensor& c = d.centers();
  const int64_t k = c.size(0);
  at::Tensor nearest = at::cdist(x, c).argmin(1);
  const double sigma = d.sigma();
  for (int64_t m = 0; m < k; ++m) {
    at::Tensor pts = x.index({nearest == m});
    const int64_t count = pts.size(0);
    // Mass: binomial(n, 1/k), allow 5 standard deviations.
    const double p = 1.0 / k;
    EXPECT_NEAR(count, n * p, 5 * std::sqrt(n * p * (1 - p))) << d.name() << " mode " << m;
    ASSERT_GT(count, 100);
    at::Tensor mean = pts.mean(0);
    at::Tensor std = pts.std(0);
    for (int j = 0; j < 2; ++j) {
      EXPECT_NEAR(mean[j].item<float>(), c[m][j].item<float>(), 5 * sigma / std::sqrt(count))
          << d.name() << " mode " << m << " coord " << j;
      // The sample std of ~count Gaussians has relative error ~1/sqrt(2 count).
      EXPECT_NEAR(std[j].item<float>(), sigma, sigma * 5 / std::sqrt(2.0 * count))
          << d.name() << " mode " << m << " coord " << j;
    }
    // No sample strays far from its mode: with sigma << centre spacing, every
    // point is within 6 sigma of its centre (probability of failure ~1e-4).
    EXPECT_LT((pts - c[m]).norm(2, 1).max().item<float>(), 6 * sigma) << d.name();
  }
}

TEST(ToyTest, EightGaussiansModes) { CheckModes(ToyKind::k8Gaussians, 1); }
TEST(ToyTest, TwentyFiveGaussiansModes) { CheckModes(ToyKind::k25Gaussians, 2); }
TEST(ToyTest, RingOfTenModes) { CheckModes(ToyKind::kRing10, 3); }

TEST(ToyTest, SwissRollRadiusRange) {
  ToyDistribution d = ToyDistribution::Make(ToyKind::kSwissRoll);
  EXPECT_NEAR(d.sigma(), 0.25 / 7.5, 1e-12);
  at::Tensor x = d.Sample(20000, Gen(4));
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{20000, 2}));
  // Noise-free radius is t in [1.5 pi, 4.5 pi]; the noise (std 0.25 per
  // coordinate before scaling) moves it by well under 1.5 (6 sigma of |noise|).
  at::Tensor r = x.norm(2, 1) * 7.5;
  const double lo = 1.5 * M_PI, hi = 4.5 * M_PI;
  EXPECT_GT(r.min().item<float>(), lo - 1.5);
  EXPECT_LT(r.max().item<float>(), hi + 1.5);
  EXPECT_LT(r.min().item<float>(), lo + 0.3);  // the ends are reached
  EXPECT_GT(r.max().item<float>(), hi - 0.3);
  // t is uniform, so the mean radius is about 3 pi.
  EXPECT_NEAR(r.mean().item<float>(), 3 * M_PI, 0.1);
  // The angle of a point tracks its radius (both are t up to the noise): the
  // wrapped difference atan2(z, x) - r has a median magnitude of about
  // 0.67 * 0.25 = 0.17 from the radial noise; a wrong parametrisation gives ~pi/2.
  at::Tensor angle = at::atan2(x.select(1, 1), x.select(1, 0));
  at::Tensor diff = at::remainder(angle - r + M_PI, 2 * M_PI) - M_PI;
  EXPECT_LT(diff.abs().median().item<float>(), 0.3);
}

TEST(ToyTest, SamplingIsSeededByTheGivenGeneratorOnly) {
  ToyDistribution d = ToyDistribution::Make(ToyKind::k25Gaussians);
  at::manual_seed(1);
  at::Tensor a = d.Sample(100, Gen(77));
  at::manual_seed(2);  // the global generator must not matter
  at::Tensor b = d.Sample(100, Gen(77));
  at::Tensor c = d.Sample(100, Gen(78));
  EXPECT_TRUE(a.equal(b));
  EXPECT_FALSE(a.equal(c));
  // The generator advances: two draws from one generator differ.
  at::Generator g = Gen(5);
  EXPECT_FALSE(d.Sample(10, g).equal(d.Sample(10, g)));
  EXPECT_EQ(d.Sample(0, g).sizes(), (std::vector<int64_t>{0, 2}));
}

}  // namespace
}  // namespace otgan::data

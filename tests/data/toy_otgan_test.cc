// The OT-GAN authors' 8-Gaussian toy (lib/data/toy.h, "8gaussians_otgan"):
// radius 2, per-coordinate std 0.2, as gaussians_8mode in openai/ot-gan
// toy_example/med_gan_toy_example2.ipynb.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"
#include "lib/data/toy.h"

namespace otgan::data {
namespace {

TEST(ToyOtganTest, RadiusTwoSigmaPointTwo) {
  auto kind = ParseToyKind("8gaussians_otgan");
  ASSERT_TRUE(kind.ok()) << kind.status();
  ToyDistribution d = ToyDistribution::Make(*kind);
  EXPECT_EQ(d.name(), "8gaussians_otgan");
  EXPECT_DOUBLE_EQ(d.sigma(), 0.2);
  ASSERT_EQ(d.centers().sizes(), (std::vector<int64_t>{8, 2}));
  EXPECT_TRUE(at::allclose(d.centers().norm(2, 1), at::full({8}, 2.0f), 0, 1e-5));

  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
  const at::Tensor x = d.Sample(40000, gen);
  // Nearest centre, residual std per coordinate ~0.2, each mode ~1/8 of the mass.
  const at::Tensor dist = at::cdist(x, d.centers());
  const at::Tensor nearest = dist.argmin(1);
  const at::Tensor resid = x - d.centers().index_select(0, nearest);
  EXPECT_NEAR(resid.std(0)[0].item<double>(), 0.2, 0.01);
  EXPECT_NEAR(resid.std(0)[1].item<double>(), 0.2, 0.01);
  const at::Tensor counts = at::bincount(nearest, {}, 8).to(at::kDouble) / 40000.0;
  EXPECT_TRUE(at::allclose(counts, at::full({8}, 0.125, at::kDouble), 0, 0.01));
}

TEST(ToyOtganTest, ExistingKindsKeepTheirScale) {
  EXPECT_NEAR(ToyDistribution::Make(ToyKind::k8Gaussians).sigma(), 0.02 / 1.414, 1e-12);
}

}  // namespace
}  // namespace otgan::data

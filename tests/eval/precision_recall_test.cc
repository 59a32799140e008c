#include "lib/eval/precision_recall.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"

namespace otgan::eval {
namespace {

at::Generator Gen(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

TEST(PrecisionRecallTest, IdenticalSetsScoreOne) {
  at::Tensor f = at::randn({300, 16}, Gen(1));
  PrecisionRecall pr = KnnPrecisionRecall(f, f, 3);
  EXPECT_EQ(pr.precision, 1.0);
  EXPECT_EQ(pr.recall, 1.0);
  EXPECT_EQ(pr.k, 3);
}

TEST(PrecisionRecallTest, FarApartSetsScoreZero) {
  at::Tensor a = at::randn({200, 8}, Gen(2));
  at::Tensor b = at::randn({200, 8}, Gen(3)) + 100.0;
  PrecisionRecall pr = KnnPrecisionRecall(a, b, 3);
  EXPECT_EQ(pr.precision, 0.0);
  EXPECT_EQ(pr.recall, 0.0);
}

TEST(PrecisionRecallTest, KnnRadiiMatchBruteForceOnLine) {
  // Points 0, 1, 3, 7 on a line: 1-NN distances 1, 1, 2, 4; 2-NN 3, 2, 3, 6.
  at::Tensor x = at::tensor({0.0, 1.0, 3.0, 7.0}, at::kDouble).unsqueeze(1);
  at::Tensor r1 = KnnRadii(x, 1), r2 = KnnRadii(x, 2);
  std::vector<double> e1 = {1, 1, 2, 4}, e2 = {3, 2, 3, 6};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(r1[i].item<double>(), e1[i], 1e-12);
    EXPECT_NEAR(r2[i].item<double>(), e2[i], 1e-12);
  }
}

TEST(PrecisionRecallTest, MissingModeLowersRecallNotPrecision) {
  // Real: two clusters; fake: only the first. Precision ~1, recall ~0.5.
  at::Tensor c1 = at::randn({200, 4}, Gen(4));
  at::Tensor c2 = at::randn({200, 4}, Gen(5)) + 50.0;
  at::Tensor real = at::cat({c1, c2}, 0);
  at::Tensor fake = at::randn({400, 4}, Gen(6));
  PrecisionRecall pr = KnnPrecisionRecall(real, fake, 3);
  EXPECT_GT(pr.precision, 0.8);
  EXPECT_GT(pr.recall, 0.4);
  EXPECT_LE(pr.recall, 0.5);
}

TEST(PrecisionRecallTest, ExactFractionsOnHandMadeBalls) {
  at::Tensor centres = at::tensor({0.0, 0.0, 10.0, 0.0}, at::kDouble).reshape({2, 2});
  at::Tensor radii = at::tensor({1.0, 2.0}, at::kDouble);
  // Inside the first (on the sphere), inside the second, outside both, outside both.
  at::Tensor q = at::tensor({1.0, 0.0, 11.5, 0.0, 5.0, 0.0, 0.0, 1.5}, at::kDouble).reshape({4, 2});
  EXPECT_DOUBLE_EQ(FractionInsideBalls(q, centres, radii), 0.5);
}

TEST(PrecisionRecallTest, CheckedFormRejectsTooFewRows) {
  at::Tensor a = at::zeros({3, 2});
  EXPECT_FALSE(CheckedKnnPrecisionRecall(a, at::zeros({10, 2}), 3).ok());
  EXPECT_FALSE(CheckedKnnPrecisionRecall(at::zeros({10, 2}), at::zeros({10, 3}), 3).ok());
  EXPECT_FALSE(CheckedKnnPrecisionRecall(at::zeros({10, 2}), at::zeros({10, 2}), 0).ok());
  EXPECT_TRUE(CheckedKnnPrecisionRecall(at::zeros({10, 2}), at::zeros({10, 2}), 3).ok());
}

}  // namespace
}  // namespace otgan::eval

#include "lib/eval/classifier_scores.h"

#include <cmath>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"

namespace otgan::eval {
namespace {

at::Generator Gen(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// One-hot rows with labels[i].
at::Tensor OneHot(const std::vector<int64_t>& labels, int64_t k = 10) {
  at::Tensor p = at::zeros({int64_t(labels.size()), k}, at::kFloat);
  for (size_t i = 0; i < labels.size(); ++i) p[i][labels[i]] = 1.0;
  return p;
}

TEST(ClassifierScoresTest, ConfidentBalancedIsExactlyTenConstantIsOne) {
  std::vector<int64_t> balanced;
  for (int i = 0; i < 1000; ++i) balanced.push_back(i % 10);
  at::Tensor p = OneHot(balanced);
  EXPECT_NEAR(InceptionScoreOfSet(p), 10.0, 1e-12);
  // With 10 splits of 100 consecutive samples each split is balanced too.
  InceptionScoreResult r = InceptionScore(p, 10);
  EXPECT_NEAR(r.mean, 10.0, 1e-12);
  EXPECT_NEAR(r.std, 0.0, 1e-12);
  EXPECT_EQ(r.samples_per_split, 100);
  // Constant confident predictions, and constant soft predictions: IS = 1.
  EXPECT_NEAR(InceptionScoreOfSet(OneHot(std::vector<int64_t>(50, 3))), 1.0, 1e-12);
  at::Tensor soft = at::softmax(at::randn({1, 10}, Gen(1)), 1).expand({50, 10});
  EXPECT_NEAR(InceptionScoreOfSet(soft), 1.0, 1e-9);
}

TEST(ClassifierScoresTest, RandomProbabilitiesLieInOneToTenAndMatchHandComputation) {
  at::Tensor p = at::softmax(3.0 * at::randn({200, 10}, Gen(2), at::kDouble), 1);
  const double is = InceptionScoreOfSet(p);
  EXPECT_GT(is, 1.0);
  EXPECT_LT(is, 10.0);
  // Hand computation with explicit loops.
  at::Tensor py = p.mean(0);
  double kl = 0;
  for (int i = 0; i < 200; ++i)
    for (int k = 0; k < 10; ++k) {
      double a = p[i][k].item<double>();
      kl += a * std::log(a / py[k].item<double>());
    }
  EXPECT_NEAR(is, std::exp(kl / 200), 1e-9);
  // Two classes used confidently and evenly: exactly 2.
  std::vector<int64_t> two;
  for (int i = 0; i < 100; ++i) two.push_back(i % 2 ? 7 : 1);
  EXPECT_NEAR(InceptionScoreOfSet(OneHot(two)), 2.0, 1e-12);
}

TEST(ClassifierScoresTest, LabelHistogramKl) {
  std::vector<int64_t> balanced;
  for (int i = 0; i < 100; ++i) balanced.push_back(i % 10);
  EXPECT_NEAR(LabelHistogramKl(OneHot(balanced)), 0.0, 1e-12);
  EXPECT_NEAR(LabelHistogramKl(OneHot(std::vector<int64_t>(20, 4))), std::log(10.0), 1e-12);
  // Half on class 0, half on class 1: KL = log 5.
  std::vector<int64_t> two;
  for (int i = 0; i < 40; ++i) two.push_back(i % 2);
  EXPECT_NEAR(LabelHistogramKl(OneHot(two)), std::log(5.0), 1e-12);
  std::vector<double> h = PredictedLabelHistogram(OneHot(two));
  ASSERT_EQ(h.size(), 10u);
  EXPECT_DOUBLE_EQ(h[0], 0.5);
  EXPECT_DOUBLE_EQ(h[9], 0.0);
}

TEST(ClassifierScoresTest, CheckedFormRejectsLogitsAndBadSplits) {
  at::Tensor logits = at::randn({20, 10}, Gen(3));
  EXPECT_FALSE(CheckedInceptionScore(logits, 2).ok());
  at::Tensor p = at::softmax(logits, 1);
  EXPECT_TRUE(CheckedInceptionScore(p, 2).ok());
  EXPECT_FALSE(CheckedInceptionScore(p, 0).ok());
  EXPECT_FALSE(CheckedInceptionScore(p, 21).ok());
}

}  // namespace
}  // namespace otgan::eval

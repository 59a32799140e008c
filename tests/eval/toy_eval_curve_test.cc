#include "lib/eval/toy_eval_curve.h"

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"
#include "lib/data/toy.h"

namespace otgan::eval {
namespace {

std::unique_ptr<ToyEvalCurve> Make(data::ToyKind kind, int64_t n = 500) {
  ToyEvalCurveOptions opt;
  opt.kind = kind;
  opt.num_samples = n;
  opt.seed = 3;
  auto curve = ToyEvalCurve::Create(opt);
  EXPECT_TRUE(curve.ok()) << curve.status();
  return curve.ok() ? std::move(*curve) : nullptr;
}

TEST(ToyEvalCurveTest, TargetSamplesCoverEveryModeAndSitAtTheFloor) {
  auto curve = Make(data::ToyKind::k8Gaussians);
  ASSERT_NE(curve, nullptr);
  EXPECT_EQ(curve->MetricNames(),
            (std::vector<std::string>{"modes_covered", "high_quality_fraction", "w2", "w2_floor"}));
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(99);
  const at::Tensor fresh = data::ToyDistribution::Make(data::ToyKind::k8Gaussians).Sample(500, gen);
  auto m = curve->Evaluate(fresh);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)["modes_covered"], 8);
  EXPECT_GT((*m)["high_quality_fraction"], 0.95);
  EXPECT_GT(curve->w2_floor(), 0);
  EXPECT_EQ((*m)["w2_floor"], curve->w2_floor());
  // A third target sample is as far from the first as the second is.
  EXPECT_LT((*m)["w2"], 2 * curve->w2_floor());
}

TEST(ToyEvalCurveTest, ACollapsedGeneratorCoversOneModeAndScoresFarAboveTheFloor) {
  auto curve = Make(data::ToyKind::k25Gaussians);
  ASSERT_NE(curve, nullptr);
  const at::Tensor centres = data::ToyDistribution::Make(data::ToyKind::k25Gaussians).centers();
  const at::Tensor collapsed = centres.slice(0, 0, 1).expand({500, 2}).contiguous();
  auto m = curve->Evaluate(collapsed);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)["modes_covered"], 1);
  EXPECT_NEAR((*m)["high_quality_fraction"], 1.0, 1e-12);
  EXPECT_GT((*m)["w2"], 5 * curve->w2_floor());  // 2.42 vs 0.287 at n = 500
}

TEST(ToyEvalCurveTest, TheSwissRollHasNoModeColumns) {
  auto curve = Make(data::ToyKind::kSwissRoll, 100);
  ASSERT_NE(curve, nullptr);
  EXPECT_EQ(curve->MetricNames(), (std::vector<std::string>{"w2", "w2_floor"}));
  auto m = curve->Evaluate(at::zeros({100, 2}));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->size(), 2u);
  EXPECT_GT((*m)["w2"], (*m)["w2_floor"]);
}

TEST(ToyEvalCurveTest, RefusesBadInput) {
  ToyEvalCurveOptions small;
  small.num_samples = 9;
  auto refused = ToyEvalCurve::Create(small);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("num_samples=9"), std::string::npos);

  auto curve = Make(data::ToyKind::k8Gaussians, 50);
  ASSERT_NE(curve, nullptr);
  EXPECT_FALSE(curve->Evaluate(at::zeros({49, 2})).ok());
  EXPECT_FALSE(curve->Evaluate(at::zeros({50, 3})).ok());
  at::Tensor with_nan = at::zeros({50, 2});
  with_nan[7][1] = std::numeric_limits<float>::quiet_NaN();
  auto nan = curve->Evaluate(with_nan);
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(std::string(nan.status().message()).find("non-finite"), std::string::npos);
}

}  // namespace
}  // namespace otgan::eval

#include "lib/train/schedule.h"

#include "gtest/gtest.h"

namespace otgan::train {
namespace {

TEST(ScheduleTest, WganCodeBurstsAtStartAndEvery500th) {
  const CriticSchedule s = WganCodeSchedule();
  ASSERT_TRUE(ValidateSchedule(s).ok());
  for (int64_t i = 0; i < 25; ++i) EXPECT_EQ(CriticSteps(i, s), 100) << "iteration " << i;
  EXPECT_EQ(CriticSteps(25, s), 5);
  EXPECT_EQ(CriticSteps(499, s), 5);
  EXPECT_EQ(CriticSteps(500, s), 100);
  EXPECT_EQ(CriticSteps(501, s), 5);
  EXPECT_EQ(CriticSteps(1000, s), 100);
  // 25 bursts at the start, one at 500, 5 for the remaining 974 iterations.
  EXPECT_EQ(TotalCriticSteps(1000, s), 25 * 100 + 100 + 974 * 5);
}

TEST(ScheduleTest, ConstantSchedules) {
  for (int64_t i : {0, 1, 24, 500, 12345}) {
    EXPECT_EQ(CriticSteps(i, WganPaperSchedule()), 5);
    EXPECT_EQ(CriticSteps(i, WganGpSchedule()), 5);
    EXPECT_EQ(CriticSteps(i, AssignerSchedule()), 5);
    EXPECT_EQ(CriticSteps(i, AssignerSchedule(7)), 7);
    EXPECT_EQ(CriticSteps(i, NoCriticSchedule()), 0);
  }
  EXPECT_EQ(TotalCriticSteps(500, AssignerSchedule()), 2500);  // Laschos: 500 loops x 5
}

TEST(ScheduleTest, OtGanThreeGeneratorStepsPerCriticStep) {
  const CriticSchedule s = OtGanSchedule();
  ASSERT_TRUE(ValidateSchedule(s).ok());
  const int expected[] = {1, 0, 0, 1, 0, 0, 1, 0, 0};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(CriticSteps(i, s), expected[i]) << "iteration " << i;
  EXPECT_EQ(TotalCriticSteps(9, s), 3);
  EXPECT_EQ(TotalCriticSteps(10, s), 4);
}

TEST(ScheduleTest, ValidateRejectsBadFields) {
  CriticSchedule s;
  s.n_critic = -1;
  EXPECT_NE(ValidateSchedule(s).message().find("n_critic"), std::string::npos);
  s = CriticSchedule{};
  s.gen_steps_per_critic = 0;
  EXPECT_NE(ValidateSchedule(s).message().find("gen_steps_per_critic"), std::string::npos);
  s = WganCodeSchedule();
  s.gen_steps_per_critic = 3;
  EXPECT_FALSE(ValidateSchedule(s).ok());
}

TEST(ScheduleTest, ParseBudget) {
  EXPECT_EQ(*ParseBudget("smoke"), Budget::kSmoke);
  EXPECT_EQ(*ParseBudget("cpu"), Budget::kCpu);
  EXPECT_EQ(*ParseBudget("paper"), Budget::kPaper);
  for (Budget b : {Budget::kSmoke, Budget::kCpu, Budget::kPaper}) {
    EXPECT_EQ(*ParseBudget(BudgetName(b)), b);
  }
  auto bad = ParseBudget("fast");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--budget=fast"), std::string::npos);
}

}  // namespace
}  // namespace otgan::train

#include "lib/train/progress.h"

#include <chrono>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"

namespace otgan::train {
namespace {

int Count(const std::string& s, char c) { return static_cast<int>(std::count(s.begin(), s.end(), c)); }

TEST(ProgressTest, FormatDuration) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(59.4), "59s");
  EXPECT_EQ(FormatDuration(258), "4m18s");
  EXPECT_EQ(FormatDuration(3 * 3600 + 2 * 60 + 5), "3h02m");
  EXPECT_EQ(FormatDuration(2 * 86400 + 4 * 3600), "2d04h");
  EXPECT_EQ(FormatDuration(-1), "?");
  EXPECT_EQ(FormatDuration(1.0 / 0.0), "?");
}

TEST(ProgressTest, RateAndEtaFromSteadySteps) {
  std::ostringstream out;
  ProgressReporter p(/*total=*/1000, /*start_step=*/100, &out, /*terminal=*/false, 10.0);
  // 10 steps per second from the resumed step 100.
  for (int k = 1; k <= 40; ++k) p.UpdateAt(100 + 10 * k / 2, {{"loss", 0.5}}, 0.5 * k);
  EXPECT_NEAR(p.ItersPerSecond(), 10.0, 1e-9);
  const std::string line = p.Line();
  EXPECT_NE(line.find("step 300/1000 (30.0%)"), std::string::npos) << line;
  EXPECT_NE(line.find("10 it/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 1m10s"), std::string::npos) << line;  // 700 steps at 10/s
  EXPECT_NE(line.find("loss=0.5"), std::string::npos) << line;
}

// Time spent evaluating (the step-0 evaluation curve) is left out of the
// rate: 0.5 s of evaluation then one quick step must not read as 2 it/s.
TEST(ProgressTest, ExcludedSecondsDoNotSlowTheRate) {
  ProgressReporter p(/*total=*/100, /*start_step=*/0, nullptr, /*terminal=*/false);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // "evaluation"
  p.ExcludeSeconds(0.45);
  p.Update(1, {});
  // 1 step over ~0.05 s of training (up to ~0.3 s on a loaded machine);
  // without the exclusion the rate would be at most 2 it/s.
  EXPECT_GT(p.ItersPerSecond(), 3.0);
}

TEST(ProgressTest, PlainModePrintsPeriodicLines) {
  std::ostringstream out;
  ProgressReporter p(100, 0, &out, /*terminal=*/false, /*plain_interval_s=*/10.0);
  for (int s = 1; s <= 100; ++s) p.UpdateAt(s, {}, 0.25 * s);  // 25 s in total
  // Printed at t = 0.25 (first), 10.25, 20.25; no carriage returns.
  EXPECT_EQ(Count(out.str(), '\n'), 3) << out.str();
  EXPECT_EQ(Count(out.str(), '\r'), 0);
  p.Finish();
  EXPECT_EQ(Count(out.str(), '\n'), 4);
  EXPECT_NE(out.str().find("step 100/100 (100.0%)"), std::string::npos);
}

TEST(ProgressTest, TerminalModeRedrawsOneLine) {
  std::ostringstream out;
  ProgressReporter p(100, 0, &out, /*terminal=*/true);
  for (int s = 1; s <= 100; ++s) p.UpdateAt(s, {{"g", 1.0}}, 0.1 * s);
  EXPECT_EQ(Count(out.str(), '\n'), 0);
  EXPECT_GE(Count(out.str(), '\r'), 40);  // redrawn every 0.2 s over 10 s
  p.Finish();
  EXPECT_EQ(Count(out.str(), '\n'), 1);
}

}  // namespace
}  // namespace otgan::train

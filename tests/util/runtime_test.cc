#include "lib/util/runtime.h"

#include <ATen/Parallel.h>

#include "gtest/gtest.h"
#include "lib/util/status.h"

namespace otgan {
namespace {

TEST(RuntimeTest, ParsesCpuAndRejectsUnknownDevice) {
  auto cpu = ParseDevice("cpu");
  ASSERT_TRUE(cpu.ok());
  EXPECT_TRUE(cpu->is_cpu());
  auto bad = ParseDevice("tpu");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--device=tpu"), std::string::npos);
}

TEST(RuntimeTest, ConfigureThreadsSetsLibTorchThreadCount) {
  auto n = ConfigureThreads(1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(at::get_num_threads(), 1);
  auto all = ConfigureThreads(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, NumCores());
  EXPECT_EQ(at::get_num_threads(), NumCores());
  EXPECT_FALSE(ConfigureThreads(-2).ok());
}

// OpenBLAS sizes its own pool to all cores when it loads; --threads=1 must
// shrink it too (see ConfigureThreads), or a one-thread run takes two cores.
TEST(RuntimeTest, ConfigureThreadsAlsoSizesOpenBlasPool) {
  if (BlasThreads() == 0) GTEST_SKIP() << "the linked BLAS is not OpenBLAS";
  ASSERT_TRUE(ConfigureThreads(1).ok());
  EXPECT_EQ(BlasThreads(), 1);
  EXPECT_NE(CpuRuntimeDescription().find("OpenBLAS threads 1"), std::string::npos)
      << CpuRuntimeDescription();
  ASSERT_TRUE(ConfigureThreads(0).ok());
  EXPECT_EQ(BlasThreads(), NumCores());
}

TEST(StatusTest, TorchCallConvertsExceptions) {
  auto ok = TorchCall("fine", [] { return 3; });
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 3);
  absl::Status bad = TorchCall("boom", []() { throw std::runtime_error("first\nsecond"); });
  EXPECT_EQ(bad.message(), "boom: first");
}

absl::StatusOr<int> Half(int x) {
  if (x % 2) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  OTGAN_ASSIGN_OR_RETURN(int h, Half(x));
  OTGAN_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, MacrosPropagateErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_FALSE(Quarter(6).ok());
}

}  // namespace
}  // namespace otgan

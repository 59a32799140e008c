#include "lib/util/runtime.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

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

// Page faults of a second use of a freed 96 MiB block (glibc's default mmaps
// a block that large afresh on every malloc and unmaps it on free, so each
// reuse faults again).
long FaultsOfReusedLargeBlock() {
  constexpr size_t kBytes = size_t{96} << 20;
  static char* volatile sink = nullptr;
  auto use_block = [&] {
    char* p = static_cast<char*>(std::malloc(kBytes));
    if (p == nullptr) std::abort();
    std::memset(p, 1, kBytes);
    sink = p;
    std::free(sink);
  };
  use_block();  // the first use faults the block in
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  use_block();
  getrusage(RUSAGE_SELF, &after);
  return after.ru_minflt - before.ru_minflt;
}
constexpr long kFewFaults = (size_t{96} << 20) / 4096 / 10;

// The child half of the next test: run as `runtime_test
// --gtest_filter=RuntimeTest.ChildReportsLibrarySettings` with
// OTGAN_RUNTIME_TEST_OUT set, it calls PrepareCpuRuntime (which re-executes it
// once with the variables set; not with OTGAN_RUNTIME_TEST_NO_PREPARE=1) and
// writes what OpenBLAS read at load, the OpenMP policy and whether a reused
// large block faulted.
TEST(RuntimeTest, ChildReportsLibrarySettings) {
  const char* out = std::getenv("OTGAN_RUNTIME_TEST_OUT");
  if (out == nullptr) GTEST_SKIP() << "run by PrepareCpuRuntimeSetsLibraryVariablesBeforeLoad";
  if (std::getenv("OTGAN_RUNTIME_TEST_NO_PREPARE") == nullptr) {
    char arg0[] = "/proc/self/exe";
    char filter[] = "--gtest_filter=RuntimeTest.ChildReportsLibrarySettings";
    char* argv[] = {arg0, filter, nullptr};
    PrepareCpuRuntime(2, argv);  // returns only in the re-executed process
  }
  const long faults = FaultsOfReusedLargeBlock();
  std::FILE* f = std::fopen(out, "w");
  ASSERT_NE(f, nullptr);
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::fprintf(f, "%d %s %s\n", BlasThreadTimeout(), wait ? wait : "(unset)",
               faults < kFewFaults ? "reused" : "faulted");
  std::fclose(f);
}

// With neither variable set, the program re-executes itself and OpenBLAS
// loads with OPENBLAS_THREAD_TIMEOUT=18 (before main, which only the
// re-execution reaches); a value the user set is kept. A program that does
// not call PrepareCpuRuntime (the bench's Python reference) gets the same
// settings from CpuRuntimeEnvironment, glibc's included.
TEST(RuntimeTest, PrepareCpuRuntimeSetsLibraryVariablesBeforeLoad) {
  if (BlasThreadTimeout() < 0) GTEST_SKIP() << "the linked BLAS is not OpenBLAS";
  const std::string out = ::testing::TempDir() + "/runtime_child.txt";
  auto run_child = [&](const std::string& env) -> std::string {
    std::remove(out.c_str());
    // (gtest reports of the child would land on the parent's files: unset.)
    const std::string cmd =
        "env -u OMP_WAIT_POLICY -u OPENBLAS_THREAD_TIMEOUT -u OTGAN_NO_REEXEC -u XML_OUTPUT_FILE "
        "-u TEST_PREMATURE_EXIT_FILE -u GTEST_OUTPUT -u TEST_SHARD_STATUS_FILE -u MALLOC_MMAP_MAX_ "
        "-u MALLOC_TRIM_THRESHOLD_ -u MALLOC_TOP_PAD_ -u MALLOC_MMAP_THRESHOLD_ " +
        env + " OTGAN_RUNTIME_TEST_OUT=" + out + " /proc/" + std::to_string(getpid()) +
        "/exe --gtest_filter=RuntimeTest.ChildReportsLibrarySettings > /dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(out);
    std::string line;
    std::getline(in, line);
    return line;
  };
  EXPECT_EQ(run_child(""), "18 PASSIVE reused");
  EXPECT_EQ(run_child("OPENBLAS_THREAD_TIMEOUT=25 OMP_WAIT_POLICY=ACTIVE"), "25 ACTIVE reused");
  EXPECT_EQ(run_child("OTGAN_RUNTIME_TEST_NO_PREPARE=1"), "0 (unset) faulted");
  EXPECT_EQ(run_child(CpuRuntimeEnvironment() + " OTGAN_RUNTIME_TEST_NO_PREPARE=1"),
            "18 PASSIVE reused");
}

// PrepareCpuRuntime keeps large blocks in the process: a freed 96 MiB block
// is reused without page faults (glibc's default mmaps a block that large
// afresh on every malloc and unmaps it on free, so each reuse faults again).
TEST(RuntimeTest, PrepareCpuRuntimeReusesLargeBlocksWithoutPageFaults) {
  setenv("OTGAN_NO_REEXEC", "1", /*overwrite=*/1);  // so it does not re-execute
  char arg0[] = "runtime_test";
  char* argv[] = {arg0, nullptr};
  PrepareCpuRuntime(1, argv);
  const long faults = FaultsOfReusedLargeBlock();
  EXPECT_LT(faults, kFewFaults) << faults << " page faults";
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

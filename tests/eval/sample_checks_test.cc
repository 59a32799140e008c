// EvaluateRunDir refuses samples that are not what the manifest declares,
// with one line naming the file and the offending statistic: image samples
// outside the declared range by more than a small tolerance (scaled by 255,
// shifted, at 1e30), integer dtypes and NaN / infinite values. Nothing is
// written then (no eval.json).
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "gtest/gtest.h"
#include "lib/eval/run_eval.h"
#include "lib/io/manifest.h"
#include "lib/io/npy.h"
#include "tests/eval/mnist_test_images.h"

namespace otgan::eval {
namespace {
namespace fs = std::filesystem;

std::string RunDirWith(const std::string& name, const std::string& range, const at::Tensor& x) {
  fs::path dir = fs::path(testing::TempDir()) / "sample_checks_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  io::RunManifest m;
  m.program = "sample_checks_test";
  m.facts = {{"eval_dataset", "mnist"}, {"sample_range", range}};
  EXPECT_TRUE(io::WriteManifest((dir / "manifest.json").string(), m).ok());
  EXPECT_TRUE(io::WriteNpy((dir / "samples_eval.npy").string(), x).ok());
  return dir.string();
}

// 40 MNIST-like images in [0, 1] (uniform noise is enough: the checks come first).
at::Tensor Images() { return at::rand({40, 1, 28, 28}, at::kFloat); }

void ExpectRefused(const std::string& dir, const std::vector<std::string>& words) {
  RunEvalOptions opt;
  opt.data_dir = fixtures::kDataDir;
  opt.pixel_w1 = false;
  absl::StatusOr<EvalReport> r = EvaluateRunDir(dir, opt);
  ASSERT_FALSE(r.ok()) << "nonsense samples in " << dir << " were scored";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  const std::string msg(r.status().message());
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(msg.find((fs::path(dir) / "samples_eval.npy").string()), std::string::npos) << msg;
  for (const auto& w : words) EXPECT_NE(msg.find(w), std::string::npos) << "want '" << w << "' in: " << msg;
  EXPECT_FALSE(fs::exists(fs::path(dir) / "eval.json"));
}

TEST(SampleChecksTest, ScaledBy255IsRefused) {
  ExpectRefused(RunDirWith("x255", "0,1", Images() * 255), {"max ", "above", "[0,1]"});
}

TEST(SampleChecksTest, ShiftedToMinusFiveIsRefused) {
  ExpectRefused(RunDirWith("minus5", "0,1", Images() - 5), {"min -", "below", "[0,1]"});
  ExpectRefused(RunDirWith("minus5b", "-1,1", Images() - 5), {"min -", "below", "[-1,1]"});
}

TEST(SampleChecksTest, HugeFiniteValuesAreRefused) {
  ExpectRefused(RunDirWith("1e30", "0,1", at::full({40, 1, 28, 28}, 1e30, at::kFloat)),
                {"max 1e+30", "above"});
}

TEST(SampleChecksTest, IntegerDtypeIsRefused) {
  ExpectRefused(RunDirWith("int64", "0,1", (Images() * 255).to(at::kLong)),
                {"dtype Long", "expected float32 or float64"});
}

TEST(SampleChecksTest, NonFiniteValuesAreRefused) {
  at::Tensor x = Images();
  x[3][0][5][5] = std::numeric_limits<float>::quiet_NaN();
  x[7][0][1][1] = std::numeric_limits<float>::infinity();
  ExpectRefused(RunDirWith("nan", "0,1", x), {"2 values are NaN or infinite"});
}

TEST(SampleChecksTest, WithinToleranceIsNotRefusedByTheRangeCheck) {
  // 1 + 1e-4 (float rounding at a sigmoid's edge) passes the range check; the
  // run may still fail later for other reasons, but not for its range.
  at::Tensor x = Images();
  x[0][0][0][0] = 1.0001f;
  RunEvalOptions opt;
  opt.data_dir = fixtures::kDataDir;
  opt.pixel_w1 = false;
  absl::StatusOr<EvalReport> r = EvaluateRunDir(RunDirWith("edge", "0,1", x), opt);
  if (!r.ok()) {
    EXPECT_EQ(std::string(r.status().message()).find("range"), std::string::npos) << r.status();
  }
}

}  // namespace
}  // namespace otgan::eval

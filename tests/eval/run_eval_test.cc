#include "lib/eval/run_eval.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/data/dataset.h"
#include "lib/data/toy.h"
#include "lib/io/json.h"
#include "lib/io/manifest.h"
#include "lib/io/npy.h"
#include "tests/eval/mnist_test_images.h"

namespace otgan::eval {
namespace {
namespace fs = std::filesystem;

using fixtures::kDataDir;

// A fresh, empty run folder under the test's temporary directory.
std::string NewRunDir(const std::string& name) {
  fs::path dir = fs::path(testing::TempDir()) / "run_eval_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// A manifest whose facts are `facts` (what a replication's StartRun records).
void WriteManifest(const std::string& dir, const io::KeyValues& facts) {
  io::RunManifest m;
  m.program = "run_eval_test";
  m.facts = facts;
  ASSERT_TRUE(io::WriteManifest((fs::path(dir) / "manifest.json").string(), m).ok());
}

void WriteSamples(const std::string& dir, const at::Tensor& x) {
  ASSERT_TRUE(io::WriteNpy((fs::path(dir) / "samples_eval.npy").string(), x).ok());
}

// The test images of this file: subset seed 11.
data::ImageDataset LoadTest(int64_t n, int64_t offset, data::ValueRange range, int resize) {
  return fixtures::LoadTestImages(n, offset, range, resize, /*subset_seed=*/11);
}

TEST(RunEvalTest, ToyRunWithTargetSamplesIsHighQualityAndCoversAllModes) {
  const std::string dir = NewRunDir("toy");
  WriteManifest(dir, {{"eval_dataset", "8gaussians"}, {"sample_range", "points in R^2"}});
  auto toy = data::ToyDistribution::Make(data::ToyKind::k8Gaussians);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(123);
  WriteSamples(dir, toy.Sample(400, gen));

  RunEvalOptions opt;
  opt.seed = 5;
  auto e = EvaluateRunDir(dir, opt);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->kind, "toy");
  EXPECT_EQ(e->program, "run_eval_test");
  EXPECT_EQ(e->samples.count_used, 400);
  ASSERT_TRUE(e->toy_modes.has_value());
  EXPECT_GT(e->toy_modes->high_quality_fraction, 0.97);
  EXPECT_EQ(e->toy_modes->modes_covered, 8);
  EXPECT_EQ(e->toy_modes->num_modes, 8);
  EXPECT_EQ(e->toy_modes->protocol["num_samples"], 400);
  // Samples of the target: W2 is of the order of the target-vs-target floor.
  ASSERT_TRUE(e->w2.has_value());
  const double w2 = e->w2->w2;
  const double floor = e->w2->w2_target_floor;
  EXPECT_GT(w2, 0);
  EXPECT_GT(floor, 0);
  EXPECT_LT(w2, 3 * floor);
  EXPECT_LT(floor, 3 * w2);
  EXPECT_EQ(e->w2->protocol["num_target"], 400);
  EXPECT_EQ(e->w2->protocol["seed"], 5);
  EXPECT_GT(e->timing.wall_seconds, 0);
  EXPECT_TRUE(absl::StrContains(e->command, "--run=" + io::WorkspaceRelative(dir))) << e->command;
  EXPECT_FALSE(e->classifier_metrics.has_value());

  // eval.json on disk is what was returned.
  auto disk = ReadEvalReport((fs::path(dir) / "eval.json").string());
  ASSERT_TRUE(disk.ok()) << disk.status();
  EXPECT_EQ(ToJson(*disk), ToJson(*e));
}

TEST(RunEvalTest, ShiftedToySamplesAreLowQualityAndFarInW2) {
  const std::string dir = NewRunDir("toy_shifted");
  WriteManifest(dir, {{"eval_dataset", "8gaussians"}});
  auto toy = data::ToyDistribution::Make(data::ToyKind::k8Gaussians);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
  WriteSamples(dir, toy.Sample(200, gen) + 0.5);  // every point 0.71 from its mode
  RunEvalOptions opt;
  opt.max_samples = 150;
  auto e = EvaluateRunDir(dir, opt);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->samples.count_used, 150);
  EXPECT_EQ(e->samples.max_samples, 150);
  EXPECT_LT(e->toy_modes->high_quality_fraction, 0.05);
  EXPECT_GT(e->w2->w2, 0.6);
  EXPECT_LT(e->w2->w2_target_floor, 0.4);
}

TEST(RunEvalTest, SwissRollHasNoModeMetricsButW2) {
  const std::string dir = NewRunDir("swissroll");
  WriteManifest(dir, {{"eval_dataset", "swissroll"}});
  auto toy = data::ToyDistribution::Make(data::ToyKind::kSwissRoll);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(9);
  WriteSamples(dir, toy.Sample(100, gen));
  auto e = EvaluateRunDir(dir, {});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_FALSE(e->toy_modes.has_value());
  EXPECT_EQ(e->toy_modes_skipped, "swissroll has no modes");
  EXPECT_GT(e->w2->w2, 0);
}

// Real MNIST test images as "generated" samples: the classifier is confident
// and balanced, precision/recall are high and pixel W1 sits near its floor.
TEST(RunEvalTest, MnistRunWithRealImagesScoresLikeRealData) {
  const std::string dir = NewRunDir("mnist");
  WriteManifest(dir, {{"eval_dataset", "mnist"}, {"sample_range", "0,1"}, {"image_size", "28"}});
  data::ImageDataset real = LoadTest(200, 0, data::ValueRange::kZeroOne, 0);
  WriteSamples(dir, real.images);

  RunEvalOptions opt;
  opt.data_dir = kDataDir;
  opt.seed = 3;
  auto e = EvaluateRunDir(dir, opt);
  ASSERT_TRUE(e.ok()) << e.status();
  std::cout << EvalSummary(*e) << "\n";
  EXPECT_EQ(e->kind, "images");
  EXPECT_EQ(e->eval_dataset, "mnist");
  EXPECT_EQ(e->samples.declared_range, "0,1");

  ASSERT_TRUE(e->classifier_metrics.has_value());
  const ClassifierMetricsReport& cm = *e->classifier_metrics;
  EXPECT_GT(cm.is_mean, 5.0);  // real digits: confident, about balanced
  EXPECT_LE(cm.is_mean, 10.0);
  EXPECT_GT(cm.precision, 0.6);
  EXPECT_GT(cm.recall, 0.6);
  EXPECT_LT(cm.label_kl, 0.2);
  EXPECT_EQ(cm.label_histogram.size(), 10u);
  EXPECT_EQ(cm.protocol["generated"]["count"], 200);
  EXPECT_EQ(cm.protocol["real"]["count"], 200);  // small N: as many real as generated
  EXPECT_EQ(cm.protocol["seed"], 3);
  EXPECT_TRUE(absl::StrContains(cm.protocol["real"]["source"].get<std::string>(), "test"));
  // The checksum is the one recorded beside the committed weights.
  auto meta = io::ReadJsonFile("eval/weights/lenet_mnist.json");
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(cm.protocol["classifier"]["sha256"], (*meta)["sha256"]);

  ASSERT_TRUE(e->pixel_w1.has_value());
  const PixelW1Report& w1 = *e->pixel_w1;
  ASSERT_TRUE(w1.w1_real_floor.has_value());
  const double w = w1.w1_mean;
  const double floor = *w1.w1_real_floor;
  EXPECT_GT(w, 0);
  EXPECT_GT(floor, 0);
  EXPECT_LT(std::abs(w - floor), 0.2 * floor);  // test vs train digits: about the floor
  const PixelW1Protocol& wp = w1.protocol;
  EXPECT_FALSE(wp.laschos_protocol);  // 200 < 5000
  EXPECT_EQ(wp.num_real, 200);
  EXPECT_EQ(wp.num_generated, 200);
  EXPECT_EQ(wp.split, "train");
  EXPECT_EQ(wp.range, "[-1,1]");
  EXPECT_TRUE(absl::StrContains(wp.note, "NOT the Laschos"));
  EXPECT_TRUE(absl::StrContains(wp.resize, "32x32"));
  EXPECT_GT(e->timing.wall_seconds, 0);
  EXPECT_TRUE(e->timing.pixel_w1_seconds.has_value());
  EXPECT_FALSE(e->command.empty());
  // eval.json reads back into the same report.
  auto disk = ReadEvalReport((fs::path(dir) / "eval.json").string());
  ASSERT_TRUE(disk.ok()) << disk.status();
  EXPECT_EQ(ToJson(*disk), ToJson(*e));
}

// 32x32 images in [-1,1] (the Laschos generators' format).
TEST(RunEvalTest, Mnist32MinusOneOneWithoutPixelW1) {
  const std::string dir = NewRunDir("mnist32");
  WriteManifest(dir, {{"eval_dataset", "mnist"}, {"sample_range", "-1,1"}, {"image_size", "32"}});
  data::ImageDataset real = LoadTest(100, 200, data::ValueRange::kMinusOneOne, 32);
  WriteSamples(dir, real.images);
  RunEvalOptions opt;
  opt.data_dir = kDataDir;
  opt.pixel_w1 = false;
  auto e = EvaluateRunDir(dir, opt);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_GT(e->classifier_metrics->is_mean, 5.0);
  EXPECT_GT(e->classifier_metrics->precision, 0.6);
  EXPECT_FALSE(e->pixel_w1.has_value());
  EXPECT_TRUE(e->pixel_w1_skipped.has_value());
  // Both sets went through the same 32 -> 28 resize.
  EXPECT_TRUE(absl::StrContains(
      e->classifier_metrics->protocol["real"]["source"].get<std::string>(), "32x32"));
}

// ---- errors: a Status naming the file and the defect, and no eval.json ----

void ExpectError(const std::string& dir, const RunEvalOptions& opt, absl::StatusCode code,
                 std::vector<std::string> fragments) {
  auto e = EvaluateRunDir(dir, opt);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), code) << e.status();
  for (const std::string& f : fragments) {
    EXPECT_TRUE(absl::StrContains(e.status().message(), f))
        << "'" << f << "' not in: " << e.status().message();
  }
  EXPECT_FALSE(fs::exists(fs::path(dir) / "eval.json"));
}

TEST(RunEvalTest, MissingManifest) {
  const std::string dir = NewRunDir("no_manifest");
  WriteSamples(dir, at::zeros({10, 2}));
  ExpectError(dir, {}, absl::StatusCode::kNotFound, {"manifest.json", "missing"});
}

TEST(RunEvalTest, MissingRunFolder) {
  ExpectError(NewRunDir("gone") + "/nope", {}, absl::StatusCode::kNotFound, {"nope"});
}

TEST(RunEvalTest, MalformedManifest) {
  const std::string dir = NewRunDir("bad_manifest");
  std::ofstream(fs::path(dir) / "manifest.json") << "{\"facts\": {\"eval_dataset\": \"mnist\",}";
  WriteSamples(dir, at::zeros({10, 2}));
  ExpectError(dir, {}, absl::StatusCode::kInvalidArgument, {"manifest.json", "line 1"});

  const std::string dir2 = NewRunDir("no_facts");
  io::RunManifest m;
  m.program = "x";
  io::Json j = io::ToJson(m);
  j.erase("facts");
  ASSERT_TRUE(io::WriteJsonFile((fs::path(dir2) / "manifest.json").string(), j).ok());
  ExpectError(dir2, {}, absl::StatusCode::kInvalidArgument, {"manifest.json", "facts: missing"});

  const std::string dir3 = NewRunDir("no_eval_dataset");
  WriteManifest(dir3, {{"total_steps", "10"}});
  ExpectError(dir3, {}, absl::StatusCode::kInvalidArgument, {"manifest.json", "eval_dataset"});
}

TEST(RunEvalTest, UnknownEvalDataset) {
  const std::string dir = NewRunDir("unknown");
  WriteManifest(dir, {{"eval_dataset", "cifar10"}});
  WriteSamples(dir, at::zeros({10, 3, 32, 32}));
  ExpectError(dir, {}, absl::StatusCode::kInvalidArgument,
              {"manifest.json", "\"cifar10\"", "mnist, fashion"});
}

TEST(RunEvalTest, MissingSamples) {
  const std::string dir = NewRunDir("no_samples");
  WriteManifest(dir, {{"eval_dataset", "8gaussians"}});
  ExpectError(dir, {}, absl::StatusCode::kNotFound, {"samples_eval.npy", "missing"});
}

TEST(RunEvalTest, SamplesOfTheWrongShape) {
  const std::string toy = NewRunDir("toy_shape");
  WriteManifest(toy, {{"eval_dataset", "25gaussians"}});
  WriteSamples(toy, at::zeros({50, 3}));
  ExpectError(toy, {}, absl::StatusCode::kInvalidArgument,
              {"samples_eval.npy", "[N,2]", "[50,3]"});

  const std::string img = NewRunDir("image_shape");
  WriteManifest(img, {{"eval_dataset", "mnist"}, {"sample_range", "0,1"}});
  WriteSamples(img, at::zeros({50, 784}));
  ExpectError(img, {}, absl::StatusCode::kInvalidArgument,
              {"samples_eval.npy", "[N,1,H,W]", "[50,784]"});

  const std::string size = NewRunDir("image_size");
  WriteManifest(size, {{"eval_dataset", "mnist"}, {"sample_range", "0,1"}, {"image_size", "32"}});
  WriteSamples(size, at::zeros({50, 1, 28, 28}));
  ExpectError(size, {}, absl::StatusCode::kInvalidArgument,
              {"samples_eval.npy", "28x28", "image_size"});
}

TEST(RunEvalTest, BadSampleRangeAndNonFiniteSamples) {
  const std::string range = NewRunDir("range");
  WriteManifest(range, {{"eval_dataset", "fashion"}, {"sample_range", "0,255"}});
  WriteSamples(range, at::zeros({50, 1, 28, 28}));
  ExpectError(range, {}, absl::StatusCode::kInvalidArgument,
              {"manifest.json", "sample_range", "0,255"});

  const std::string nan = NewRunDir("nan");
  WriteManifest(nan, {{"eval_dataset", "8gaussians"}});
  at::Tensor x = at::zeros({20, 2});
  x[3][1] = std::nan("");
  WriteSamples(nan, x);
  ExpectError(nan, {}, absl::StatusCode::kInvalidArgument, {"samples_eval.npy", "NaN"});
}

TEST(RunEvalTest, NotAnNpyFile) {
  const std::string dir = NewRunDir("not_npy");
  WriteManifest(dir, {{"eval_dataset", "8gaussians"}});
  std::ofstream(fs::path(dir) / "samples_eval.npy") << "hello";
  auto e = EvaluateRunDir(dir, {});
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(absl::StrContains(e.status().message(), "samples_eval.npy")) << e.status();
}

}  // namespace
}  // namespace otgan::eval

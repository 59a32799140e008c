#include "lib/eval/eval_report.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/io/json.h"

namespace otgan::eval {
namespace {

EvalReport ImageReport() {
  EvalReport e;
  e.run_dir = "runs/otgan_mnist/cpu";
  e.program = "otgan_mnist";
  e.eval_dataset = "mnist";
  e.kind = "images";
  e.samples.file = "samples_eval.npy";
  e.samples.shape_used = {5000, 1, 28, 28};
  e.samples.count_used = 5000;
  e.samples.declared_range = "0,1";
  e.samples.observed_min = 0;
  e.samples.observed_max = 1;
  e.data_dir = "data";
  ClassifierMetricsReport c;
  c.fid_lenet = 12.5;
  c.is_mean = 8.25;
  c.label_histogram = {0.1, 0.9};
  c.protocol = {{"seed", 0}};
  e.classifier_metrics = c;
  PixelW1Report w;
  w.w1_mean = 13.25;
  w.w1_values = {13.25};
  w.w1_real_floor = 10.125;
  w.protocol.num_real = 5000;
  w.protocol.num_generated = 5000;
  w.protocol.laschos_protocol = true;
  e.pixel_w1 = w;
  e.timing.classifier_metrics_seconds = 1.5;
  e.timing.wall_seconds = 3;
  e.timing.threads = 1;
  e.command = "bazel run //eval:evaluate -- --run=runs/otgan_mnist/cpu";
  e.evaluator_git_revision = "unknown";
  e.evaluated_at = "2026-11-24T03:28:40Z";
  return e;
}

TEST(EvalReportTest, ImageReportRoundTripsWithKeysInFileOrder) {
  const EvalReport e = ImageReport();
  const io::Json j = ToJson(e);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"run_dir", "program", "eval_dataset", "kind", "samples",
                                            "seed", "data_dir", "classifier_metrics", "pixel_w1",
                                            "timing", "command", "evaluator_git_revision",
                                            "evaluated_at"}));
  absl::StatusOr<EvalReport> back = EvalReportFromJson(j, "eval.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ToJson(*back), j);
  EXPECT_EQ(back->pixel_w1->w1_real_floor, 10.125);
  EXPECT_TRUE(back->pixel_w1->protocol.laschos_protocol);
  EXPECT_EQ(back->classifier_metrics->is_mean, 8.25);
  EXPECT_FALSE(back->timing.w2_seconds.has_value());
  EXPECT_EQ(EvalSummary(*back),
            "mnist, 5000 samples: FID-LeNet 12.5, KID 0, IS 8.25, precision 0, recall 0, pixel W1 "
            "13.25 (real floor 10.12, 5000 real, Laschos protocol) [3.0 s]");
}

TEST(EvalReportTest, SkippedSectionsAreNullWithAReason) {
  EvalReport e;
  e.kind = "toy";
  e.eval_dataset = "swissroll";
  e.toy_modes_skipped = "swissroll has no modes";
  e.w2 = W2Report{0.09, 0.08, io::Json::object()};
  io::Json j = ToJson(e);
  EXPECT_TRUE(j["toy_modes"].is_null());
  EXPECT_EQ(j["toy_modes_skipped"], "swissroll has no modes");
  EXPECT_FALSE(j.contains("pixel_w1"));
  absl::StatusOr<EvalReport> back = EvalReportFromJson(j, "eval.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->toy_modes.has_value());
  EXPECT_EQ(back->w2->w2, 0.09);
}

TEST(EvalReportTest, DefectsNameTheFileAndTheKey) {
  io::Json j = ToJson(ImageReport());
  j["pixel_w1"]["protocol"]["laschos_protocol"] = "yes";
  absl::StatusOr<EvalReport> r = EvalReportFromJson(j, "results/x/eval.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "results/x/eval.json: pixel_w1.protocol.laschos_protocol: expected a boolean, found "
            "string \"yes\"");
  j = ToJson(ImageReport());
  j["classifier_metrics"].erase("fid_lenet");
  r = EvalReportFromJson(j, "e.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "e.json: classifier_metrics.fid_lenet: missing");
  j = ToJson(ImageReport());
  j.erase("classifier_metrics");
  EXPECT_TRUE(absl::StrContains(EvalReportFromJson(j, "e.json").status().message(),
                                "classifier_metrics: missing"));
  j = ToJson(ImageReport());
  j["kind"] = "audio";
  EXPECT_FALSE(EvalReportFromJson(j, "e.json").ok());
  // A null metric (NaN when written) reads back as NaN, not as an error.
  j = ToJson(ImageReport());
  j["classifier_metrics"]["fid_lenet"] = nullptr;
  r = EvalReportFromJson(j, "e.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(std::isnan(r->classifier_metrics->fid_lenet));
}

}  // namespace
}  // namespace otgan::eval

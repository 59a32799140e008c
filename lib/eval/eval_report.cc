#include "lib/eval/eval_report.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/util/status.h"

namespace otgan::eval {
namespace {

using io::Json;
using io::JsonFields;

template <typename T>
void SetIf(Json& j, const char* key, const std::optional<T>& v) {
  if (v.has_value()) j[key] = *v;
}

Json ToJson(const SamplesReport& s) {
  Json j = Json::object();
  j["file"] = s.file;
  j["shape_used"] = s.shape_used;
  j["count_used"] = s.count_used;
  SetIf(j, "max_samples", s.max_samples);
  SetIf(j, "declared_range", s.declared_range);
  j["observed_min"] = s.observed_min;
  j["observed_max"] = s.observed_max;
  return j;
}

void Read(JsonFields f, SamplesReport* s, JsonFields& parent) {
  f.Required("file", &s->file);
  f.Required("shape_used", &s->shape_used);
  f.Required("count_used", &s->count_used);
  f.Optional("max_samples", &s->max_samples);
  f.Optional("declared_range", &s->declared_range);
  f.Required("observed_min", &s->observed_min);
  f.Required("observed_max", &s->observed_max);
  parent.Absorb(f);
}

Json ToJson(const ClassifierMetricsReport& c) {
  Json j = Json::object();
  j["fid_lenet"] = c.fid_lenet;
  j["kid_mean"] = c.kid_mean;
  j["kid_std"] = c.kid_std;
  j["is_mean"] = c.is_mean;
  j["is_std"] = c.is_std;
  j["label_kl"] = c.label_kl;
  j["label_histogram"] = c.label_histogram;
  j["precision"] = c.precision;
  j["recall"] = c.recall;
  j["protocol"] = c.protocol;
  return j;
}

void Read(JsonFields f, ClassifierMetricsReport* c, JsonFields& parent) {
  f.Required("fid_lenet", &c->fid_lenet);
  f.Required("kid_mean", &c->kid_mean);
  f.Required("kid_std", &c->kid_std);
  f.Required("is_mean", &c->is_mean);
  f.Required("is_std", &c->is_std);
  f.Required("label_kl", &c->label_kl);
  f.Required("label_histogram", &c->label_histogram);
  f.Required("precision", &c->precision);
  f.Required("recall", &c->recall);
  f.Raw("protocol", &c->protocol);
  parent.Absorb(f);
}

Json ToJson(const PixelW1Protocol& p) {
  Json j = Json::object();
  j["method"] = p.method;
  j["dataset"] = p.dataset;
  j["split"] = p.split;
  j["num_real"] = p.num_real;
  j["num_generated"] = p.num_generated;
  j["repeats"] = p.repeats;
  j["resize"] = p.resize;
  j["range"] = p.range;
  j["seed"] = p.seed;
  j["real"] = p.real;
  j["real_floor_set"] = p.real_floor_set;
  j["generated_preprocessing"] = p.generated_preprocessing;
  j["laschos_protocol"] = p.laschos_protocol;
  j["generated_available"] = p.generated_available;
  j["generated_used"] = p.generated_used;
  j["note"] = p.note;
  return j;
}

void Read(JsonFields f, PixelW1Protocol* p, JsonFields& parent) {
  f.Required("method", &p->method);
  f.Required("dataset", &p->dataset);
  f.Required("split", &p->split);
  f.Required("num_real", &p->num_real);
  f.Required("num_generated", &p->num_generated);
  f.Required("repeats", &p->repeats);
  f.Required("resize", &p->resize);
  f.Required("range", &p->range);
  f.Required("seed", &p->seed);
  f.Required("real", &p->real);
  f.Required("real_floor_set", &p->real_floor_set);
  f.Required("generated_preprocessing", &p->generated_preprocessing);
  f.Required("laschos_protocol", &p->laschos_protocol);
  f.Required("generated_available", &p->generated_available);
  f.Required("generated_used", &p->generated_used);
  f.Required("note", &p->note);
  parent.Absorb(f);
}

Json ToJson(const PixelW1Report& w) {
  Json j = Json::object();
  j["w1_mean"] = w.w1_mean;
  j["w1_std"] = w.w1_std;
  j["w1_values"] = w.w1_values;
  SetIf(j, "w1_real_floor", w.w1_real_floor);
  j["protocol"] = ToJson(w.protocol);
  return j;
}

void Read(JsonFields f, PixelW1Report* w, JsonFields& parent) {
  f.Required("w1_mean", &w->w1_mean);
  f.Required("w1_std", &w->w1_std);
  f.Required("w1_values", &w->w1_values);
  f.Optional("w1_real_floor", &w->w1_real_floor);
  Read(f.Object("protocol"), &w->protocol, f);
  parent.Absorb(f);
}

Json ToJson(const ToyModesReport& t) {
  Json j = Json::object();
  j["high_quality_fraction"] = t.high_quality_fraction;
  j["modes_covered"] = t.modes_covered;
  j["num_modes"] = t.num_modes;
  j["high_quality_per_mode"] = t.high_quality_per_mode;
  j["protocol"] = t.protocol;
  j["target_high_quality_fraction"] = t.target_high_quality_fraction;
  j["target_modes_covered"] = t.target_modes_covered;
  return j;
}

void Read(JsonFields f, ToyModesReport* t, JsonFields& parent) {
  f.Required("high_quality_fraction", &t->high_quality_fraction);
  f.Required("modes_covered", &t->modes_covered);
  f.Required("num_modes", &t->num_modes);
  f.Required("high_quality_per_mode", &t->high_quality_per_mode);
  f.Raw("protocol", &t->protocol);
  f.Required("target_high_quality_fraction", &t->target_high_quality_fraction);
  f.Required("target_modes_covered", &t->target_modes_covered);
  parent.Absorb(f);
}

Json ToJson(const W2Report& w) {
  Json j = Json::object();
  j["w2"] = w.w2;
  j["w2_target_floor"] = w.w2_target_floor;
  j["protocol"] = w.protocol;
  return j;
}

void Read(JsonFields f, W2Report* w, JsonFields& parent) {
  f.Required("w2", &w->w2);
  f.Required("w2_target_floor", &w->w2_target_floor);
  f.Raw("protocol", &w->protocol);
  parent.Absorb(f);
}

Json ToJson(const TimingReport& t) {
  Json j = Json::object();
  SetIf(j, "classifier_metrics_seconds", t.classifier_metrics_seconds);
  SetIf(j, "pixel_w1_seconds", t.pixel_w1_seconds);
  SetIf(j, "toy_modes_seconds", t.toy_modes_seconds);
  SetIf(j, "w2_seconds", t.w2_seconds);
  j["wall_seconds"] = t.wall_seconds;
  j["threads"] = t.threads;
  return j;
}

void Read(JsonFields f, TimingReport* t, JsonFields& parent) {
  f.Optional("classifier_metrics_seconds", &t->classifier_metrics_seconds);
  f.Optional("pixel_w1_seconds", &t->pixel_w1_seconds);
  f.Optional("toy_modes_seconds", &t->toy_modes_seconds);
  f.Optional("w2_seconds", &t->w2_seconds);
  f.Required("wall_seconds", &t->wall_seconds);
  f.Required("threads", &t->threads);
  parent.Absorb(f);
}

// A section that is an object, null (with a reason beside it) or absent.
template <typename T>
void ReadSection(JsonFields& f, const char* key, std::optional<T>* out) {
  out->reset();
  if (!f.Has(key)) return;
  T value;
  Read(f.Object(key), &value, f);
  if (f.status().ok()) *out = std::move(value);
}

}  // namespace

Json ToJson(const EvalReport& e) {
  Json j = Json::object();
  j["run_dir"] = e.run_dir;
  j["program"] = e.program;
  j["eval_dataset"] = e.eval_dataset;
  j["kind"] = e.kind;
  j["samples"] = ToJson(e.samples);
  j["seed"] = e.seed;
  SetIf(j, "data_dir", e.data_dir);
  if (e.classifier_metrics) j["classifier_metrics"] = ToJson(*e.classifier_metrics);
  if (e.pixel_w1) {
    j["pixel_w1"] = ToJson(*e.pixel_w1);
  } else if (e.pixel_w1_skipped) {
    j["pixel_w1"] = nullptr;
    j["pixel_w1_skipped"] = *e.pixel_w1_skipped;
  }
  if (e.toy_modes) {
    j["toy_modes"] = ToJson(*e.toy_modes);
  } else if (e.toy_modes_skipped) {
    j["toy_modes"] = nullptr;
    j["toy_modes_skipped"] = *e.toy_modes_skipped;
  }
  if (e.w2) j["w2"] = ToJson(*e.w2);
  j["timing"] = ToJson(e.timing);
  j["command"] = e.command;
  j["evaluator_git_revision"] = e.evaluator_git_revision;
  j["evaluated_at"] = e.evaluated_at;
  return j;
}

absl::StatusOr<EvalReport> EvalReportFromJson(const Json& j, const std::string& context) {
  EvalReport e;
  JsonFields f(j, context);
  f.Required("run_dir", &e.run_dir);
  f.Required("program", &e.program);
  f.Required("eval_dataset", &e.eval_dataset);
  f.Required("kind", &e.kind);
  if (f.status().ok() && e.kind != "images" && e.kind != "toy") {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": kind: expected \"images\" or \"toy\", found \"", e.kind, "\""));
  }
  Read(f.Object("samples"), &e.samples, f);
  f.Required("seed", &e.seed);
  f.Optional("data_dir", &e.data_dir);
  ReadSection(f, "classifier_metrics", &e.classifier_metrics);
  ReadSection(f, "pixel_w1", &e.pixel_w1);
  f.Optional("pixel_w1_skipped", &e.pixel_w1_skipped);
  ReadSection(f, "toy_modes", &e.toy_modes);
  f.Optional("toy_modes_skipped", &e.toy_modes_skipped);
  ReadSection(f, "w2", &e.w2);
  Read(f.Object("timing"), &e.timing, f);
  f.Required("command", &e.command);
  f.Required("evaluator_git_revision", &e.evaluator_git_revision);
  f.Required("evaluated_at", &e.evaluated_at);
  OTGAN_RETURN_IF_ERROR(f.status());
  if (e.is_images() && !e.classifier_metrics) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": classifier_metrics: missing for kind \"images\""));
  }
  if (!e.is_images() && !e.w2) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": w2: missing for kind \"toy\""));
  }
  return e;
}

absl::StatusOr<EvalReport> ReadEvalReport(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(Json j, io::ReadJsonFile(path));
  return EvalReportFromJson(j, path);
}

absl::Status WriteEvalReport(const std::string& path, const EvalReport& report) {
  return io::WriteJsonFile(path, ToJson(report));
}

void to_json(Json& j, const EvalReport& report) { j = ToJson(report); }

void from_json(const Json& j, EvalReport& report) {
  absl::StatusOr<EvalReport> r = EvalReportFromJson(j, "eval.json");
  if (!r.ok()) throw nlohmann::json::other_error::create(501, std::string(r.status().message()), &j);
  report = *std::move(r);
}

std::string EvalSummary(const EvalReport& e) {
  auto fmt = [](double v) { return absl::StrFormat("%.4g", v); };
  std::vector<std::string> parts;
  if (const auto& c = e.classifier_metrics) {
    parts.push_back("FID-LeNet " + fmt(c->fid_lenet));
    parts.push_back("KID " + fmt(c->kid_mean));
    parts.push_back("IS " + fmt(c->is_mean));
    parts.push_back("precision " + fmt(c->precision));
    parts.push_back("recall " + fmt(c->recall));
  }
  if (const auto& w = e.pixel_w1) {
    parts.push_back(absl::StrCat(
        "pixel W1 ", fmt(w->w1_mean), " (real floor ",
        w->w1_real_floor ? fmt(*w->w1_real_floor) : "?", ", ", w->protocol.num_real, " real",
        w->protocol.laschos_protocol ? ", Laschos protocol" : ", small-N", ")"));
  }
  if (const auto& t = e.toy_modes) {
    parts.push_back("high quality " + fmt(t->high_quality_fraction));
    parts.push_back(absl::StrCat("modes ", t->modes_covered, "/", t->num_modes));
  }
  if (const auto& w = e.w2) {
    parts.push_back(absl::StrCat("W2 ", fmt(w->w2), " (target floor ", fmt(w->w2_target_floor), ")"));
  }
  return absl::StrCat(e.eval_dataset, ", ", e.samples.count_used, " samples: ",
                      absl::StrJoin(parts, ", "), absl::StrFormat(" [%.1f s]", e.timing.wall_seconds));
}

}  // namespace otgan::eval

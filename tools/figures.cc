// Builds every figure and the generated LaTeX of the report from results/.
//
//   bazel run //tools:figures -- --results=results --out=/tmp/figs
//   (or bazel build //figures:all //report, which run it on the committed results)
//
// Reads results/<run>/{manifest.json, metrics.csv, eval.json, samples_final.png,
// samples_eval.npy, critic_surface.npy/.json}, results/<sweep>/<setting>/...,
// results/bench/{sinkhorn,exact_ot}.jsonl and figures/published.json, and
// writes into --out:
//   <figure>.pdf / <figure>.png   every figure whose inputs exist;
//   figures.json                  the index: every expected figure, "ok" or
//                                 "not yet run" (with what is missing);
//   tex/*.tex                     tables, figure environments and numbers for
//                                 report/report.tex (never typed by hand).
// Absent results are "not yet run"; a present but malformed input is an
// error: one line naming the file on stderr, exit status 1, and nothing is
// written to --out (everything is built in a temporary folder first).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "lib/data/toy.h"
#include "lib/io/atomic_file.h"
#include "lib/io/json.h"
#include "lib/io/npy.h"
#include "lib/plot/gnuplot.h"
#include "lib/plot/results.h"
#include "lib/util/status.h"

ABSL_FLAG(std::string, results, "results", "the results folder to read");
ABSL_FLAG(std::string, out, "", "output folder (created; existing files are replaced)");
ABSL_FLAG(std::string, published, "figures/published.json",
          "published numbers with their sources");

namespace {

namespace fs = std::filesystem;
using otgan::io::Json;
using otgan::plot::Figure;
using otgan::plot::FindHolder;
using otgan::plot::FindNumber;
using otgan::plot::Num;
using otgan::plot::Quote;
using otgan::plot::Run;

constexpr char kNotYetRun[] = "not yet run";

// ---------------------------------------------------------------- helpers

std::string Tex(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '_': case '%': case '&': case '#': case '$': case '{': case '}':
        out += '\\';
        out += c;
        break;
      case '\\': out += "\\textbackslash{}"; break;
      case '^': out += "\\^{}"; break;
      case '~': out += "\\~{}"; break;
      case '<': out += "$<$"; break;
      case '>': out += "$>$"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Fixed(std::optional<double> v, int digits = 2) {
  if (!v.has_value() || !std::isfinite(*v)) return "--";
  return absl::StrFormat("%.*f", digits, *v);
}

std::string Slug(const std::string& name) { return absl::StrReplaceAll(name, {{"/", "_"}}); }

bool IsToyDataset(const std::string& d) {
  return d == "8gaussians" || d == "25gaussians" || d == "swissroll" || d == "ring10";
}

std::string DatasetOf(const Run& r) {
  std::string d = r.Flag("eval_dataset");
  if (!d.empty()) return d;
  if (absl::StrContains(r.program, "fashion")) return "fashion";
  if (absl::StrContains(r.program, "mnist")) return "mnist";
  return r.Flag("dataset");
}

std::string DatasetLabel(const std::string& d) {
  if (d == "mnist") return "MNIST";
  if (d == "fashion") return "Fashion-MNIST";
  return d;
}

// The method key of published.json's W1 table for a run.
std::string MethodOf(const Run& r) {
  const std::string& p = r.program;
  if (absl::StartsWith(p, "assigner")) {
    return r.Flag("cost") == "ssim" ? "assigner_ssim" : "assigner_square";
  }
  if (p == "wgan_mnist" || p == "wgan_fashion") return "wgan";
  if (p == "wgan_gp_mnist" || p == "wgan_gp_fashion") return "wgan_gp";
  if (absl::StartsWith(p, "sinkhorn_gan")) return "sinkhorn_gan";
  if (absl::StartsWith(p, "otgan")) return "otgan";
  return p;
}

std::string MethodLabel(const Json& published, const std::string& key) {
  const Json* labels = published.Get("w1_laschos") ? published.Get("w1_laschos")->Get("labels") : nullptr;
  if (labels && labels->Get(key) && labels->Get(key)->is_string()) return labels->Get(key)->as_string();
  if (key == "sinkhorn_gan") return "Sinkhorn GAN";
  if (key == "otgan") return "OT-GAN";
  return key;
}

std::optional<double> Published(const Json& published, const std::string& dataset,
                                const std::string& method) {
  const Json* t = published.Get("w1_laschos");
  const Json* d = t ? t->Get(dataset) : nullptr;
  const Json* v = d ? d->Get(method) : nullptr;
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->as_number();
}

// A run's training length (total_steps, or main_loops for the assigner) and
// the paper's: paper_steps from the manifest, else figures/published.json's
// paper_iterations (the authors' code) for the program; 0 where unknown.
struct Length {
  double total = 0, paper = 0;
  std::string source;
};

Length LengthOf(const Run& r, const Json& published) {
  Length len;
  const std::string ps = r.Flag("paper_steps");
  if (absl::SimpleAtod(ps.substr(0, ps.find(' ')), &len.paper)) {
    len.source = "manifest";
  } else {
    len.paper = 0;
    const Json* pi = published.Get("paper_iterations");
    const Json* v = pi ? pi->Get(r.program) : nullptr;
    if (v && v->is_number()) {
      len.paper = v->as_number();
      len.source = "authors' code, figures/published.json";
    }
  }
  const std::string ts = r.Flag("total_steps").empty() ? r.Flag("main_loops") : r.Flag("total_steps");
  if (!absl::SimpleAtod(ts, &len.total)) len.total = 0;
  return len;
}

// ", after N iterations (p% of the paper's)" for the discussion; empty if unknown.
std::string LengthClause(const Run& r, const Json& published) {
  const Length len = LengthOf(r, published);
  if (len.total <= 0) return "";
  if (len.paper <= 0) return absl::StrFormat(", after %.0f iterations", len.total);
  return absl::StrFormat(", after %.0f iterations (%.3g\\%% of the paper's %.0f)", len.total,
                         100.0 * len.total / len.paper, len.paper);
}

// Pixel W1 of a run's eval.json: mean, std, floor and whether it followed the
// Laschos protocol (5000 real, blocks of 5000 generated).
struct W1 {
  std::optional<double> mean, std, floor;
  bool protocol = false;
  int64_t num_real = 0, num_generated = 0;
};

std::optional<W1> W1Of(const Run& r) {
  if (!r.eval) return std::nullopt;
  const Json* h = FindHolder(*r.eval, "w1_mean");
  if (h == nullptr) return std::nullopt;
  W1 w;
  w.mean = FindNumber(*h, "w1_mean");
  w.std = FindNumber(*h, "w1_std");
  w.floor = FindNumber(*h, "w1_real_floor");
  w.num_real = static_cast<int64_t>(FindNumber(*h, "num_real").value_or(0));
  w.num_generated = static_cast<int64_t>(FindNumber(*h, "num_generated").value_or(0));
  const Json* lp = otgan::plot::FindMember(*r.eval, "laschos_protocol");
  w.protocol = lp && lp->is_bool() ? lp->as_bool() : (w.num_real >= 5000 && w.num_generated >= 5000);
  return w;
}

std::vector<double> Column(const otgan::io::CsvTable& t, int col) {
  std::vector<double> v;
  for (const auto& row : t.rows) v.push_back(row[col]);
  return v;
}

// Mean of the last 10% (at least one) of a column's finite values.
std::optional<double> FinalValue(const otgan::io::CsvTable& t, const std::string& name) {
  const int c = t.ColumnIndex(name);
  if (c < 0 || t.rows.empty()) return std::nullopt;
  const size_t k = std::max<size_t>(1, t.rows.size() / 10);
  double s = 0;
  int n = 0;
  for (size_t i = t.rows.size() - k; i < t.rows.size(); ++i) {
    if (std::isfinite(t.rows[i][c])) { s += t.rows[i][c]; ++n; }
  }
  if (n == 0) return std::nullopt;
  return s / n;
}

absl::StatusOr<at::Tensor> ReadPoints(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(at::Tensor t, otgan::io::ReadNpy(path));
  if (t.dim() != 2 || t.size(1) != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected toy points of shape [N,2], found ", t.dim(), "-d tensor"));
  }
  return t.to(at::kDouble).contiguous();
}

std::vector<std::vector<double>> Rows2(const at::Tensor& t, int64_t max_rows) {
  std::vector<std::vector<double>> rows;
  const double* p = t.data_ptr<double>();
  const int64_t n = std::min<int64_t>(t.size(0), max_rows);
  for (int64_t i = 0; i < n; ++i) rows.push_back({p[2 * i], p[2 * i + 1]});
  return rows;
}

// ---------------------------------------------------------------- the index

struct Entry {
  std::string id, title, status, why;  // status: "ok" | "not yet run"
  std::string caption;
};

class Builder {
 public:
  Builder(std::string tmp, std::vector<Run> runs, Json published, std::string results)
      : tmp_(std::move(tmp)), runs_(std::move(runs)), published_(std::move(published)),
        results_(std::move(results)) {}

  absl::Status BuildAll();

 private:
  absl::Status Render(const std::string& id, const std::string& title, const std::string& caption,
                      const Figure& f) {
    OTGAN_RETURN_IF_ERROR(otgan::plot::RenderFigure(f, (fs::path(tmp_) / id).string()));
    entries_.push_back({id, title, "ok", "", caption});
    return absl::OkStatus();
  }
  void Missing(const std::string& id, const std::string& title, const std::string& why) {
    entries_.push_back({id, title, kNotYetRun, why, ""});
  }
  const Entry* Find(const std::string& id) const {
    for (const Entry& e : entries_) if (e.id == id) return &e;
    return nullptr;
  }
  std::vector<const Run*> TopLevel(const std::function<bool(const Run&)>& pred) const {
    std::vector<const Run*> v;
    for (const Run& r : runs_) if (r.Group().empty() && pred(r)) v.push_back(&r);
    return v;
  }
  std::vector<const Run*> InGroup(const std::string& group) const {
    std::vector<const Run*> v;
    for (const Run& r : runs_) if (r.Group() == group) v.push_back(&r);
    return v;
  }

  absl::Status Curves(const Run& r);
  absl::Status SampleGrids(const std::string& dataset);
  absl::Status Toy(const Run& r);
  absl::Status SinkhornSweep();
  absl::Status OtganBatchSweep();
  absl::Status W1Chart();
  absl::Status BenchSinkhorn();
  absl::Status BenchExact();
  absl::Status WriteIndex();
  absl::Status WriteTex();

  std::string FigureTex(const std::string& id, double width = 0.95) const;
  std::string SetupTex(const std::vector<const Run*>& runs) const;
  std::string ImageTable(const std::string& caption, const std::vector<std::string>& expected,
                         const std::function<bool(const Run&)>& pred) const;
  std::string ToyTable(const std::string& caption, const std::vector<std::string>& expected,
                       const std::function<bool(const Run&)>& pred) const;
  std::string AssignerTable(const std::vector<const Run*>& runs) const;
  std::string SweepTable(const std::string& group, const std::vector<std::string>& keys) const;

  std::string tmp_;
  std::vector<Run> runs_;
  Json published_;
  std::string results_;
  std::vector<Entry> entries_;
  std::vector<Json> bench_sinkhorn_, bench_exact_;
};

// ---------------------------------------------------------------- figures

absl::Status Builder::Curves(const Run& r) {
  const std::string id = "curves_" + Slug(r.name);
  const std::string title = "Training curves of " + r.name;
  if (!r.metrics || r.metrics->rows.empty()) {
    Missing(id, title, r.name + "/metrics.csv absent or empty");
    return absl::OkStatus();
  }
  const auto& t = *r.metrics;
  const int step = t.ColumnIndex("step");
  std::vector<int> cols;
  for (int c = 0; c < static_cast<int>(t.columns.size()); ++c) {
    if (c != step && t.columns[c] != "seconds") cols.push_back(c);
  }
  if (cols.empty()) {
    Missing(id, title, r.name + "/metrics.csv has no column besides step and seconds");
    return absl::OkStatus();
  }
  Figure f;
  std::vector<std::vector<double>> rows;
  for (const auto& row : t.rows) rows.push_back(row);
  f.AddData("m", rows);
  const int n = static_cast<int>(cols.size());
  const int ncol = std::min(3, n), nrow = (n + ncol - 1) / ncol;
  f.width_in = 2.6 * ncol + 0.4;
  f.height_in = 2.1 * nrow + 0.4;
  std::string s = absl::StrFormat("set multiplot layout %d,%d title %s\n", nrow, ncol,
                                  Quote(title + " (" + r.program + ")"));
  s += "set key off\nset grid\nset xlabel 'step'\nset format y '%g'\n";
  for (int c : cols) {
    absl::StrAppend(&s, "set title ", Quote(t.columns[c]), "\nplot $m using ", step + 1, ":",
                    c + 1, " with lines lw 1.2 lc rgb '#1f77b4'\n");
  }
  f.script = s;
  return Render(id, title, "Training curves of \\texttt{" + Tex(r.name) + "} (metrics.csv).", f);
}

absl::Status Builder::SampleGrids(const std::string& dataset) {
  const std::string id = "samples_" + dataset;
  const std::string title = "Final samples, " + DatasetLabel(dataset);
  std::vector<const Run*> v = TopLevel([&](const Run& r) {
    return DatasetOf(r) == dataset && !r.File("samples_final.png").empty();
  });
  if (v.empty()) {
    Missing(id, title, "no run on " + dataset + " with samples_final.png");
    return absl::OkStatus();
  }
  const int n = static_cast<int>(v.size());
  const int ncol = std::min(4, n), nrow = (n + ncol - 1) / ncol;
  Figure f;
  f.width_in = 2.4 * ncol;
  f.height_in = 2.6 * nrow;
  f.png_dpi = 150;
  std::string s = absl::StrFormat("set multiplot layout %d,%d title %s\n", nrow, ncol, Quote(title));
  s += "unset border\nunset tics\nunset key\nset size ratio -1\nunset colorbox\n";
  for (const Run* r : v) {
    absl::StrAppend(&s, "set title ", Quote(r->name), "\nplot ", Quote(r->File("samples_final.png")),
                    " binary filetype=png flipy with rgbimage\n");
  }
  f.script = s;
  std::vector<std::string> names;
  for (const Run* r : v) names.push_back("\\texttt{" + Tex(r->name) + "}");
  return Render(id, title,
                "Final sample grids on " + DatasetLabel(dataset) + " (samples\\_final.png of " +
                    absl::StrJoin(names, ", ") + ").",
                f);
}

absl::Status Builder::Toy(const Run& r) {
  const std::string dataset = DatasetOf(r);
  const std::string id = "toy_" + Slug(r.name);
  const std::string title = r.name + " on " + dataset;
  const std::string samples_path = r.File("samples_eval.npy");
  if (samples_path.empty()) {
    Missing(id, title, r.name + "/samples_eval.npy absent");
    return absl::OkStatus();
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor gen, ReadPoints(samples_path));
  OTGAN_ASSIGN_OR_RETURN(otgan::data::ToyKind kind, otgan::data::ParseToyKind(dataset));
  const otgan::data::ToyDistribution toy = otgan::data::ToyDistribution::Make(kind);
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(/*seed=*/20180101);
  at::Tensor target = toy.Sample(3000, g).to(at::kDouble).contiguous();
  at::Tensor centers = toy.centers().to(at::kDouble).contiguous();
  Figure f;
  f.width_in = 5.2;
  f.height_in = 4.6;
  f.AddData("target", Rows2(target, 3000));
  f.AddData("gen", Rows2(gen, 5000));
  f.AddData("centers", Rows2(centers, 1000));
  double range = 2.0;
  std::string s;
  std::string plot;
  const std::string surf_npy = r.File("critic_surface.npy");
  if (!surf_npy.empty()) {
    const std::string surf_json = r.File("critic_surface.json");
    if (surf_json.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(r.dir, "/critic_surface.json: missing beside critic_surface.npy"));
    }
    OTGAN_ASSIGN_OR_RETURN(Json meta, otgan::io::ReadJsonFile(surf_json));
    OTGAN_ASSIGN_OR_RETURN(double size, meta.GetNumber("size"));
    OTGAN_ASSIGN_OR_RETURN(range, meta.GetNumber("range"));
    OTGAN_ASSIGN_OR_RETURN(at::Tensor surf, otgan::io::ReadNpy(surf_npy));
    if (surf.dim() != 2 || surf.size(0) != static_cast<int64_t>(size) || surf.size(1) != surf.size(0) ||
        size < 2 || !(range > 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          surf_npy, ": expected a [size,size] surface with size ", size, " and range > 0 (",
          surf_json, ")"));
    }
    surf = surf.to(at::kDouble).contiguous();
    const int64_t n = surf.size(0);
    std::vector<std::vector<double>> rows;
    const double* p = surf.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) rows.emplace_back(p + i * n, p + (i + 1) * n);
    f.AddData("surf", rows);
    const double dx = 2 * range / (n - 1);
    f.width_in = 6.0;
    s += "set palette defined (0 '#2c4a87', 0.5 '#9ec2e6', 1 '#fff5b3')\nset cblabel 'critic value'\n";
    plot = absl::StrFormat("$surf matrix using (%s+$1*%s):(%s+$2*%s):3 with image notitle, ",
                           Num(-range), Num(dx), Num(-range), Num(dx));
  } else {
    range = std::max(range, 1.1 * std::max(target.abs().max().item<double>(), 1.0));
  }
  s += absl::StrFormat("set xrange [%s:%s]\nset yrange [%s:%s]\nset size ratio -1\n", Num(-range),
                       Num(range), Num(-range), Num(range));
  s += "set key outside bottom center horizontal\nset title " + Quote(title) + "\n";
  // Target first and larger (green), generated on top (red), centres as thin
  // crosses so that narrow modes (8 Gaussians: sigma 0.02) stay visible.
  plot += "$target using 1:2 with points pt 7 ps 0.55 lc rgb '#2ca02c' title 'target samples', "
          "$gen using 1:2 with points pt 7 ps 0.22 lc rgb '#d62728' title 'generated (samples_eval)'";
  if (centers.size(0) > 0) {
    plot += ", $centers using 1:2 with points pt 2 ps 0.8 lw 1 lc rgb 'black' title 'mode centres'";
  }
  s += "plot " + plot + "\n";
  f.script = s;
  std::string caption = "\\texttt{" + Tex(r.name) + "} on " + Tex(dataset) +
                        ": generated samples (red, samples\\_eval.npy) over 3000 target samples (green)";
  if (centers.size(0) > 0) caption += " with the mode centres (black crosses)";
  if (!surf_npy.empty()) caption += ", on the critic's value surface (critic\\_surface.npy)";
  return Render(id, title, caption + ".", f);
}

std::string SettingLabel(const Run& r) {
  std::vector<std::string> parts;
  for (const char* k : {"eps", "sinkhorn_iters", "batch_size", "batch"}) {
    const std::string v = r.Flag(k);
    if (v.empty()) continue;
    const std::string name = std::string(k) == "sinkhorn_iters" ? "L" : std::string(k);
    parts.push_back(name + "=" + v);
  }
  return parts.empty() ? r.name : absl::StrJoin(parts, " ");
}

absl::Status Builder::SinkhornSweep() {
  const std::string group = "sinkhorn_gan_sweep";
  std::vector<const Run*> v = InGroup(group);
  const std::string id = "sweep_sinkhorn", title = "Sinkhorn GAN: effect of eps and L";
  std::vector<const Run*> with_loss;
  for (const Run* r : v) {
    if (r->metrics && r->metrics->ColumnIndex("loss") >= 0 && !r->metrics->rows.empty()) with_loss.push_back(r);
  }
  if (with_loss.empty()) {
    Missing(id, title, "results/" + group + "/<setting>/metrics.csv absent");
  } else {
    Figure f;
    f.width_in = 9;
    f.height_in = 3.6;
    std::string s = "set multiplot layout 1,2 title " + Quote(title) + "\nset grid\n";
    s += "set title 'loss curves per setting'\nset xlabel 'step'\nset ylabel 'loss'\nset key top right font ',7'\nplot ";
    for (size_t i = 0; i < with_loss.size(); ++i) {
      const Run& r = *with_loss[i];
      const std::string name = absl::StrCat("c", i);
      const auto& t = *r.metrics;
      std::vector<std::vector<double>> rows;
      const int st = t.ColumnIndex("step"), lo = t.ColumnIndex("loss");
      for (const auto& row : t.rows) rows.push_back({row[st], row[lo]});
      f.AddData(name, rows);
      absl::StrAppend(&s, i ? ", " : "", "$", name, " using 1:2 with lines title ", Quote(SettingLabel(r)));
    }
    s += "\n";
    // Final loss vs eps, one line per L.
    std::map<std::string, std::vector<std::vector<double>>> by_l;
    for (const Run* r : with_loss) {
      const std::optional<double> fin = FinalValue(*r->metrics, "loss");
      double eps = 0;
      if (!fin || !absl::SimpleAtod(r->Flag("eps"), &eps)) continue;
      by_l[r->Flag("sinkhorn_iters")].push_back({eps, *fin});
    }
    s += "set title 'final loss (mean of last 10% of rows) vs eps'\nset logscale x\nset xlabel 'eps'\n"
         "set key top left\nplot ";
    int i = 0;
    for (auto& [l, rows] : by_l) {
      std::sort(rows.begin(), rows.end());
      const std::string name = absl::StrCat("f", i);
      f.AddData(name, rows);
      absl::StrAppend(&s, i ? ", " : "", "$", name, " using 1:2 with linespoints pt 7 title ", Quote("L=" + l));
      ++i;
    }
    if (i == 0) s += "NaN notitle";
    f.script = s + "\n";
    OTGAN_RETURN_IF_ERROR(Render(
        id, title,
        "Genevay et al.'s fixed-cost MNIST model over a grid of $\\varepsilon$ and $L$ "
        "(results/sinkhorn\\_gan\\_sweep): loss curves and the final loss against $\\varepsilon$. "
        "The loss is the entropic transport cost $\\langle P_\\varepsilon, C\\rangle$, whose scale depends on "
        "$\\varepsilon$, so compare shapes across settings, and sample quality in the grid figure.",
        f));
  }
  // Sample grids per setting.
  std::vector<const Run*> with_png;
  for (const Run* r : v) if (!r->File("samples_final.png").empty()) with_png.push_back(r);
  const std::string gid = "sweep_sinkhorn_samples";
  if (with_png.empty()) {
    Missing(gid, "Sinkhorn GAN sweep: samples per setting", "results/" + group + "/<setting>/samples_final.png absent");
    return absl::OkStatus();
  }
  const int n = static_cast<int>(with_png.size());
  const int ncol = std::min(4, n), nrow = (n + ncol - 1) / ncol;
  Figure f;
  f.width_in = 2.2 * ncol;
  f.height_in = 2.4 * nrow;
  f.png_dpi = 150;
  std::string s = absl::StrFormat("set multiplot layout %d,%d\n", nrow, ncol);
  s += "unset border\nunset tics\nunset key\nset size ratio -1\n";
  for (const Run* r : with_png) {
    absl::StrAppend(&s, "set title ", Quote(SettingLabel(*r)), "\nplot ", Quote(r->File("samples_final.png")),
                    " binary filetype=png flipy with rgbimage\n");
  }
  f.script = s;
  return Render(gid, "Sinkhorn GAN sweep: samples per setting",
                "Final samples of each ($\\varepsilon$, $L$) setting of the Sinkhorn GAN sweep.", f);
}

absl::Status Builder::OtganBatchSweep() {
  const std::string group = "otgan_batch_sweep";
  const std::string id = "sweep_otgan_batch", title = "OT-GAN: metrics vs batch size";
  std::vector<const Run*> v = InGroup(group);
  // (metric key, label)
  const std::vector<std::pair<std::string, std::string>> metrics = {
      {"fid_lenet", "FID-LeNet"}, {"is_mean", "classifier IS"}, {"w1_mean", "pixel W1"},
      {"precision", "precision"}, {"recall", "recall"}};
  std::vector<std::pair<std::string, std::vector<std::vector<double>>>> series;
  for (const auto& [key, label] : metrics) {
    std::vector<std::vector<double>> rows;
    for (const Run* r : v) {
      double b = 0;
      const std::string bs = r->Flag("batch_size").empty() ? r->Flag("batch") : r->Flag("batch_size");
      if (!r->eval || !absl::SimpleAtod(bs, &b)) continue;
      if (std::optional<double> x = FindNumber(*r->eval, key)) rows.push_back({b, *x});
    }
    std::sort(rows.begin(), rows.end());
    if (!rows.empty()) series.emplace_back(label, rows);
  }
  if (series.empty()) {
    Missing(id, title, "results/" + group + "/<setting>/eval.json absent");
    return absl::OkStatus();
  }
  Figure f;
  const int n = static_cast<int>(series.size());
  const int ncol = std::min(3, n), nrow = (n + ncol - 1) / ncol;
  f.width_in = 2.8 * ncol + 0.4;
  f.height_in = 2.3 * nrow + 0.4;
  std::string s = absl::StrFormat("set multiplot layout %d,%d title %s\n", nrow, ncol, Quote(title));
  s += "set grid\nset key off\nset logscale x 2\nset xlabel 'batch size'\n";
  for (int i = 0; i < n; ++i) {
    const std::string name = absl::StrCat("s", i);
    f.AddData(name, series[i].second);
    absl::StrAppend(&s, "set title ", Quote(series[i].first), "\nplot $", name,
                    " using 1:2 with linespoints pt 7 lc rgb '#1f77b4'\n");
  }
  f.script = s;
  return Render(id, title,
                "OT-GAN on MNIST: evaluation metrics of the final generator against the batch size "
                "(results/otgan\\_batch\\_sweep).",
                f);
}

absl::Status Builder::W1Chart() {
  const std::string id = "w1", title = "Exact pixel W1 (Laschos protocol)";
  const Json* t = published_.Get("w1_laschos");
  Figure f;
  f.width_in = 9;
  f.height_in = 3.8;
  std::string s = "set multiplot layout 1,2 title " + Quote(title + ": ours vs published") + "\n";
  s += "set grid ytics\nset ylabel 'W1'\nset xtics rotate by 30 right font ',8'\nset key top right font ',8'\nset bmargin 6\n";
  int k = 0;
  for (const std::string dataset : {"mnist", "fashion"}) {
    std::vector<std::string> methods;
    for (const Json& m : t->Get("methods")->items()) methods.push_back(m.as_string());
    std::map<std::string, W1> ours;
    std::optional<double> floor;
    for (const Run& r : runs_) {
      if (!r.Group().empty() || DatasetOf(r) != dataset) continue;
      std::optional<W1> w = W1Of(r);
      if (!w || !w->protocol || !w->mean) continue;
      const std::string m = MethodOf(r);
      if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
      // One point per method: the run named after its program (the target's
      // cpu run) wins over variants such as wgan_mnist_code_schedule.
      if (!ours.count(m) || r.name == r.program) ours[m] = *w;
      if (w->floor && !floor) floor = w->floor;
    }
    std::vector<std::string> lines;
    for (size_t i = 0; i < methods.size(); ++i) {
      const std::string& m = methods[i];
      const auto it = ours.find(m);
      lines.push_back(absl::StrCat(
          i, " ", Num(Published(published_, dataset, m).value_or(NAN)), " ",
          Num(it != ours.end() ? it->second.mean.value_or(NAN) : NAN), " ",
          Num(it != ours.end() ? it->second.std.value_or(0) : NAN), " \"",
          absl::StrReplaceAll(MethodLabel(published_, m), {{"\"", "'"}}), "\""));
    }
    const std::string name = absl::StrCat("w", k++);
    f.AddTextData(name, lines);
    absl::StrAppend(&s, "set title ", Quote(DatasetLabel(dataset) + (ours.empty() ? " (ours: not yet run)" : "")),
                    "\nset xrange [-0.6:", methods.size() - 0.4, "]\n");
    std::string plot = absl::StrCat("plot $", name, " using 1:2:xtic(5) with points pt 6 ps 1.4 lw 2 lc rgb '#444444' title 'published', ",
                                    "$", name, " using 1:3:4 with yerrorbars pt 7 ps 1.1 lc rgb '#d62728' title 'ours'");
    if (floor) {
      absl::StrAppend(&plot, ", ", Num(*floor), " with lines dt 2 lw 1.5 lc rgb '#1f77b4' title ",
                      Quote(absl::StrFormat("real-vs-real floor (%.2f)", *floor)));
    }
    s += plot + "\n";
  }
  f.script = s;
  return Render(id, title,
                "Exact W1 in pixel space under the Laschos protocol (32$\\times$32, [-1,1], 5000 real "
                "training images, blocks of 5000 generated): published values (open circles; " +
                    Tex(t->Get("source")->as_string()) +
                    "), ours (filled, $\\pm$ std over blocks; only evaluations that followed the "
                    "protocol) and our real-vs-real floor (dashed: two disjoint sets of 5000 real images).",
                f);
}

absl::Status Builder::BenchSinkhorn() {
  const std::string id = "bench_sinkhorn", title = "Sinkhorn iteration time";
  const std::string path = (fs::path(results_) / "bench" / "sinkhorn.jsonl").string();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    Missing(id, title, "results/bench/sinkhorn.jsonl absent");
    return absl::OkStatus();
  }
  OTGAN_ASSIGN_OR_RETURN(std::vector<Json> lines, otgan::plot::ReadJsonLines(path));
  std::map<std::string, std::vector<std::vector<double>>> series;
  std::map<int, double> exp_rate;  // threads -> exp/s
  for (const Json& j : lines) {
    const Json* b = j.Get("bench");
    if (b && b->is_string() && b->as_string() == "fast_exp") {
      auto rate = j.GetNumber("exp_per_s_all_threads");
      auto th = j.GetNumber("threads");
      if (rate.ok() && th.ok()) exp_rate[static_cast<int>(*th)] = *rate;
      continue;
    }
    if (!j.Get("ms_per_iter")) continue;
    auto n = j.GetNumber("n");
    auto m = j.GetNumber("m");
    auto ms = j.GetNumber("ms_per_iter");
    auto impl = j.GetString("impl");
    auto th = j.GetNumber("threads");
    if (!n.ok() || !ms.ok() || !impl.ok() || !th.ok() || !m.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": a line with ms_per_iter lacks n, m, impl or threads: ", j.Dump(0)));
    }
    bench_sinkhorn_.push_back(j);
    series[absl::StrFormat("%s, %d thread%s, d=%s", *impl, static_cast<int>(*th), *th == 1 ? "" : "s",
                           Num(j.GetNumber("d").value_or(NAN)))]
        .push_back({*n, *ms});
  }
  if (series.empty()) {
    Missing(id, title, path + " has no sinkhorn_iteration lines");
    return absl::OkStatus();
  }
  Figure f;
  f.width_in = 6;
  f.height_in = 4;
  std::string s = "set title " + Quote(title + " (one log-domain half-iteration pair per call, n = m)") +
                  "\nset logscale xy\nset grid\nset xlabel 'n = m'\nset ylabel 'ms per iteration'\nset key top left font ',8'\nplot ";
  int i = 0;
  double nmin = 1e30, nmax = 0;
  for (auto& [label, rows] : series) {
    std::sort(rows.begin(), rows.end());
    for (const auto& r : rows) { nmin = std::min(nmin, r[0]); nmax = std::max(nmax, r[0]); }
    const std::string name = absl::StrCat("b", i);
    f.AddData(name, rows);
    absl::StrAppend(&s, i ? ", " : "", "$", name, " using 1:2 with linespoints pt 7 title ", Quote(label));
    ++i;
  }
  for (const auto& [th, rate] : exp_rate) {
    // Two n*m exps per iteration at the measured in-cache exp rate.
    absl::StrAppend(&s, ", [", Num(nmin), ":", Num(nmax), "] 2*x*x/", Num(rate), "*1000 with lines dt 2 title ",
                    Quote(absl::StrFormat("exp floor, %d thread%s", th, th == 1 ? "" : "s")));
  }
  f.script = s + "\n";
  return Render(id, title,
                "Time per Sinkhorn iteration against the problem size for each softmin implementation "
                "(results/bench/sinkhorn.jsonl from \\texttt{bazel run //bench:sinkhorn}); dashed: the "
                "floor set by the measured exp throughput ($2nm$ exponentials per iteration).",
                f);
}

absl::Status Builder::BenchExact() {
  const std::string id = "bench_exact_ot", title = "Exact OT (assignment) time";
  const std::string path = (fs::path(results_) / "bench" / "exact_ot.jsonl").string();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    Missing(id, title, "results/bench/exact_ot.jsonl absent");
    return absl::OkStatus();
  }
  OTGAN_ASSIGN_OR_RETURN(std::vector<Json> lines, otgan::plot::ReadJsonLines(path));
  std::map<std::string, std::vector<std::vector<double>>> series;
  for (const Json& j : lines) {
    auto n = j.GetNumber("n");
    auto d = j.GetNumber("d");
    auto sec = j.GetNumber("seconds_total");
    auto data = j.GetString("data");
    if (!n.ok() || !d.ok() || !sec.ok() || !data.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": expected n, d, seconds_total and data in every line: ", j.Dump(0)));
    }
    bench_exact_.push_back(j);
    series[absl::StrFormat("%s, d=%s", *data, Num(*d))].push_back({*n, *sec});
  }
  if (series.empty()) {
    Missing(id, title, path + " is empty");
    return absl::OkStatus();
  }
  Figure f;
  std::string s = "set title " + Quote(title + " incl. the cost matrix") +
                  "\nset logscale xy\nset grid\nset xlabel 'n (n vs n points)'\nset ylabel 'seconds'\nset key top left\nplot ";
  int i = 0;
  for (auto& [label, rows] : series) {
    std::sort(rows.begin(), rows.end());
    const std::string name = absl::StrCat("e", i);
    f.AddData(name, rows);
    absl::StrAppend(&s, i ? ", " : "", "$", name, " using 1:2 with linespoints pt 7 title ", Quote(label));
    ++i;
  }
  f.script = s + "\n";
  return Render(id, title,
                "Exact OT between two clouds of n points (results/bench/exact\\_ot.jsonl from "
                "\\texttt{bazel run //bench:exact\\_ot}).",
                f);
}

// ---------------------------------------------------------------- LaTeX

std::string Builder::FigureTex(const std::string& id, double width) const {
  const Entry* e = Find(id);
  if (e == nullptr) return "";
  if (e->status != "ok") {
    return absl::StrCat("\\noindent\\fbox{\\parbox{0.95\\linewidth}{\\small Figure \\emph{", Tex(e->title),
                        "}: ", kNotYetRun, " (", Tex(e->why), ").}}\n\n");
  }
  return absl::StrCat("\\begin{figure}[htbp]\\centering\n\\includegraphics[width=", width,
                      "\\linewidth]{figures/", id, ".pdf}\n\\caption{", e->caption, "}\\label{fig:", id,
                      "}\n\\end{figure}\n\n");
}

std::string Builder::SetupTex(const std::vector<const Run*>& runs) const {
  static const char* const kKeys[] = {
      "budget", "total_steps", "main_loops", "paper_steps", "settings_source", "dataset", "eval_dataset",
      "architecture", "generator", "critic", "assigner", "loss", "gradient", "optimizer", "lr",
      "batch", "batch_size", "critic_schedule", "n_critic", "gen_steps_per_critic", "lambda",
      "eps", "sinkhorn_iters", "sinkhorn_eps", "debiased", "cost", "latent", "latent_distribution",
      "width", "smoke_overrides"};
  std::string s;
  for (const Run* r : runs) {
    absl::StrAppend(&s, "\\paragraph{Our run \\texttt{", Tex(r->name), "}} (", Tex(r->program), ", revision \\texttt{",
                    Tex(r->manifest.Get("git_revision") && r->manifest.Get("git_revision")->is_string()
                            ? r->manifest.Get("git_revision")->as_string().substr(0, 12)
                            : "?"),
                    "}");
    if (r->metrics && !r->metrics->rows.empty() && r->metrics->ColumnIndex("seconds") >= 0) {
      absl::StrAppend(&s, absl::StrFormat(", %.0f s of training logged",
                                          r->metrics->rows.back()[r->metrics->ColumnIndex("seconds")]));
    }
    s += ", from its manifest.json:\n\\begin{itemize}\\setlength\\itemsep{0pt}\\small\n";
    for (const char* k : kKeys) {
      const std::string v = r->Flag(k);
      if (v.empty()) continue;
      absl::StrAppend(&s, "\\item \\texttt{", Tex(k), "}: ", Tex(v), "\n");
    }
    // The one difference every CPU run has: its length against the paper's.
    const Length len = LengthOf(*r, published_);
    if (len.total > 0 && len.paper > 0) {
      absl::StrAppend(&s, absl::StrFormat("\\item \\textbf{training length}: %.0f of the paper's %.0f iterations "
                                          "(%.3g\\%%; paper count from the %s)\n", len.total, len.paper,
                                          100.0 * len.total / len.paper, Tex(len.source)));
    } else if (len.total > 0) {
      absl::StrAppend(&s, absl::StrFormat("\\item \\textbf{training length}: %.0f iterations; the paper "
                                          "published no schedule for this setup\n", len.total));
    }
    s += "\\end{itemize}\n";
  }
  return s;
}

std::string Builder::ImageTable(const std::string& caption, const std::vector<std::string>& expected,
                                const std::function<bool(const Run&)>& pred) const {
  std::string s = "\\begin{table}[htbp]\\centering\\small\n\\caption{" + caption +
                  "}\n\\begin{tabular}{llrrrrrrrr}\n\\toprule\n"
                  "run & data & FID-LeNet & KID & IS & prec. & rec. & W1 & floor & W1 publ.\\\\\n\\midrule\n";
  std::set<std::string> seen;
  for (const Run& r : runs_) {
    if (!r.Group().empty() || !pred(r) || IsToyDataset(DatasetOf(r))) continue;
    seen.insert(r.program);
    const std::string dataset = DatasetOf(r);
    const std::optional<double> pub = Published(published_, dataset, MethodOf(r));
    absl::StrAppend(&s, "\\texttt{", Tex(r.name), "} & ", Tex(DatasetLabel(dataset)), " & ");
    if (!r.eval) {
      absl::StrAppend(&s, "\\multicolumn{7}{c}{not yet evaluated} & ", Fixed(pub), "\\\\\n");
      continue;
    }
    const Json& e = *r.eval;
    const std::optional<W1> w = W1Of(r);
    std::string w1 = "--", floor = "--";
    if (w) {
      w1 = Fixed(w->mean) + (w->protocol ? "" : "$^\\dagger$");
      floor = Fixed(w->floor);
    }
    absl::StrAppend(&s, Fixed(FindNumber(e, "fid_lenet"), 1), " & ", Fixed(FindNumber(e, "kid_mean"), 3), " & ",
                    Fixed(FindNumber(e, "is_mean")), " & ", Fixed(FindNumber(e, "precision")), " & ",
                    Fixed(FindNumber(e, "recall")), " & ", w1, " & ", floor, " & ", Fixed(pub), "\\\\\n");
  }
  for (const std::string& p : expected) {
    if (seen.count(p)) continue;
    absl::StrAppend(&s, "\\texttt{", Tex(p), "} & & \\multicolumn{8}{c}{", kNotYetRun, "}\\\\\n");
  }
  s += "\\bottomrule\n\\end{tabular}\n\\par\\smallskip\\footnotesize W1: exact pixel W1 (Laschos protocol); "
       "$^\\dagger$ fewer than 5000 samples, not the protocol and biased upwards. "
       "W1 publ.: " + Tex(published_.Get("w1_laschos")->Get("source")->as_string()) +
       " (figures/published.json).\n\\end{table}\n\n";
  return s;
}

std::string Builder::ToyTable(const std::string& caption, const std::vector<std::string>& expected,
                              const std::function<bool(const Run&)>& pred) const {
  std::string s = "\\begin{table}[htbp]\\centering\\small\n\\caption{" + caption +
                  "}\n\\begin{tabular}{llrrrr}\n\\toprule\n"
                  "run & target & high quality & modes covered & W2 & W2 floor\\\\\n\\midrule\n";
  std::set<std::string> seen;
  for (const Run& r : runs_) {
    if (!r.Group().empty() || !pred(r) || !IsToyDataset(DatasetOf(r))) continue;
    seen.insert(r.program);
    absl::StrAppend(&s, "\\texttt{", Tex(r.name), "} & ", Tex(DatasetOf(r)), " & ");
    if (!r.eval) {
      s += "\\multicolumn{4}{c}{not yet evaluated}\\\\\n";
      continue;
    }
    const Json& e = *r.eval;
    std::optional<double> w2, w2_floor;
    // W2 keys: the first numeric member whose name starts with "w2" (floor: contains "floor").
    std::function<void(const Json&)> scan = [&](const Json& j) {
      if (j.is_object()) {
        for (size_t i = 0; i < j.keys().size(); ++i) {
          const std::string& k = j.keys()[i];
          const Json& v = j.items()[i];
          if (v.is_number() && absl::StartsWith(k, "w2")) {
            if (absl::StrContains(k, "floor")) { if (!w2_floor) w2_floor = v.as_number(); }
            else if (!absl::StrContains(k, "std") && !w2) w2 = v.as_number();
          }
          scan(v);
        }
      } else if (j.is_array()) {
        for (const Json& c : j.items()) scan(c);
      }
    };
    scan(e);
    const std::optional<double> hq = FindNumber(e, "high_quality_fraction");
    const std::optional<double> mc = FindNumber(e, "modes_covered");
    const std::optional<double> nm = FindNumber(e, "num_modes");
    std::string modes = "--";
    if (mc && nm) modes = absl::StrFormat("%.0f / %.0f", *mc, *nm);
    absl::StrAppend(&s, Fixed(hq, 3), " & ", modes, " & ", Fixed(w2, 3), " & ", Fixed(w2_floor, 3), "\\\\\n");
  }
  for (const std::string& p : expected) {
    if (seen.count(p)) continue;
    absl::StrAppend(&s, "\\texttt{", Tex(p), "} & & \\multicolumn{4}{c}{", kNotYetRun, "}\\\\\n");
  }
  s += "\\bottomrule\n\\end{tabular}\n\\par\\smallskip\\footnotesize High quality: fraction of samples within "
       "3$\\sigma$ of a mode centre; W2 floor: W2 between two fresh target samples of the same size.\n\\end{table}\n\n";
  return s;
}

// The assigner's own diagnostics (their Tables 1/2 report the assignment
// variance next to W1): the mean of the last 10% of loops in metrics.csv.
std::string Builder::AssignerTable(const std::vector<const Run*>& runs) const {
  std::string rows;
  for (const Run* r : runs) {
    if (!r->metrics || !r->Group().empty()) continue;
    const auto var = FinalValue(*r->metrics, "assignment_variance");
    if (!var) continue;
    absl::StrAppend(&rows, "\\texttt{", Tex(r->name), "} & ", Tex(r->Flag("cost")), " & ",
                    Fixed(FinalValue(*r->metrics, "n_generated"), 0), " & ", Fixed(var, 3), " & ",
                    Fixed(FinalValue(*r->metrics, "unassigned_fraction"), 3), " & ",
                    Fixed(FinalValue(*r->metrics, "assign_cost"), 2), "\\\\\n");
  }
  if (rows.empty()) return "";
  return "\\begin{table}[htbp]\\centering\\small\n\\caption{Assigner diagnostics at the end of training "
         "(metrics.csv, mean of the last 10\\% of main loops).}\n\\begin{tabular}{llrrrr}\n\\toprule\n"
         "run & cost & $N$ per step & assignment variance & unassigned fraction & assignment cost\\\\\n"
         "\\midrule\n" + rows +
         "\\bottomrule\n\\end{tabular}\n\\par\\smallskip\\footnotesize Assignment variance: "
         "$\\frac{1}{M}\\sum_j |c_j - N/M|$ over the $M=5000$ real points ($c_j$: generated points assigned to $j$); "
         "with $N<M$ most real points get none, and the smallest value possible is $2\\frac{N}{M}(1-\\frac{N}{M})$ (every $c_j\\in\\{0,1\\}$).\n"
         "\\end{table}\n\n";
}

std::string Builder::SweepTable(const std::string& group, const std::vector<std::string>& keys) const {
  std::vector<const Run*> v = InGroup(group);
  if (v.empty()) {
    return absl::StrCat("\\noindent Sweep \\texttt{results/", Tex(group), "}: ", kNotYetRun, ".\n\n");
  }
  // Rows in numeric order of the swept settings (batch 32 before 128), not by folder name.
  auto values = [&](const Run* r) {
    std::vector<double> out;
    for (const std::string& k : keys) {
      double x = 0;
      out.push_back(absl::SimpleAtod(r->Flag(k), &x) ? x : 0.0);
    }
    return out;
  };
  std::stable_sort(v.begin(), v.end(), [&](const Run* a, const Run* b) { return values(a) < values(b); });
  std::string s = "\\begin{table}[htbp]\\centering\\small\n\\caption{Settings of \\texttt{results/" + Tex(group) +
                  "} and their final numbers.}\n\\begin{tabular}{l" + std::string(keys.size() + 5, 'r') +
                  "}\n\\toprule\nsetting";
  for (const std::string& k : keys) absl::StrAppend(&s, " & \\texttt{", Tex(k), "}");
  s += " & steps & final loss & FID-LeNet & IS & W1\\\\\n\\midrule\n";
  for (const Run* r : v) {
    absl::StrAppend(&s, "\\texttt{", Tex(r->name.substr(group.size() + 1)), "}");
    for (const std::string& k : keys) absl::StrAppend(&s, " & ", Tex(r->Flag(k)));
    std::optional<double> fin;
    if (r->metrics) {
      for (const char* c : {"loss", "gen_L", "gen_loss"}) {
        if ((fin = FinalValue(*r->metrics, c))) break;
      }
    }
    std::optional<W1> w = W1Of(*r);
    absl::StrAppend(&s, " & ", Tex(r->Flag("total_steps")), " & ", Fixed(fin, 3), " & ",
                    r->eval ? Fixed(FindNumber(*r->eval, "fid_lenet"), 1) : "--", " & ",
                    r->eval ? Fixed(FindNumber(*r->eval, "is_mean")) : "--", " & ",
                    w ? Fixed(w->mean) + (w->protocol ? "" : "$^\\dagger$") : "--", "\\\\\n");
  }
  s += "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n";
  return s;
}

absl::Status Builder::WriteTex() {
  const fs::path dir = fs::path(tmp_) / "tex";
  fs::create_directories(dir);
  auto put = [&](const std::string& name, const std::string& text) {
    return otgan::io::WriteFileAtomically((dir / name).string(), text);
  };
  auto runs_of = [&](const std::function<bool(const Run&)>& pred) {
    return TopLevel(pred);
  };
  auto curves_of = [&](const std::vector<const Run*>& v) {
    std::string s;
    for (const Run* r : v) s += FigureTex("curves_" + Slug(r->name), 0.9);
    return s;
  };
  auto toys_of = [&](const std::vector<const Run*>& v) {
    std::string s;
    for (const Run* r : v) if (IsToyDataset(DatasetOf(*r))) s += FigureTex("toy_" + Slug(r->name), 0.7);
    return s;
  };
  auto prefix = [](const std::string& p) {
    return [p](const Run& r) { return absl::StartsWith(r.program, p); };
  };
  struct Section {
    std::string file;
    std::function<bool(const Run&)> pred;
    std::vector<std::string> image_expected, toy_expected;
  };
  const std::vector<Section> sections = {
      {"genevay", prefix("sinkhorn_gan"), {"sinkhorn_gan_mnist"}, {}},
      {"otgan", prefix("otgan"), {"otgan_mnist"}, {"otgan_mog"}},
      {"wgan", [](const Run& r) { return r.program == "wgan_mnist"; }, {"wgan_mnist"}, {}},
      {"wgangp", prefix("wgan_gp"), {"wgan_gp_mnist"}, {"wgan_gp_toy"}},
      {"laschos", prefix("assigner"), {"assigner_mnist", "assigner_fashion"}, {}},
  };
  for (const Section& sec : sections) {
    std::vector<const Run*> v = runs_of(sec.pred);
    std::string s = "\\subsection*{Our runs against the paper's setup}\n";
    if (v.empty()) s += absl::StrCat("No run of this paper's targets is committed yet: ", kNotYetRun, ".\n\n");
    s += SetupTex(v);
    s += "\\subsection*{Results}\n";
    if (!sec.image_expected.empty()) {
      s += ImageTable("Image metrics of the final generator (eval.json) beside the published W1.",
                      sec.image_expected, sec.pred);
    }
    if (!sec.toy_expected.empty()) {
      s += ToyTable("Toy metrics (eval.json).", sec.toy_expected, sec.pred);
    }
    if (sec.file == "genevay") {
      s += SweepTable("sinkhorn_gan_sweep", {"eps", "sinkhorn_iters"});
      s += FigureTex("sweep_sinkhorn") + FigureTex("sweep_sinkhorn_samples", 0.8);
    }
    if (sec.file == "laschos") s += AssignerTable(v);
    if (sec.file == "otgan") {
      s += SweepTable("otgan_batch_sweep", {"batch_size"});
      s += FigureTex("sweep_otgan_batch");
    }
    s += toys_of(v) + curves_of(v);
    OTGAN_RETURN_IF_ERROR(put("sec_" + sec.file + ".tex", s));
  }
  // Sample grids and W1 (shared across sections).
  OTGAN_RETURN_IF_ERROR(put("samples.tex", FigureTex("samples_mnist") + FigureTex("samples_fashion")));
  OTGAN_RETURN_IF_ERROR(put("w1.tex", FigureTex("w1")));

  // Performance tables.
  std::string perf;
  if (bench_sinkhorn_.empty()) {
    perf += absl::StrCat("\\noindent Sinkhorn benchmark (results/bench/sinkhorn.jsonl): ", kNotYetRun, ".\n\n");
  } else {
    perf += "\\begin{table}[htbp]\\centering\\small\n\\caption{One Sinkhorn iteration "
            "(results/bench/sinkhorn.jsonl).}\n\\begin{tabular}{rrrlrrr}\n\\toprule\n"
            "n & m & d & implementation & threads & ms/iter & exp/s\\\\\n\\midrule\n";
    for (const Json& j : bench_sinkhorn_) {
      perf += absl::StrFormat("%.0f & %.0f & %.0f & %s & %.0f & %.3f & %.3g\\\\\n", j.GetNumber("n").value_or(0),
                              j.GetNumber("m").value_or(0), j.GetNumber("d").value_or(NAN),
                              Tex(j.GetString("impl").value_or("?")), j.GetNumber("threads").value_or(0),
                              j.GetNumber("ms_per_iter").value_or(NAN), j.GetNumber("exp_per_s").value_or(NAN));
    }
    perf += "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n";
  }
  perf += FigureTex("bench_sinkhorn", 0.75);
  if (bench_exact_.empty()) {
    perf += absl::StrCat("\\noindent Exact OT benchmark (results/bench/exact\\_ot.jsonl): ", kNotYetRun, ".\n\n");
  } else {
    perf += "\\begin{table}[htbp]\\centering\\small\n\\caption{Exact OT "
            "(results/bench/exact\\_ot.jsonl).}\n\\begin{tabular}{lrrrrrl}\n\\toprule\n"
            "data & n & d & cost matrix (s) & solve (s) & total (s) & verified\\\\\n\\midrule\n";
    for (const Json& j : bench_exact_) {
      const Json* ver = j.Get("verified");
      perf += absl::StrFormat("%s & %.0f & %.0f & %.3f & %.3f & %.3f & %s\\\\\n", Tex(j.GetString("data").value_or("?")),
                              j.GetNumber("n").value_or(0), j.GetNumber("d").value_or(0),
                              j.GetNumber("seconds_cost_matrix").value_or(NAN), j.GetNumber("seconds_solve").value_or(NAN),
                              j.GetNumber("seconds_total").value_or(NAN),
                              ver && ver->is_bool() ? (ver->as_bool() ? "yes" : "no") : "--");
    }
    perf += "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n";
  }
  perf += FigureTex("bench_exact_ot", 0.6);
  OTGAN_RETURN_IF_ERROR(put("performance.tex", perf));

  // Numbers for the prose: floors and the discussion.
  std::string nums, disc;
  std::map<std::string, std::pair<double, std::string>> floors;  // dataset -> (floor, run)
  for (const Run& r : runs_) {
    std::optional<W1> w = W1Of(r);
    if (w && w->protocol && w->floor && !floors.count(DatasetOf(r))) floors[DatasetOf(r)] = {*w->floor, r.name};
  }
  for (const auto& [d, macro] : std::vector<std::pair<std::string, std::string>>{{"mnist", "FloorMnist"},
                                                                                   {"fashion", "FloorFashion"}}) {
    const auto it = floors.find(d);
    nums += absl::StrCat("\\newcommand{\\", macro, "}{",
                         it == floors.end() ? std::string(kNotYetRun)
                                            : absl::StrFormat("%.2f (from \\texttt{%s/eval.json})", it->second.first,
                                                              Tex(it->second.second)),
                         "}\n");
  }
  OTGAN_RETURN_IF_ERROR(put("numbers.tex", nums));

  disc += "\\begin{itemize}\n";
  int items = 0;
  for (const std::string dataset : {"mnist", "fashion"}) {
    const auto fl = floors.find(dataset);
    if (fl != floors.end()) {
      std::vector<std::string> below;
      for (const Json& m : published_.Get("w1_laschos")->Get("methods")->items()) {
        std::optional<double> p = Published(published_, dataset, m.as_string());
        if (p && *p < fl->second.first) below.push_back(absl::StrFormat("%s %.2f", Tex(MethodLabel(published_, m.as_string())), *p));
      }
      disc += absl::StrFormat("\\item %s: our real-vs-real floor is %.2f. ", DatasetLabel(dataset), fl->second.first);
      disc += below.empty() ? "Every published W1 lies above it.\n"
                            : "Published values below this floor: " + absl::StrJoin(below, ", ") + ".\n";
      ++items;
    }
    for (const Run& r : runs_) {
      if (!r.Group().empty() || DatasetOf(r) != dataset) continue;
      std::optional<W1> w = W1Of(r);
      if (!w || !w->mean) continue;
      const std::optional<double> p = Published(published_, dataset, MethodOf(r));
      disc += absl::StrFormat("\\item \\texttt{%s} (%s%s): W1 %.2f", Tex(r.name), DatasetLabel(dataset),
                              LengthClause(r, published_), *w->mean);
      if (!w->protocol) {
        disc += absl::StrFormat(" on %d vs %d samples, not the protocol (biased upwards), so not compared", w->num_generated,
                                w->num_real);
      } else if (p) {
        const double rel = (*w->mean - *p) / *p;
        disc += absl::StrFormat(" against the published %.2f: %+.0f\\%%, %s the 20\\%% target", *p, 100 * rel,
                                std::abs(rel) <= 0.2 ? "within" : "outside");
      } else {
        disc += " (no published value for this method)";
      }
      if (w->floor) disc += absl::StrFormat("; floor %.2f", *w->floor);
      disc += ".\n";
      ++items;
    }
  }
  for (const Run& r : runs_) {
    if (!r.Group().empty() || !IsToyDataset(DatasetOf(r)) || !r.eval) continue;
    const std::optional<double> hq = FindNumber(*r.eval, "high_quality_fraction");
    const std::optional<double> mc = FindNumber(*r.eval, "modes_covered");
    const std::optional<double> nm = FindNumber(*r.eval, "num_modes");
    if (!hq || !mc || !nm) continue;
    const bool ok = *mc == *nm && *hq >= 0.9;
    disc += absl::StrFormat("\\item \\texttt{%s} (%s%s): %.0f of %.0f modes covered, %.1f\\%% high-quality samples: "
                            "the target (all modes, at least 90\\%%) is %s.\n",
                            Tex(r.name), Tex(DatasetOf(r)), LengthClause(r, published_), *mc, *nm, 100 * *hq,
                            ok ? "met" : "not met");
    ++items;
  }
  if (items == 0) disc += "\\item No evaluated run is committed yet: every comparison above is " + std::string(kNotYetRun) + ".\n";
  disc += "\\end{itemize}\n";
  // Which expected runs are missing.
  std::vector<std::string> missing;
  for (const std::string& p : {"sinkhorn_gan_mnist", "otgan_mnist", "otgan_mog", "wgan_mnist", "wgan_gp_mnist",
                               "wgan_gp_toy", "assigner_mnist", "assigner_fashion"}) {
    bool found = false;
    for (const Run& r : runs_) found |= r.Group().empty() && r.program == p;
    if (!found) missing.push_back("\\texttt{" + Tex(p) + "}");
  }
  for (const std::string& g : {"sinkhorn_gan_sweep", "otgan_batch_sweep"}) {
    if (InGroup(g).empty()) missing.push_back("\\texttt{" + Tex(g) + "}");
  }
  if (!missing.empty()) {
    disc += "\\noindent Not yet run (no results folder committed): " + absl::StrJoin(missing, ", ") + ".\n";
  }
  return put("discussion.tex", disc);
}

absl::Status Builder::WriteIndex() {
  Json figs = Json::Array();
  for (const Entry& e : entries_) {
    Json j = Json::Object();
    j.Set("id", e.id).Set("title", e.title).Set("status", e.status);
    if (e.status == "ok") {
      j.Set("files", Json::Array().Push(e.id + ".pdf").Push(e.id + ".png"));
    } else {
      j.Set("missing", e.why);
    }
    figs.Push(j);
  }
  Json runs = Json::Array();
  for (const Run& r : runs_) {
    runs.Push(Json::Object().Set("run", r.name).Set("program", r.program).Set("evaluated", r.eval.has_value()));
  }
  Json index = Json::Object();
  index.Set("results", results_).Set("runs", runs).Set("figures", figs);
  return otgan::io::WriteJsonFile((fs::path(tmp_) / "figures.json").string(), index);
}

absl::Status Builder::BuildAll() {
  for (const Run& r : runs_) {
    if (r.Group().empty()) OTGAN_RETURN_IF_ERROR(Curves(r));
  }
  OTGAN_RETURN_IF_ERROR(SampleGrids("mnist"));
  OTGAN_RETURN_IF_ERROR(SampleGrids("fashion"));
  for (const Run& r : runs_) {
    if (r.Group().empty() && IsToyDataset(DatasetOf(r))) OTGAN_RETURN_IF_ERROR(Toy(r));
  }
  OTGAN_RETURN_IF_ERROR(SinkhornSweep());
  OTGAN_RETURN_IF_ERROR(OtganBatchSweep());
  OTGAN_RETURN_IF_ERROR(W1Chart());
  OTGAN_RETURN_IF_ERROR(BenchSinkhorn());
  OTGAN_RETURN_IF_ERROR(BenchExact());
  OTGAN_RETURN_IF_ERROR(WriteTex());
  return WriteIndex();
}

absl::Status ValidatePublished(const Json& p, const std::string& path) {
  const Json* t = p.Get("w1_laschos");
  if (t == nullptr || !t->is_object() || !t->Get("methods") || !t->Get("methods")->is_array() ||
      !t->Get("source") || !t->Get("source")->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected an object \"w1_laschos\" with \"methods\" (array) and \"source\" (string)"));
  }
  for (const Json& m : t->Get("methods")->items()) {
    if (!m.is_string()) return absl::InvalidArgumentError(absl::StrCat(path, ": w1_laschos.methods must be strings"));
  }
  return absl::OkStatus();
}

absl::Status Main() {
  const std::string results = absl::GetFlag(FLAGS_results);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return absl::InvalidArgumentError("--out: an output folder is required");
  const std::string published_path = absl::GetFlag(FLAGS_published);
  OTGAN_ASSIGN_OR_RETURN(Json published, otgan::io::ReadJsonFile(published_path));
  OTGAN_RETURN_IF_ERROR(ValidatePublished(published, published_path));
  OTGAN_ASSIGN_OR_RETURN(std::vector<Run> runs, otgan::plot::ScanResults(results));

  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return absl::InternalError(absl::StrCat(out, ": cannot create: ", ec.message()));
  // Everything goes to a temporary folder inside --out; only a complete set
  // is moved into place.
  const fs::path tmp = fs::path(out) / absl::StrCat(".figures.tmp.", ::getpid());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return absl::InternalError(absl::StrCat(tmp.string(), ": cannot create: ", ec.message()));
  Builder b(tmp.string(), std::move(runs), std::move(published), results);
  absl::Status s = b.BuildAll();
  if (s.ok()) {
    for (const auto& e : fs::recursive_directory_iterator(tmp)) {
      const fs::path rel = fs::relative(e.path(), tmp);
      if (e.is_directory()) {
        fs::create_directories(fs::path(out) / rel, ec);
      } else {
        fs::rename(e.path(), fs::path(out) / rel, ec);
      }
      if (ec) {
        s = absl::InternalError(absl::StrCat(out, ": cannot move ", rel.string(), " into place: ", ec.message()));
        break;
      }
    }
  }
  fs::remove_all(tmp, ec);
  if (s.ok()) {
    int ok = 0, missing = 0;
    for (const auto& e : fs::directory_iterator(out)) ok += e.path().extension() == ".pdf";
    Json idx = *otgan::io::ReadJsonFile((fs::path(out) / "figures.json").string());
    for (const Json& f : idx.Get("figures")->items()) missing += f.Get("status")->as_string() != "ok";
    std::printf("figures: %d figures written to %s, %d not yet run (see figures.json)\n", ok, out.c_str(), missing);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Builds the figures and the report's generated LaTeX from results/.");
  absl::ParseCommandLine(argc, argv);
  absl::Status s = Main();
  if (!s.ok()) {
    std::string msg(s.message());
    for (char& c : msg) if (c == '\n') c = ' ';
    std::fprintf(stderr, "figures: %s\n", msg.c_str());
    return 1;
  }
  return 0;
}

// Figure families of the sweeps: the Sinkhorn GAN's (eps, L) grid
// (results/sinkhorn_gan_sweep) and OT-GAN's batch sizes
// (results/otgan_batch_sweep).
#include <algorithm>
#include <cmath>
#include <tuple>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/util/status.h"
#include "tools/figures/eval_curve.h"
#include "lib/util/status.h"
#include "tools/figures/registry.h"

namespace otgan::figures {
namespace {

using plot::Num;
using plot::Quote;

std::string SettingLabel(const Run& r) {
  std::vector<std::string> parts;
  for (const auto& [flag, name] : {std::pair<const char*, const char*>{"sinkhorn_eps", "eps"},
                                     {"sinkhorn_iters", "L"},
                                     {"batch_size", "batch_size"}}) {
    const std::string v = r.Flag(flag);
    if (v.empty()) continue;
    parts.push_back(std::string(name) + "=" + v);
  }
  return parts.empty() ? r.name : absl::StrJoin(parts, " ");
}

// An eval.json number of the batch-sweep figure, by its figure key.
std::optional<double> SweepMetric(const eval::EvalReport& e, const std::string& key) {
  if (key == "w1_mean") {
    if (e.pixel_w1) return e.pixel_w1->w1_mean;
    return std::nullopt;
  }
  if (!e.classifier_metrics) return std::nullopt;
  const eval::ClassifierMetricsReport& m = *e.classifier_metrics;
  if (key == "fid_lenet") return m.fid_lenet;
  if (key == "is_mean") return m.is_mean;
  if (key == "precision") return m.precision;
  if (key == "recall") return m.recall;
  return std::nullopt;
}

}  // namespace

absl::Status BuildSinkhornSweep(Context& c) {
  const std::string group = "sinkhorn_gan_sweep";
  std::vector<const Run*> v = c.InGroup(group);
  const std::string id = "sweep_sinkhorn", title = "Sinkhorn GAN: effect of eps and L";
  std::vector<const Run*> with_loss;
  for (const Run* r : v) {
    if (r->metrics && r->metrics->ColumnIndex("loss") >= 0 && !r->metrics->rows.empty()) {
      with_loss.push_back(r);
    }
  }
  if (with_loss.empty()) {
    c.Missing(id, title, "results/" + group + "/<setting>/metrics.csv absent");
  } else {
    Figure f;
    f.width_in = 9;
    f.height_in = 3.6;
    std::string s = "set multiplot layout 1,2 title " + Quote(title) + "\nset grid\n";
    s += "set title 'loss curves per setting'\nset xlabel 'step'\nset ylabel 'loss'\n"
         "set key top right font ',7'\nplot ";
    for (size_t i = 0; i < with_loss.size(); ++i) {
      const Run& r = *with_loss[i];
      const std::string name = absl::StrCat("c", i);
      const auto& t = *r.metrics;
      std::vector<std::vector<double>> rows;
      const int st = t.ColumnIndex("step"), lo = t.ColumnIndex("loss");
      for (const auto& row : t.rows) rows.push_back({row[st], row[lo]});
      f.AddData(name, rows);
      absl::StrAppend(&s, i ? ", " : "", "$", name, " using 1:2 with lines title ",
                      Quote(SettingLabel(r)));
    }
    s += "\n";
    // Final loss vs eps, one line per L.
    std::map<std::string, std::vector<std::vector<double>>> by_l;
    for (const Run* r : with_loss) {
      const std::optional<double> fin = FinalValue(*r->metrics, "loss");
      double eps = 0;
      if (!fin || !absl::SimpleAtod(r->Flag("sinkhorn_eps"), &eps)) continue;
      by_l[r->Flag("sinkhorn_iters")].push_back({eps, *fin});
    }
    s += "set title 'final loss (mean of last 10% of rows) vs eps'\nset logscale x\n"
         "set xlabel 'eps'\nset key top left\nplot ";
    int i = 0;
    for (auto& [l, rows] : by_l) {
      std::sort(rows.begin(), rows.end());
      const std::string name = absl::StrCat("f", i);
      f.AddData(name, rows);
      absl::StrAppend(&s, i ? ", " : "", "$", name, " using 1:2 with linespoints pt 7 title ",
                      Quote("L=" + l));
      ++i;
    }
    if (i == 0) s += "NaN notitle";
    f.script = s + "\n";
    OTGAN_RETURN_IF_ERROR(c.Render(
        id, title,
        "Genevay et al.'s fixed-cost MNIST model over a grid of $\\varepsilon$ and $L$ "
        "(results/sinkhorn\\_gan\\_sweep): loss curves and the final loss against "
        "$\\varepsilon$. The loss is the entropic transport cost $\\langle P_\\varepsilon, "
        "C\\rangle$, whose scale depends on $\\varepsilon$, so compare shapes across settings, "
        "and sample quality in the grid figure.",
        f));
  }
  // Sample grids per setting.
  std::vector<const Run*> with_png;
  for (const Run* r : v) {
    if (!r->File("samples_final.png").empty()) with_png.push_back(r);
  }
  const std::string gid = "sweep_sinkhorn_samples";
  if (with_png.empty()) {
    c.Missing(gid, "Sinkhorn GAN sweep: samples per setting",
              "results/" + group + "/<setting>/samples_final.png absent");
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
    absl::StrAppend(&s, "set title ", Quote(SettingLabel(*r)), "\nplot ",
                    Quote(r->File("samples_final.png")), " binary filetype=png flipy with rgbimage\n");
  }
  f.script = s;
  return c.Render(gid, "Sinkhorn GAN sweep: samples per setting",
                  "Final samples of each ($\\varepsilon$, $L$) setting of the Sinkhorn GAN sweep.",
                  f);
}

namespace {

// Mean of a non-empty list.
double Mean(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) sum += x;
  return sum / static_cast<double>(xs.size());
}

// Quality against training time for every run of the batch sweep that has
// an evaluation curve: pixel W1 of 1000 samples (eval_curve.csv) against
// training seconds, one line per run (colour: batch size; dashes: seed), and
// in the caption each batch size's W1 at the equal time T* (the shortest
// run's final training time) and at the equal step count (the curves' last
// points), means over seeds.
absl::Status BuildOtganBatchSweepTime(Context& c, const std::vector<const Run*>& runs) {
  const std::string id = "sweep_otgan_batch_time";
  const std::string title = "OT-GAN: pixel W1 against training time, per batch size";
  struct Line {
    double batch = 0;
    std::string seed;
    EvalCurve curve;
  };
  std::vector<Line> lines;
  for (const Run* r : runs) {
    Line l;
    if (r->File("eval_curve.csv").empty() || !absl::SimpleAtod(r->Flag("batch_size"), &l.batch)) {
      continue;
    }
    l.seed = r->Flag("seed");
    OTGAN_ASSIGN_OR_RETURN(l.curve, ReadEvalCurve(r->File("eval_curve.csv")));
    lines.push_back(std::move(l));
  }
  if (lines.empty()) {
    c.Missing(id, title, "results/otgan_batch_sweep/<setting>/eval_curve.csv absent");
    return absl::OkStatus();
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return std::tie(a.batch, a.seed) < std::tie(b.batch, b.seed);
  });
  double t_star = lines[0].curve.seconds.back();
  for (const Line& l : lines) t_star = std::min(t_star, l.curve.seconds.back());
  std::map<double, std::vector<double>> at_time, at_end;
  std::vector<double> batches;
  std::vector<std::string> seeds;
  for (const Line& l : lines) {
    if (std::optional<double> w = ValueAt(l.curve.seconds, l.curve.w1, t_star)) {
      at_time[l.batch].push_back(*w);
    }
    at_end[l.batch].push_back(l.curve.w1.back());
    if (std::find(batches.begin(), batches.end(), l.batch) == batches.end()) batches.push_back(l.batch);
    if (std::find(seeds.begin(), seeds.end(), l.seed) == seeds.end()) seeds.push_back(l.seed);
  }
  Figure f;
  f.width_in = 6.2;
  f.height_in = 3.4;
  std::string s = "set grid\nset key outside right\nset xlabel 'training seconds (1 thread)'\n"
                  "set ylabel 'pixel W1, 1000 samples'\nset logscale x\n";
  absl::StrAppend(&s, "set arrow from ", Num(t_star), ", graph 0 to ", Num(t_star),
                  ", graph 1 nohead dt 3 lc rgb '#777777'\nplot ");
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    std::vector<std::vector<double>> rows;
    for (size_t k = 0; k < l.curve.seconds.size(); ++k) {
      if (l.curve.seconds[k] > 0 && std::isfinite(l.curve.w1[k])) {
        rows.push_back({l.curve.seconds[k], l.curve.w1[k]});
      }
    }
    const std::string name = absl::StrCat("c", i);
    f.AddData(name, rows);
    const size_t colour = std::find(batches.begin(), batches.end(), l.batch) - batches.begin();
    const size_t dash = std::find(seeds.begin(), seeds.end(), l.seed) - seeds.begin() + 1;
    absl::StrAppend(&s, i ? ", " : "", "$", name, " using 1:2 with lines lw 1.6 dt ", dash,
                    " lc rgb '", CurveColour(colour), "' title ",
                    Quote(absl::StrCat("batch ", l.batch, " seed ", l.seed)));
  }
  s += "\n";
  f.script = s;
  std::vector<std::string> equal_time, equal_steps;
  for (double b : batches) {
    if (at_time.count(b)) equal_time.push_back(absl::StrFormat("%g: %.2f", b, Mean(at_time[b])));
    equal_steps.push_back(absl::StrFormat("%g: %.2f", b, Mean(at_end[b])));
  }
  return c.Render(
      id, title,
      absl::StrCat("OT-GAN on MNIST, batch sweep: pixel W1 of 1000 EMA samples (the evaluation "
                   "curve, biased upwards against the 5000-sample tables) against training "
                   "seconds, one thread each. Mean W1 over seeds at equal time $T^* = ",
                   absl::StrFormat("%.0f", t_star), "$~s (dotted line; batch: W1) ",
                   absl::StrJoin(equal_time, ", "), "; at equal steps (the curves' ends) ",
                   absl::StrJoin(equal_steps, ", "), "."),
      f);
}

}  // namespace

absl::Status BuildOtganBatchSweep(Context& c) {
  const std::string group = "otgan_batch_sweep";
  const std::string id = "sweep_otgan_batch", title = "OT-GAN: metrics vs batch size";
  std::vector<const Run*> v = c.InGroup(group);
  OTGAN_RETURN_IF_ERROR(BuildOtganBatchSweepTime(c, v));
  // (metric key, label)
  const std::vector<std::pair<std::string, std::string>> metrics = {
      {"fid_lenet", "FID-LeNet"},
      {"is_mean", "classifier IS"},
      {"w1_mean", "pixel W1"},
      {"precision", "precision"},
      {"recall", "recall"}};
  // Per metric: every run's point (one per seed at a batch size) and the
  // mean over the runs at each batch size.
  struct Series {
    std::string label;
    std::vector<std::vector<double>> points, means;
  };
  std::vector<Series> series;
  int runs_used = 0;
  for (const auto& [key, label] : metrics) {
    Series s{label, {}, {}};
    std::map<double, std::vector<double>> by_batch;
    for (const Run* r : v) {
      double b = 0;
      const std::string bs = r->Flag("batch_size");
      if (!r->eval || !absl::SimpleAtod(bs, &b)) continue;
      if (std::optional<double> x = SweepMetric(*r->eval, key)) {
        s.points.push_back({b, *x});
        by_batch[b].push_back(*x);
      }
    }
    for (const auto& [b, xs] : by_batch) s.means.push_back({b, Mean(xs)});
    if (!s.points.empty()) {
      runs_used = std::max(runs_used, static_cast<int>(s.points.size()));
      series.push_back(std::move(s));
    }
  }
  if (series.empty()) {
    c.Missing(id, title, "results/" + group + "/<setting>/eval.json absent");
    return absl::OkStatus();
  }
  Figure f;
  const int n = static_cast<int>(series.size());
  const int ncol = std::min(3, n), nrow = (n + ncol - 1) / ncol;
  f.width_in = 2.8 * ncol + 0.4;
  f.height_in = 2.3 * nrow + 0.4;
  std::string s =
      absl::StrFormat("set multiplot layout %d,%d title %s\n", nrow, ncol, Quote(title));
  s += "set grid\nset key off\nset logscale x 2\nset xlabel 'batch size'\n";
  for (int i = 0; i < n; ++i) {
    const std::string pts = absl::StrCat("p", i), mean = absl::StrCat("m", i);
    f.AddData(pts, series[i].points);
    f.AddData(mean, series[i].means);
    absl::StrAppend(&s, "set title ", Quote(series[i].label), "\nplot $", mean,
                    " using 1:2 with lines lw 2 lc rgb '#1f77b4', $", pts,
                    " using 1:2 with points pt 7 ps 0.7 lc rgb '#1f77b4'\n");
  }
  f.script = s;
  return c.Render(id, title,
                  absl::StrCat("OT-GAN on MNIST: evaluation metrics of the final (EMA) generator "
                               "against the batch size at equal generator steps; dots are the ",
                               runs_used, " runs (seeds), the line their mean at each batch size "
                               "(results/otgan\\_batch\\_sweep)."),
                  f);
}

}  // namespace otgan::figures

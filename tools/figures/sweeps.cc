// Figure families of the sweeps: the Sinkhorn GAN's (eps, L) grid
// (results/sinkhorn_gan_sweep) and OT-GAN's batch sizes
// (results/otgan_batch_sweep).
#include <algorithm>
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
#include "tools/figures/registry.h"

namespace otgan::figures {
namespace {

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

absl::Status BuildOtganBatchSweep(Context& c) {
  const std::string group = "otgan_batch_sweep";
  const std::string id = "sweep_otgan_batch", title = "OT-GAN: metrics vs batch size";
  std::vector<const Run*> v = c.InGroup(group);
  // (metric key, label)
  const std::vector<std::pair<std::string, std::string>> metrics = {
      {"fid_lenet", "FID-LeNet"},
      {"is_mean", "classifier IS"},
      {"w1_mean", "pixel W1"},
      {"precision", "precision"},
      {"recall", "recall"}};
  std::vector<std::pair<std::string, std::vector<std::vector<double>>>> series;
  for (const auto& [key, label] : metrics) {
    std::vector<std::vector<double>> rows;
    for (const Run* r : v) {
      double b = 0;
      const std::string bs = r->Flag("batch_size");
      if (!r->eval || !absl::SimpleAtod(bs, &b)) continue;
      if (std::optional<double> x = SweepMetric(*r->eval, key)) rows.push_back({b, *x});
    }
    std::sort(rows.begin(), rows.end());
    if (!rows.empty()) series.emplace_back(label, rows);
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
    const std::string name = absl::StrCat("s", i);
    f.AddData(name, series[i].second);
    absl::StrAppend(&s, "set title ", Quote(series[i].first), "\nplot $", name,
                    " using 1:2 with linespoints pt 7 lc rgb '#1f77b4'\n");
  }
  f.script = s;
  return c.Render(id, title,
                  "OT-GAN on MNIST: evaluation metrics of the final generator against the batch "
                  "size (results/otgan\\_batch\\_sweep).",
                  f);
}

}  // namespace otgan::figures

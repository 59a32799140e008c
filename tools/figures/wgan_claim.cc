// Figure family of the WGAN paper's claim (Arjovsky et al. 2017, Sec. 4.2 and
// Figs. 3-4): the critic's estimate of the Wasserstein distance falls as the
// samples get better. From the wgan_mnist run: its estimate (metrics.csv
// wasserstein_estimate, the negated critic loss) and the quality of its
// evaluation curve (eval_curve.csv: pixel W1 and FID-LeNet of 1000 samples)
// against generator iterations, with the correlation of the two at the
// curve's points.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/util/status.h"
#include "tools/figures/eval_curve.h"
#include "tools/figures/registry.h"

namespace otgan::figures {
namespace {

using plot::Quote;

// Pearson correlation of two equally long series (nullopt for fewer than 3
// points or a constant series).
std::optional<double> Pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = a.size();
  if (n < 3 || b.size() != n) return std::nullopt;
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  if (saa <= 0 || sbb <= 0) return std::nullopt;
  return sab / std::sqrt(saa * sbb);
}

}  // namespace

absl::Status BuildWganCriticQuality(Context& c) {
  const std::string id = "wgan_critic_quality";
  const std::string title = "WGAN: critic estimate and sample quality";
  const Run* run = nullptr;
  for (const Run& r : c.runs()) {
    if (r.name == "wgan_mnist") run = &r;
  }
  if (run == nullptr || !run->metrics || run->File("eval_curve.csv").empty()) {
    c.Missing(id, title, "results/wgan_mnist with metrics.csv and eval_curve.csv absent");
    return absl::OkStatus();
  }
  const io::CsvTable& m = *run->metrics;
  const int step_col = m.ColumnIndex("step"), est_col = m.ColumnIndex("wasserstein_estimate");
  if (step_col < 0 || est_col < 0) {
    return absl::InvalidArgumentError(
        "results/wgan_mnist/metrics.csv: expected the columns step and wasserstein_estimate");
  }
  OTGAN_ASSIGN_OR_RETURN(EvalCurve e, ReadEvalCurve(run->File("eval_curve.csv")));
  // The estimate at each curve point: the mean of the logged rows since the
  // previous point (the rows are single minibatches, so noisy).
  std::vector<double> est_at, w1_at, fid_at;
  std::vector<std::vector<double>> est_rows, quality_rows;
  for (const auto& row : m.rows) est_rows.push_back({row[step_col], row[est_col]});
  for (size_t k = 1; k < e.step.size(); ++k) {
    double sum = 0;
    int n = 0;
    for (const auto& row : m.rows) {
      if (row[step_col] > e.step[k - 1] && row[step_col] <= e.step[k] &&
          std::isfinite(row[est_col])) {
        sum += row[est_col];
        ++n;
      }
    }
    if (n == 0 || !std::isfinite(e.w1[k])) continue;
    est_at.push_back(sum / n);
    w1_at.push_back(e.w1[k]);
    fid_at.push_back(e.fid[k]);
    quality_rows.push_back({e.step[k], sum / n, e.w1[k], e.fid[k]});
  }
  const std::optional<double> r_w1 = Pearson(est_at, w1_at), r_fid = Pearson(est_at, fid_at);
  Figure f;
  f.width_in = 6.5;
  f.height_in = 5;
  f.AddData("est", est_rows);
  f.AddData("q", quality_rows);
  std::string s = absl::StrFormat("set multiplot layout 2,1 title %s\n", Quote(title));
  s += "set grid\nset key top right font ',8'\nset xlabel 'generator iteration'\n";
  s += "set ylabel 'critic estimate'\nplot $est using 1:2 with lines lw 0.6 lc rgb '#bbbbbb' "
       "title 'minibatch (metrics.csv)', $q using 1:2 with linespoints pt 7 ps 0.5 lc rgb "
       "'#1f77b4' title 'mean between curve points'\n";
  s += "set ylabel 'pixel W1 (1000 samples)'\nset y2label 'FID-LeNet'\nset y2tics\n"
       "set ytics nomirror\nplot $q using 1:3 with linespoints pt 7 ps 0.5 lc rgb '#d62728' "
       "title 'pixel W1', $q using 1:4 axes x1y2 with linespoints pt 5 ps 0.5 lc rgb '#2ca02c' "
       "title 'FID-LeNet'\nunset multiplot\n";
  f.script = s;
  auto fmt = [](const std::optional<double>& v) {
    return v ? absl::StrFormat("%.2f", *v) : std::string("n/a");
  };
  return c.Render(
      id, title,
      absl::StrCat("The WGAN paper's claim on \\texttt{wgan\\_mnist}: top, the critic's "
                   "Wasserstein estimate ($-$critic loss, metrics.csv; grey every logged "
                   "minibatch, blue the mean between evaluation points); bottom, the sample "
                   "quality of the evaluation curve (eval\\_curve.csv, 1000 samples: pixel W1 "
                   "and FID-LeNet, lower is better). Pearson correlation of the mean estimate "
                   "with W1: ",
                   fmt(r_w1), ", with FID-LeNet: ", fmt(r_fid), " (", est_at.size(),
                   " points); a positive value means the estimate falls as quality rises."),
      f);
}

}  // namespace otgan::figures

// Figure family: quality per CPU-second (the compute-matched comparison).
// For every top-level image run whose folder holds eval_curve.csv (written
// during training, lib/eval/eval_curve.h: step, seconds, eval_seconds, is,
// fid_lenet, kid, precision, recall, pixel_w1, pixel_w1_floor on 1000
// samples), pixel W1 and FID-LeNet against training seconds, one line per
// method (facts.method), one figure per dataset: MNIST always (or "not yet
// run"), Fashion-MNIST when one of its runs has a curve.
//
// And tex/compute_matched.csv: per method the last point of its curve and
// its W1 (and FID) at equal time, interpolated linearly in training seconds
// at T*, the smallest final training time among the methods with a curve on
// that dataset. A method with runs but no curve is listed as
// "no evaluation curve yet".
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/io/csv.h"
#include "lib/util/status.h"
#include "tools/figures/csv_table.h"
#include "tools/figures/eval_curve.h"
#include "tools/figures/registry.h"

namespace otgan::figures {
namespace {

using plot::Num;
using plot::Quote;

constexpr char kNoCurve[] = "no evaluation curve yet";

std::optional<double> Last(const std::vector<double>& v) {
  for (auto it = v.rbegin(); it != v.rend(); ++it) {
    if (std::isfinite(*it)) return *it;
  }
  return std::nullopt;
}

struct MethodCurve {
  std::string method;
  const Run* run = nullptr;
  std::optional<EvalCurve> curve;  // absent: no eval_curve.csv in any of its runs
};

// One entry per method of the dataset's top-level image runs, in the order of
// published.json's methods then by name. A method's run is one with a curve
// if any has one; among those the run named after its program (the target's
// own run) wins over variants, else the first by name.
absl::StatusOr<std::vector<MethodCurve>> MethodsOn(const Context& c, const std::string& dataset) {
  std::map<std::string, std::vector<const Run*>> by_method;
  for (const Run* r : c.TopLevel([&](const Run& r) { return DatasetOf(r) == dataset; })) {
    by_method[MethodOf(*r)].push_back(r);
  }
  std::vector<std::string> order;
  for (const std::string& m : c.published().methods) {
    if (by_method.count(m)) order.push_back(m);
  }
  for (const auto& [m, runs] : by_method) {
    if (std::find(order.begin(), order.end(), m) == order.end()) order.push_back(m);
  }
  std::vector<MethodCurve> out;
  for (const std::string& m : order) {
    MethodCurve mc;
    mc.method = m;
    for (const Run* r : by_method[m]) {
      const bool has = !r->File("eval_curve.csv").empty();
      const bool better = mc.run == nullptr || (has && !mc.curve) ||
                          (has == mc.curve.has_value() && r->name == r->program &&
                           mc.run->name != mc.run->program);
      if (!better) continue;
      mc.run = r;
      mc.curve.reset();
      if (has) {
        OTGAN_ASSIGN_OR_RETURN(EvalCurve e, ReadEvalCurve(r->File("eval_curve.csv")));
        mc.curve = std::move(e);
      }
    }
    out.push_back(std::move(mc));
  }
  return out;
}

// T*: the smallest final training time among the methods with a curve.
std::optional<double> EqualTime(const std::vector<MethodCurve>& v) {
  std::optional<double> t;
  for (const MethodCurve& m : v) {
    if (m.curve) t = std::min(t.value_or(INFINITY), m.curve->seconds.back());
  }
  return t;
}

absl::Status CurveFigure(Context& c, const std::string& dataset,
                         const std::vector<MethodCurve>& v, std::optional<double> t_star) {
  const std::string id = "compute_matched_" + dataset;
  const std::string title = "Quality per training second, " + DatasetLabel(dataset);
  Figure f;
  std::vector<std::string> w1_plot, fid_plot;
  std::set<std::string> floors;
  std::optional<double> one_floor;
  int k = 0;
  for (const MethodCurve& m : v) {
    if (!m.curve) continue;
    const EvalCurve& e = *m.curve;
    std::vector<std::vector<double>> rows;  // seconds > 0: the step-0 point is off a log axis
    for (size_t i = 0; i < e.seconds.size(); ++i) {
      if (e.seconds[i] > 0) rows.push_back({e.seconds[i], e.w1[i], e.floor[i], e.fid[i]});
    }
    if (rows.empty()) continue;
    const std::string name = absl::StrCat("c", k);
    const std::string colour = CurveColour(k);
    ++k;
    f.AddData(name, rows);
    const std::string label = Quote(c.published().Label(m.method));
    w1_plot.push_back(absl::StrCat("$", name, " using 1:2 with linespoints pt 7 ps 0.6 lw 1.5 lc rgb '",
                                   colour, "' title ", label));
    fid_plot.push_back(absl::StrCat("$", name, " using 1:4 with linespoints pt 7 ps 0.6 lw 1.5 lc rgb '",
                                    colour, "' title ", label));
    if (const auto fl = Last(e.floor)) {
      floors.insert(absl::StrFormat("%.4f", *fl));
      one_floor = fl;
    }
    // Each run's own floor, dashed in its colour (drawn as one line below
    // when every run's floor is the same).
    w1_plot.push_back(absl::StrCat("$", name, " using 1:3 with lines dt 2 lw 1 lc rgb '", colour,
                                   "' notitle"));
  }
  if (w1_plot.empty()) {
    c.Missing(id, title,
              absl::StrCat("no top-level ", dataset, " run with eval_curve.csv past step 0"));
    return absl::OkStatus();
  }
  if (floors.size() == 1) {
    // One floor for all: a single grey dashed line with its value in the key.
    std::vector<std::string> kept;
    for (const std::string& p : w1_plot) {
      if (p.find("using 1:3") == std::string::npos) kept.push_back(p);
    }
    w1_plot = kept;
    w1_plot.push_back(absl::StrCat(Num(*one_floor), " with lines dt 2 lw 1.5 lc rgb '#555555' title ",
                                   Quote(absl::StrFormat("real-vs-real floor (%.2f)", *one_floor))));
  } else if (!floors.empty()) {
    w1_plot.push_back("1/0 with lines dt 2 lw 1 lc rgb '#555555' title 'floors (dashed, per run)'");
  }
  f.width_in = 10;
  f.height_in = 4.2;
  std::string s = "set multiplot layout 1,2 title " + Quote(title + " (1000 samples per point)") + "\n";
  s += "set grid\nset logscale x\nset xlabel 'training seconds (log)'\nset key top right font ',8'\n";
  if (t_star && *t_star > 0) {
    s += absl::StrCat("set arrow 1 from ", Num(*t_star), ", graph 0 to ", Num(*t_star),
                      ", graph 1 nohead dt 3 lc rgb '#888888'\n");
  }
  s += "set title 'pixel W1 (exact, 1000 vs 1000)'\nset ylabel 'W1'\n";
  s += "plot " + absl::StrJoin(w1_plot, ", ") + "\n";
  s += "set title 'FID-LeNet'\nset ylabel 'FID-LeNet (log)'\nset logscale y\n";
  s += "plot " + absl::StrJoin(fid_plot, ", ") + "\n";
  f.script = s;
  return c.Render(
      id, title,
      absl::StrCat(
          "Quality against training seconds (evaluation time excluded) on ", DatasetLabel(dataset),
          ", from each run's eval\\_curve.csv: exact pixel W1 (left; dashed: the real-vs-real "
          "floor at the same size) and FID-LeNet (right), each point on 1000 generated samples. "
          "The step-0 point (0 s) is off the logarithmic axis",
          t_star && *t_star > 0
              ? absl::StrFormat("; the dotted line marks the equal time $T^*=%.0f$\\,s of "
                                "Table~\\ref{tab:compute_matched}",
                                *t_star)
              : "",
          "."),
      f);
}

}  // namespace

absl::Status BuildComputeMatched(Context& c) {
  CsvTableSpec t;
  t.name = "compute_matched";
  t.columns = {"data", "method", "run", "steps", "seconds", "w1", "w1_floor", "fid_lenet",
               "w1_equal_time", "fid_equal_time"};
  t.column_types = "lllrrrrrrr";
  t.head = "data & method & run & steps & seconds & W1 & floor & FID-LeNet & W1 at $T^*$ & "
           "FID at $T^*$";
  t.cell_formats = {"", "", "\\texttt{#}"};
  std::string figures, times;
  for (const std::string dataset : {"mnist", "fashion"}) {
    OTGAN_ASSIGN_OR_RETURN(std::vector<MethodCurve> v, MethodsOn(c, dataset));
    const bool any_curve =
        std::any_of(v.begin(), v.end(), [](const MethodCurve& m) { return m.curve.has_value(); });
    if (dataset != "mnist" && !any_curve) continue;  // Fashion only once it has a curve
    const std::optional<double> t_star = EqualTime(v);
    OTGAN_RETURN_IF_ERROR(CurveFigure(c, dataset, v, t_star));
    figures += c.FigureTex("compute_matched_" + dataset);
    if (t_star) {
      absl::StrAppend(&times, times.empty() ? "" : "; ", DatasetLabel(dataset),
                      absl::StrFormat(" $T^*=%.0f$\\,s", *t_star));
    }
    for (const MethodCurve& m : v) {
      const std::string label = Tex(NoCommas(c.published().Label(m.method)));
      if (!m.curve) {
        t.foot_rows.push_back(absl::StrCat(Tex(DatasetLabel(dataset)), " & ", label,
                                           " & \\texttt{", Tex(m.run->name),
                                           "} & \\multicolumn{7}{c}{", kNoCurve, "}"));
        continue;
      }
      const EvalCurve& e = *m.curve;
      t.rows.push_back({Tex(DatasetLabel(dataset)), label, Tex(m.run->name),
                        Fixed(e.step.back(), 0), Fixed(e.seconds.back(), 0), Fixed(Last(e.w1)),
                        Fixed(Last(e.floor)), Fixed(Last(e.fid), 1),
                        Fixed(ValueAt(e.seconds, e.w1, *t_star)),
                        Fixed(ValueAt(e.seconds, e.fid, *t_star), 1)});
    }
  }
  OTGAN_ASSIGN_OR_RETURN(std::string tabular, CsvTabular(c, t));
  std::string tex = figures;
  absl::StrAppend(
      &tex,
      "\\begin{table}[htbp]\\centering\\footnotesize\\setlength{\\tabcolsep}{4pt}\n"
      "\\caption{Compute-matched quality per method "
      "(top-level runs; one run per method, the target's own run first). Steps, seconds, W1, "
      "floor and FID-LeNet: the last point of the run's evaluation curve (training seconds, "
      "evaluation time excluded; 1000 samples per point). W1 and FID at $T^*$: each method's "
      "curve interpolated linearly in training seconds at the equal time $T^*$, the smallest "
      "final training time among the methods with a curve on that dataset (",
      times.empty() ? std::string("none yet") : times,
      "), so the method that stopped first is read at its last point.}"
      "\\label{tab:compute_matched}\n",
      tabular, "\\end{table}\n\n");
  return c.PutTex("compute_matched.tex", tex);
}

}  // namespace otgan::figures

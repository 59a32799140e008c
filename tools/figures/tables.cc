// The report's per-paper LaTeX: tex/sec_<paper>.tex holds the key results
// (the runs and their training length, the tables of eval.json numbers beside
// the published W1, the sweep and assigner tables, with rows in
// tex/<table>.csv typeset by csvsimple, and the sweep and toy figures);
// tex/app_<paper>.tex, for the appendix, holds the long per-run detail (each
// run's setup from its manifest and its training curves). Plus
// tex/samples.tex, tex/w1.tex and tex/performance.tex.
#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/util/status.h"
#include "tools/figures/csv_table.h"
#include "tools/figures/registry.h"

namespace otgan::figures {
namespace {

// The manifest entries each run's setup lists (flags or facts), in order.
constexpr const char* kSetupKeys[] = {
    "budget", "total_steps", "main_loops", "paper_steps", "settings_source", "dataset",
    "eval_dataset", "architecture", "generator", "critic", "assigner", "loss", "gradient",
    "optimizer", "lr", "batch_size", "critic_schedule", "n_critic",
    "gen_steps_per_critic", "lambda", "sinkhorn_iters", "sinkhorn_eps", "debiased", "cost",
    "latent", "latent_distribution", "width", "smoke_overrides"};

std::string SetupTex(const Context& c, const std::vector<const Run*>& runs) {
  std::string s;
  for (const Run* r : runs) {
    const std::string rev = r->manifest.git_revision.empty()
                                ? "?"
                                : r->manifest.git_revision.substr(0, 12);
    absl::StrAppend(&s, "\\paragraph{Our run \\texttt{", Tex(r->name), "}} (", Tex(r->program),
                    ", revision \\texttt{", Tex(rev), "}");
    if (r->metrics && !r->metrics->rows.empty() && r->metrics->ColumnIndex("seconds") >= 0) {
      absl::StrAppend(&s, absl::StrFormat(", %.0f s of training logged",
                                          r->metrics->rows.back()[r->metrics->ColumnIndex("seconds")]));
    }
    s += ", from its manifest.json:\n\\begin{itemize}\\setlength\\itemsep{0pt}\\small\n";
    for (const char* k : kSetupKeys) {
      const std::string v = Setting(*r, k);
      if (v.empty()) continue;
      absl::StrAppend(&s, "\\item \\texttt{", Tex(k), "}: ", Tex(v), "\n");
    }
    // The one difference every CPU run has: its length against the paper's.
    const Length len = LengthOf(*r, c.published());
    if (len.total > 0 && len.paper > 0) {
      absl::StrAppend(&s, absl::StrFormat("\\item \\textbf{training length}: %.0f of the paper's "
                                          "%.0f iterations (%.3g\\%%; paper count from the %s)\n",
                                          len.total, len.paper, 100.0 * len.total / len.paper,
                                          Tex(len.source)));
    } else if (len.total > 0) {
      absl::StrAppend(&s, absl::StrFormat("\\item \\textbf{training length}: %.0f iterations; the "
                                          "paper published no schedule for this setup\n",
                                          len.total));
    }
    s += "\\end{itemize}\n";
  }
  return s;
}

absl::StatusOr<std::string> ImageTable(const Context& c, const std::string& name,
                                       const std::string& caption,
                                       const std::vector<std::string>& expected,
                                       const std::function<bool(const Run&)>& pred) {
  CsvTableSpec t;
  t.name = name;
  t.columns = {"run", "data", "fid_lenet", "kid", "is", "precision", "recall", "w1", "w1_floor",
               "w1_published"};
  t.column_types = "llrrrrrrrr";
  t.head = "run & data & FID-LeNet & KID & IS & prec. & rec. & W1 & floor & W1 publ.";
  t.cell_formats = {"\\texttt{#}"};
  std::set<std::string> seen;
  for (const Run& r : c.runs()) {
    if (!r.Group().empty() || !pred(r) || IsToyDataset(DatasetOf(r))) continue;
    seen.insert(r.program);
    const std::string dataset = DatasetOf(r);
    const std::optional<double> pub = c.published().W1(dataset, MethodOf(r));
    if (!r.eval || !r.eval->classifier_metrics) {
      t.foot_rows.push_back(absl::StrCat("\\texttt{", Tex(r.name), "} & ",
                                         Tex(DatasetLabel(dataset)),
                                         " & \\multicolumn{7}{c}{not yet evaluated} & ", Fixed(pub)));
      continue;
    }
    const eval::ClassifierMetricsReport& m = *r.eval->classifier_metrics;
    const std::optional<W1> w = W1Of(r);
    std::string w1 = "--", floor = "--";
    if (w) {
      w1 = Fixed(w->mean) + (w->protocol ? "" : "$^\\dagger$");
      floor = Fixed(w->floor);
    }
    t.rows.push_back({Tex(r.name), Tex(DatasetLabel(dataset)), Fixed(m.fid_lenet, 1),
                      Fixed(m.kid_mean, 3), Fixed(m.is_mean), Fixed(m.precision), Fixed(m.recall),
                      w1, floor, Fixed(pub)});
  }
  for (const std::string& p : expected) {
    if (seen.count(p)) continue;
    t.foot_rows.push_back(
        absl::StrCat("\\texttt{", Tex(p), "} & & \\multicolumn{8}{c}{", kNotYetRun, "}"));
  }
  OTGAN_ASSIGN_OR_RETURN(std::string tabular, CsvTabular(c, t));
  return "\\begin{table}[htbp]\\centering\\small\n\\caption{" + caption + "}\n" + tabular +
         "\\par\\smallskip\\footnotesize W1: exact pixel W1 (Laschos protocol); $^\\dagger$ fewer "
         "than 5000 samples, not the protocol and biased upwards. W1 publ.: " +
         Tex(c.published().source) + " (figures/published.json).\n\\end{table}\n\n";
}

absl::StatusOr<std::string> ToyTable(const Context& c, const std::string& name,
                                     const std::string& caption,
                                     const std::vector<std::string>& expected,
                                     const std::function<bool(const Run&)>& pred) {
  CsvTableSpec t;
  t.name = name;
  t.columns = {"run", "target", "high_quality", "modes_covered", "w2", "w2_floor"};
  t.column_types = "llrrrr";
  t.head = "run & target & high quality & modes covered & W2 & W2 floor";
  t.cell_formats = {"\\texttt{#}"};
  std::set<std::string> seen;
  for (const Run& r : c.runs()) {
    if (!r.Group().empty() || !pred(r) || !IsToyDataset(DatasetOf(r))) continue;
    seen.insert(r.program);
    if (!r.eval) {
      t.foot_rows.push_back(absl::StrCat("\\texttt{", Tex(r.name), "} & ", Tex(DatasetOf(r)),
                                         " & \\multicolumn{4}{c}{not yet evaluated}"));
      continue;
    }
    const eval::EvalReport& e = *r.eval;
    std::optional<double> w2, w2_floor, hq;
    if (e.w2) {
      w2 = e.w2->w2;
      w2_floor = e.w2->w2_target_floor;
    }
    std::string modes = "--";
    if (e.toy_modes) {
      hq = e.toy_modes->high_quality_fraction;
      modes = absl::StrFormat("%d / %d", e.toy_modes->modes_covered, e.toy_modes->num_modes);
    }
    t.rows.push_back({Tex(r.name), Tex(DatasetOf(r)), Fixed(hq, 3), modes, Fixed(w2, 3),
                      Fixed(w2_floor, 3)});
  }
  for (const std::string& p : expected) {
    if (seen.count(p)) continue;
    t.foot_rows.push_back(
        absl::StrCat("\\texttt{", Tex(p), "} & & \\multicolumn{4}{c}{", kNotYetRun, "}"));
  }
  OTGAN_ASSIGN_OR_RETURN(std::string tabular, CsvTabular(c, t));
  return "\\begin{table}[htbp]\\centering\\small\n\\caption{" + caption + "}\n" + tabular +
         "\\par\\smallskip\\footnotesize High quality: fraction of samples within 3$\\sigma$ of a "
         "mode centre; W2 floor: W2 between two fresh target samples of the same size.\n"
         "\\end{table}\n\n";
}

// The assigner's own diagnostics (their Tables 1/2 report the assignment
// variance next to W1): the mean of the last 10% of loops in metrics.csv.
// Empty when no run logs an assignment variance.
absl::StatusOr<std::string> AssignerTable(const Context& c, const std::string& name,
                                          const std::vector<const Run*>& runs) {
  CsvTableSpec t;
  t.name = name;
  t.columns = {"run", "cost", "n_per_step", "assignment_variance", "unassigned_fraction",
               "assignment_cost"};
  t.column_types = "llrrrr";
  t.head = "run & cost & $N$ per step & assignment variance & unassigned fraction & assignment "
           "cost";
  t.cell_formats = {"\\texttt{#}"};
  for (const Run* r : runs) {
    if (!r->metrics || !r->Group().empty()) continue;
    const auto var = FinalValue(*r->metrics, "assignment_variance");
    if (!var) continue;
    t.rows.push_back({Tex(r->name), Tex(r->Flag("cost")),
                      Fixed(FinalValue(*r->metrics, "n_generated"), 0), Fixed(var, 3),
                      Fixed(FinalValue(*r->metrics, "unassigned_fraction"), 3),
                      Fixed(FinalValue(*r->metrics, "assign_cost"), 2)});
  }
  if (t.rows.empty()) return std::string();
  OTGAN_ASSIGN_OR_RETURN(std::string tabular, CsvTabular(c, t));
  return "\\begin{table}[htbp]\\centering\\small\n\\caption{Assigner diagnostics at the end of "
         "training (metrics.csv, mean of the last 10\\% of main loops).}\n" +
         tabular +
         "\\par\\smallskip\\footnotesize Assignment variance: "
         "$\\frac{1}{M}\\sum_j |c_j - N/M|$ over the $M=5000$ real points ($c_j$: generated "
         "points assigned to $j$); with $N<M$ most real points get none, and the smallest value "
         "possible is $2\\frac{N}{M}(1-\\frac{N}{M})$ (every $c_j\\in\\{0,1\\}$).\n"
         "\\end{table}\n\n";
}

absl::StatusOr<std::string> SweepTable(const Context& c, const std::string& group,
                                       const std::vector<std::string>& keys) {
  std::vector<const Run*> v = c.InGroup(group);
  if (v.empty()) {
    return absl::StrCat("\\noindent Sweep \\texttt{results/", Tex(group), "}: ", kNotYetRun,
                        ".\n\n");
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
  std::stable_sort(v.begin(), v.end(),
                   [&](const Run* a, const Run* b) { return values(a) < values(b); });
  CsvTableSpec t;
  t.name = group;
  t.columns = {"setting"};
  t.column_types = "l" + std::string(keys.size() + 5, 'r');
  t.head = "setting";
  t.cell_formats = {"\\texttt{#}"};
  for (const std::string& k : keys) {
    t.columns.push_back(k);
    absl::StrAppend(&t.head, " & \\texttt{", Tex(k), "}");
  }
  for (const char* col : {"steps", "final_loss", "fid_lenet", "is", "w1"}) t.columns.push_back(col);
  t.head += " & steps & final loss & FID-LeNet & IS & W1";
  for (const Run* r : v) {
    std::vector<std::string> row = {Tex(r->name.substr(group.size() + 1))};
    for (const std::string& k : keys) row.push_back(Tex(r->Flag(k)));
    std::optional<double> fin;
    if (r->metrics) {
      for (const char* col : {"loss", "gen_L", "gen_loss"}) {
        if ((fin = FinalValue(*r->metrics, col))) break;
      }
    }
    std::optional<W1> w = W1Of(*r);
    const eval::ClassifierMetricsReport* m =
        r->eval && r->eval->classifier_metrics ? &*r->eval->classifier_metrics : nullptr;
    row.push_back(Tex(Setting(*r, "total_steps")));
    row.push_back(Fixed(fin, 3));
    row.push_back(m ? Fixed(m->fid_lenet, 1) : "--");
    row.push_back(m ? Fixed(m->is_mean) : "--");
    row.push_back(w ? Fixed(w->mean) + (w->protocol ? "" : "$^\\dagger$") : "--");
    t.rows.push_back(std::move(row));
  }
  OTGAN_ASSIGN_OR_RETURN(std::string tabular, CsvTabular(c, t));
  return "\\begin{table}[htbp]\\centering\\small\n\\caption{Settings of \\texttt{results/" +
         Tex(group) + "} and their final numbers.}\n" + tabular + "\\end{table}\n\n";
}

}  // namespace

absl::Status BuildSections(Context& c) {
  for (const PaperSection& sec : PaperSections()) {
    auto pred = [&sec](const Run& r) { return PaperOf(r) == sec.key; };
    std::vector<const Run*> v = c.TopLevel(pred);
    std::string s, app;
    if (v.empty()) {
      s += absl::StrCat("No run of this paper's targets is committed yet: ", kNotYetRun, ".\n\n");
      app += absl::StrCat("No run of this paper's targets is committed yet: ", kNotYetRun,
                          ".\n\n");
    } else {
      s += absl::StrCat("\\paragraph{Our runs} (each run's setup from its manifest and its "
                        "training curves: Appendix~\\ref{app:",
                        sec.key, "}):\n\\begin{itemize}\\setlength\\itemsep{0pt}\\small\n");
      for (const Run* r : v) {
        absl::StrAppend(&s, "\\item \\texttt{", Tex(r->name), "} (", Tex(DatasetOf(*r)),
                        LengthClause(*r, c.published()), ")\n");
      }
      s += "\\end{itemize}\n";
    }
    app += SetupTex(c, v);
    s += "\\subsection*{Results}\n";
    if (!sec.expected_image_targets.empty()) {
      OTGAN_ASSIGN_OR_RETURN(
          std::string table,
          ImageTable(c, "sec_" + sec.key + "_images",
                     "Image metrics of the final generator (eval.json) beside the published W1.",
                     sec.expected_image_targets, pred));
      s += table;
    }
    if (!sec.expected_toy_targets.empty()) {
      OTGAN_ASSIGN_OR_RETURN(std::string table, ToyTable(c, "sec_" + sec.key + "_toys",
                                                         "Toy metrics (eval.json).",
                                                         sec.expected_toy_targets, pred));
      s += table;
    }
    for (const auto& [group, keys] : sec.sweeps) {
      OTGAN_ASSIGN_OR_RETURN(std::string table, SweepTable(c, group, keys));
      s += table;
    }
    for (const auto& [id, width] : sec.sweep_figures) s += c.FigureTex(id, width);
    OTGAN_ASSIGN_OR_RETURN(std::string assigner, AssignerTable(c, "sec_" + sec.key + "_assigner", v));
    s += assigner;
    for (const Run* r : v) {
      if (IsToyDataset(DatasetOf(*r))) {
        s += c.FigureTex("toy_" + Slug(r->name), 0.7);
        s += c.FigureTex("toy_curve_" + Slug(r->name), 0.9);
      }
    }
    for (const Run* r : v) app += c.FigureTex("curves_" + Slug(r->name), 0.9);
    OTGAN_RETURN_IF_ERROR(c.PutTex("sec_" + sec.key + ".tex", s));
    OTGAN_RETURN_IF_ERROR(c.PutTex("app_" + sec.key + ".tex", app));
  }
  // Sample grids and W1 (shared across sections), and the benchmarks.
  OTGAN_RETURN_IF_ERROR(
      c.PutTex("samples.tex", c.FigureTex("samples_mnist") + c.FigureTex("samples_fashion")));
  OTGAN_RETURN_IF_ERROR(c.PutTex("w1.tex", c.FigureTex("w1")));
  return WritePerformanceTex(c);
}

}  // namespace otgan::figures

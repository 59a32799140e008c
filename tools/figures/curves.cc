// Figure families: training curves of every top-level run (metrics.csv) and
// the final sample grids per dataset (samples_final.png).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/util/status.h"
#include "tools/figures/registry.h"

namespace otgan::figures {
namespace {

using plot::Quote;

absl::Status Curves(Context& c, const Run& r) {
  const std::string id = "curves_" + Slug(r.name);
  const std::string title = "Training curves of " + r.name;
  if (!r.metrics || r.metrics->rows.empty()) {
    c.Missing(id, title, r.name + "/metrics.csv absent or empty");
    return absl::OkStatus();
  }
  const auto& t = *r.metrics;
  const int step = t.ColumnIndex("step");
  std::vector<int> cols;
  for (int i = 0; i < static_cast<int>(t.columns.size()); ++i) {
    if (i != step && t.columns[i] != "seconds") cols.push_back(i);
  }
  if (cols.empty()) {
    c.Missing(id, title, r.name + "/metrics.csv has no column besides step and seconds");
    return absl::OkStatus();
  }
  Figure f;
  f.AddData("m", t.rows);
  const int n = static_cast<int>(cols.size());
  const int ncol = std::min(3, n), nrow = (n + ncol - 1) / ncol;
  f.width_in = 2.6 * ncol + 0.4;
  f.height_in = 2.1 * nrow + 0.4;
  std::string s = absl::StrFormat("set multiplot layout %d,%d title %s\n", nrow, ncol,
                                  Quote(title + " (" + r.program + ")"));
  s += "set key off\nset grid\nset xlabel 'step'\nset format y '%g'\n";
  for (int col : cols) {
    absl::StrAppend(&s, "set title ", Quote(t.columns[col]), "\nplot $m using ", step + 1, ":",
                    col + 1, " with lines lw 1.2 lc rgb '#1f77b4'\n");
  }
  f.script = s;
  return c.Render(id, title, "Training curves of \\texttt{" + Tex(r.name) + "} (metrics.csv).", f);
}

absl::Status SampleGrid(Context& c, const std::string& dataset) {
  const std::string id = "samples_" + dataset;
  const std::string title = "Final samples, " + DatasetLabel(dataset);
  std::vector<const Run*> v = c.TopLevel([&](const Run& r) {
    return DatasetOf(r) == dataset && !r.File("samples_final.png").empty();
  });
  if (v.empty()) {
    c.Missing(id, title, "no run on " + dataset + " with samples_final.png");
    return absl::OkStatus();
  }
  const int n = static_cast<int>(v.size());
  const int ncol = std::min(4, n), nrow = (n + ncol - 1) / ncol;
  Figure f;
  f.width_in = 2.4 * ncol;
  f.height_in = 2.6 * nrow;
  f.png_dpi = 150;
  std::string s =
      absl::StrFormat("set multiplot layout %d,%d title %s\n", nrow, ncol, Quote(title));
  s += "unset border\nunset tics\nunset key\nset size ratio -1\nunset colorbox\n";
  for (const Run* r : v) {
    absl::StrAppend(&s, "set title ", Quote(r->name), "\nplot ",
                    Quote(r->File("samples_final.png")), " binary filetype=png flipy with rgbimage\n");
  }
  f.script = s;
  std::vector<std::string> names;
  for (const Run* r : v) names.push_back("\\texttt{" + Tex(r->name) + "}");
  return c.Render(id, title,
                  "Final sample grids on " + DatasetLabel(dataset) + " (samples\\_final.png of " +
                      absl::StrJoin(names, ", ") + ").",
                  f);
}

}  // namespace

absl::Status BuildCurves(Context& c) {
  for (const Run& r : c.runs()) {
    if (r.Group().empty()) OTGAN_RETURN_IF_ERROR(Curves(c, r));
  }
  return absl::OkStatus();
}

absl::Status BuildSampleGrids(Context& c) {
  OTGAN_RETURN_IF_ERROR(SampleGrid(c, "mnist"));
  return SampleGrid(c, "fashion");
}

}  // namespace otgan::figures

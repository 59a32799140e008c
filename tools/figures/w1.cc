// Figure family: the exact pixel W1 of every top-level image run that
// followed the Laschos protocol, beside the published values
// (figures/published.json) and our real-vs-real floor.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "tools/figures/registry.h"

namespace otgan::figures {

using plot::Num;
using plot::Quote;

absl::Status BuildW1Chart(Context& c) {
  const std::string id = "w1", title = "Exact pixel W1 (Laschos protocol)";
  const Published& pub = c.published();
  Figure f;
  f.width_in = 9;
  f.height_in = 3.8;
  std::string s = "set multiplot layout 1,2 title " + Quote(title + ": ours vs published") + "\n";
  s += "set grid ytics\nset ylabel 'W1'\nset xtics rotate by 30 right font ',8'\n"
       "set key top right font ',8'\nset bmargin 6\n";
  int k = 0;
  for (const std::string dataset : {"mnist", "fashion"}) {
    std::vector<std::string> methods = pub.methods;
    std::map<std::string, W1> ours;
    std::optional<double> floor;
    for (const Run& r : c.runs()) {
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
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < methods.size(); ++i) {
      const std::string& m = methods[i];
      const auto it = ours.find(m);
      rows.push_back({absl::StrCat(i), Num(pub.W1(dataset, m).value_or(NAN)),
                      Num(it != ours.end() ? it->second.mean.value_or(NAN) : NAN),
                      Num(it != ours.end() ? it->second.std.value_or(0) : NAN),
                      absl::StrCat("\"", absl::StrReplaceAll(pub.Label(m), {{"\"", "'"}}), "\"")});
    }
    const std::string name = absl::StrCat("w", k++);
    f.AddCells(name, rows);
    absl::StrAppend(&s, "set title ",
                    Quote(DatasetLabel(dataset) + (ours.empty() ? " (ours: not yet run)" : "")),
                    "\nset xrange [-0.6:", methods.size() - 0.4, "]\n");
    std::string plot = absl::StrCat(
        "plot $", name,
        " using 1:2:xtic(5) with points pt 6 ps 1.4 lw 2 lc rgb '#444444' title 'published', ",
        "$", name, " using 1:3:4 with yerrorbars pt 7 ps 1.1 lc rgb '#d62728' title 'ours'");
    if (floor) {
      absl::StrAppend(&plot, ", ", Num(*floor), " with lines dt 2 lw 1.5 lc rgb '#1f77b4' title ",
                      Quote(absl::StrFormat("real-vs-real floor (%.2f)", *floor)));
    }
    s += plot + "\n";
  }
  f.script = s;
  return c.Render(
      id, title,
      "Exact W1 in pixel space under the Laschos protocol (32$\\times$32, [-1,1], 5000 real "
      "training images, blocks of 5000 generated): published values (open circles; " +
          Tex(pub.source) +
          "), ours (filled, $\\pm$ std over blocks; only evaluations that followed the "
          "protocol) and our real-vs-real floor (dashed: two disjoint sets of 5000 real images).",
      f);
}

}  // namespace otgan::figures

// The report's numbers for its prose (tex/numbers.tex: the real-vs-real W1
// floors) and the discussion list (tex/discussion.tex): every evaluated run
// against its published number and target, and what is not yet run.
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/util/status.h"
#include "tools/figures/registry.h"

namespace otgan::figures {

absl::Status BuildDiscussion(Context& c) {
  const Published& pub = c.published();
  std::string nums, disc;
  std::map<std::string, std::pair<double, std::string>> floors;  // dataset -> (floor, run)
  for (const Run& r : c.runs()) {
    std::optional<W1> w = W1Of(r);
    if (w && w->protocol && w->floor && !floors.count(DatasetOf(r))) {
      floors[DatasetOf(r)] = {*w->floor, r.name};
    }
  }
  for (const auto& [d, macro] : std::vector<std::pair<std::string, std::string>>{
           {"mnist", "FloorMnist"}, {"fashion", "FloorFashion"}}) {
    const auto it = floors.find(d);
    nums += absl::StrCat("\\newcommand{\\", macro, "}{",
                         it == floors.end()
                             ? std::string(kNotYetRun)
                             : absl::StrFormat("%.2f (from \\texttt{%s/eval.json})",
                                               it->second.first, Tex(it->second.second)),
                         "}\n");
  }
  OTGAN_RETURN_IF_ERROR(c.PutTex("numbers.tex", nums));

  disc += "\\begin{itemize}\n";
  int items = 0;
  for (const std::string dataset : {"mnist", "fashion"}) {
    const auto fl = floors.find(dataset);
    if (fl != floors.end()) {
      std::vector<std::string> below;
      for (const std::string& m : pub.methods) {
        std::optional<double> p = pub.W1(dataset, m);
        if (p && *p < fl->second.first) {
          below.push_back(absl::StrFormat("%s %.2f", Tex(pub.Label(m)), *p));
        }
      }
      disc += absl::StrFormat("\\item %s: our real-vs-real floor is %.2f. ",
                              DatasetLabel(dataset), fl->second.first);
      disc += below.empty() ? "Every published W1 lies above it.\n"
                            : "Published values below this floor: " + absl::StrJoin(below, ", ") +
                                  ".\n";
      ++items;
    }
    for (const Run& r : c.runs()) {
      if (!r.Group().empty() || DatasetOf(r) != dataset) continue;
      std::optional<W1> w = W1Of(r);
      if (!w || !w->mean) continue;
      const std::optional<double> p = pub.W1(dataset, MethodOf(r));
      disc += absl::StrFormat("\\item \\texttt{%s} (%s%s): W1 %.2f", Tex(r.name),
                              DatasetLabel(dataset), LengthClause(r, pub), *w->mean);
      if (!w->protocol) {
        disc += absl::StrFormat(
            " on %d vs %d samples, not the protocol (biased upwards), so not compared",
            w->num_generated, w->num_real);
      } else if (p) {
        const double rel = (*w->mean - *p) / *p;
        disc += absl::StrFormat(" against the published %.2f: %+.0f\\%%, %s the 20\\%% target", *p,
                                100 * rel, std::abs(rel) <= 0.2 ? "within" : "outside");
      } else {
        disc += " (no published value for this method)";
      }
      if (w->floor) disc += absl::StrFormat("; floor %.2f", *w->floor);
      disc += ".\n";
      ++items;
    }
  }
  for (const Run& r : c.runs()) {
    if (!r.Group().empty() || !IsToyDataset(DatasetOf(r)) || !r.eval || !r.eval->toy_modes) {
      continue;
    }
    const eval::ToyModesReport& t = *r.eval->toy_modes;
    const bool ok = t.modes_covered == t.num_modes && t.high_quality_fraction >= 0.9;
    disc += absl::StrFormat(
        "\\item \\texttt{%s} (%s%s): %d of %d modes covered, %.1f\\%% high-quality samples: "
        "the target (all modes, at least 90\\%%) is %s.\n",
        Tex(r.name), Tex(DatasetOf(r)), LengthClause(r, pub), t.modes_covered, t.num_modes,
        100 * t.high_quality_fraction, ok ? "met" : "not met");
    ++items;
  }
  if (items == 0) {
    disc += "\\item No evaluated run is committed yet: every comparison above is " +
            std::string(kNotYetRun) + ".\n";
  }
  disc += "\\end{itemize}\n";
  // Which expected runs are missing.
  std::vector<std::string> missing;
  for (const PaperSection& sec : PaperSections()) {
    std::vector<std::string> targets = sec.expected_image_targets;
    targets.insert(targets.end(), sec.expected_toy_targets.begin(), sec.expected_toy_targets.end());
    for (const std::string& p : targets) {
      bool found = false;
      for (const Run& r : c.runs()) found |= r.Group().empty() && r.program == p;
      if (!found) missing.push_back("\\texttt{" + Tex(p) + "}");
    }
  }
  for (const PaperSection& sec : PaperSections()) {
    for (const auto& [group, keys] : sec.sweeps) {
      if (c.InGroup(group).empty()) missing.push_back("\\texttt{" + Tex(group) + "}");
    }
  }
  if (!missing.empty()) {
    disc += "\\noindent Not yet run (no results folder committed): " +
            absl::StrJoin(missing, ", ") + ".\n";
  }
  return c.PutTex("discussion.tex", disc);
}

}  // namespace otgan::figures

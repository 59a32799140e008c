// The figure families of //tools:figures and the report's paper sections, in
// one place. A family is a function that renders its figures into the
// Context (or records them as "not yet run"); a paper section says which
// runs belong to a paper (the manifest's facts.paper) and which targets the
// report expects there. Adding a sixth paper means one PaperSection here and
// the facts {"paper", ...}, {"method", ...} in its main's StartRun.
//
//   for (const FigureFamily& f : FigureFamilies()) OTGAN_RETURN_IF_ERROR(f.build(context));
//   for (const PaperSection& p : PaperSections()) ... p.key, p.expected_image_targets ...
//
// The report's opening verdict table (verdict.cc) applies rules written
// there to the runs of each section; the compute-matched comparison
// (compute_matched.cc) reads the runs' eval_curve.csv.
#ifndef OTGAN_TOOLS_FIGURES_REGISTRY_H_
#define OTGAN_TOOLS_FIGURES_REGISTRY_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "tools/figures/context.h"

namespace otgan::figures {

struct FigureFamily {
  std::string name;  // e.g. "curves"
  absl::Status (*build)(Context&);
};

// In build order; the LaTeX (tables.cc) comes last, after every figure.
const std::vector<FigureFamily>& FigureFamilies();

struct PaperSection {
  std::string key;  // facts.paper of its runs; also tex/sec_<key>.tex
  // Targets whose absence the tables list as "not yet run".
  std::vector<std::string> expected_image_targets, expected_toy_targets;
  // Sweeps (results/<group>/<setting>) shown in the section, with the swept settings.
  std::vector<std::pair<std::string, std::vector<std::string>>> sweeps;
  // Figures after the sweep tables: (id, width as a fraction of \linewidth).
  std::vector<std::pair<std::string, double>> sweep_figures;
  // The verdict table's row (verdict.cc): the paper in a few words, its
  // headline claim (words only: every number comes from results/ or
  // figures/published.json), and the "paper" key of its entries in
  // published.json's "other" list. The report labels its section sec:<key>.
  std::string citation, claim, published_key;
};

const std::vector<PaperSection>& PaperSections();

// ---- the families (one .cc each) ----
absl::Status BuildCurves(Context& c);        // curves.cc: metrics.csv of every run
absl::Status BuildSampleGrids(Context& c);   // curves.cc: samples_final.png per dataset
absl::Status BuildToys(Context& c);          // toy.cc: toy samples over the target
absl::Status BuildSinkhornSweep(Context& c); // sweeps.cc
absl::Status BuildOtganBatchSweep(Context& c);  // sweeps.cc
absl::Status BuildW1Chart(Context& c);       // w1.cc
absl::Status BuildBench(Context& c);         // bench.cc: figures + tex/performance.tex
absl::Status BuildComputeMatched(Context& c);  // compute_matched.cc: eval_curve.csv per method
absl::Status BuildWganCriticQuality(Context& c);  // wgan_claim.cc: critic estimate vs quality
absl::Status BuildSections(Context& c);      // tables.cc: tex/sec_*.tex, tex/app_*.tex, samples, w1
absl::Status BuildVerdict(Context& c);       // verdict.cc: tex/verdict.{csv,tex}
absl::Status BuildDiscussion(Context& c);    // discussion.cc: tex/numbers, discussion
// bench.cc: tex/performance.tex (called by BuildSections, after the bench figures).
absl::Status WritePerformanceTex(const Context& c);

}  // namespace otgan::figures

#endif  // OTGAN_TOOLS_FIGURES_REGISTRY_H_

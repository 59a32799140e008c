// What every figure family of //tools:figures shares: the scanned runs, the
// published numbers, the output folder, the index of figures built so far,
// and small helpers (LaTeX escaping, number formatting, what a run is).
//
// What a run is comes from its manifest's facts (lib/io/manifest.h), never
// from its program name: "paper" (the report section: genevay | otgan | wgan
// | wgangp | laschos), "method" (the key of figures/published.json's W1
// table) and "eval_dataset".
//
//   absl::Status BuildMyFigure(Context& c) {
//     for (const Run* r : c.TopLevel([](const Run& r) { return PaperOf(r) == "otgan"; })) ...
//     Figure f; ...
//     return c.Render("my_figure", "Title", "Caption for LaTeX.", f);
//   }
#ifndef OTGAN_TOOLS_FIGURES_CONTEXT_H_
#define OTGAN_TOOLS_FIGURES_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/io/csv.h"
#include "lib/io/json.h"
#include "lib/plot/gnuplot.h"
#include "lib/plot/results.h"

namespace otgan::figures {

using plot::Figure;
using plot::Run;

inline constexpr char kNotYetRun[] = "not yet run";

// figures/published.json, typed.
struct Published {
  std::string source;                // where the W1 numbers come from
  std::vector<std::string> methods;  // the W1 table's methods, in order
  std::map<std::string, std::string> labels;  // method -> label
  std::map<std::string, std::map<std::string, double>> w1;  // dataset -> method -> W1
  std::map<std::string, double> paper_iterations;           // program -> iterations
  // The "other" published numbers (e.g. CIFAR-10 Inception scores), with
  // whether they are comparable with anything measured here.
  struct Other {
    std::string paper;  // e.g. "salimans2018" (PaperSection::published_key)
    std::string what, source, comparable;
    double value = 0;
    std::optional<double> std;
  };
  std::vector<Other> other;

  std::optional<double> W1(const std::string& dataset, const std::string& method) const;
  std::string Label(const std::string& method) const;
};
absl::StatusOr<Published> ReadPublished(const std::string& path);

// ---- what a run is (its manifest's facts) and its numbers ----
std::string DatasetOf(const Run& r);  // facts.eval_dataset
std::string MethodOf(const Run& r);   // facts.method
std::string PaperOf(const Run& r);    // facts.paper
// The flag `key`, or the fact when there is no such flag ("" when neither).
std::string Setting(const Run& r, const std::string& key);
bool IsToyDataset(const std::string& dataset);
std::string DatasetLabel(const std::string& dataset);

// A run's training length (total_steps, or main_loops for the assigner) and
// the paper's: paper_steps from the manifest, else published.json's
// paper_iterations for the program; 0 where unknown.
struct Length {
  double total = 0, paper = 0;
  std::string source;
};
Length LengthOf(const Run& r, const Published& published);
// ", after N iterations (p% of the paper's)" for the discussion; empty if unknown.
std::string LengthClause(const Run& r, const Published& published);

// Pixel W1 of a run's eval.json.
struct W1 {
  std::optional<double> mean, std, floor;
  bool protocol = false;  // the Laschos protocol (5000 real, blocks of 5000)
  int64_t num_real = 0, num_generated = 0;
};
std::optional<W1> W1Of(const Run& r);

// Mean of the last 10% (at least one) of a metrics.csv column's finite values.
std::optional<double> FinalValue(const io::CsvTable& t, const std::string& column);

// ---- formatting ----
std::string Tex(const std::string& s);  // LaTeX-escaped text
std::string Fixed(std::optional<double> v, int digits = 2);  // "--" when absent
std::string Slug(const std::string& name);  // '/' -> '_'

// ---- toy points ----
absl::StatusOr<at::Tensor> ReadPoints(const std::string& path);  // [N,2] float64
std::vector<std::vector<double>> Rows2(const at::Tensor& t, int64_t max_rows);

// One figure of the index (figures.json).
struct Entry {
  std::string id, title, status, why;  // status: "ok" | "not yet run"
  std::string caption;
};

class Context {
 public:
  Context(std::string out_dir, std::vector<Run> runs, Published published, std::string results)
      : out_dir_(std::move(out_dir)),
        runs_(std::move(runs)),
        published_(std::move(published)),
        results_(std::move(results)) {}

  const std::vector<Run>& runs() const { return runs_; }
  const Published& published() const { return published_; }
  const std::string& results() const { return results_; }  // the results folder
  const std::string& out_dir() const { return out_dir_; }   // where files go
  const std::vector<Entry>& entries() const { return entries_; }

  // Renders <out>/<id>.{pdf,png} and records the figure as "ok".
  absl::Status Render(const std::string& id, const std::string& title, const std::string& caption,
                      const Figure& f);
  // Records the figure as "not yet run", with what is missing.
  void Missing(const std::string& id, const std::string& title, const std::string& why);
  const Entry* Find(const std::string& id) const;

  // Top-level runs (not in a sweep) for which pred holds; the runs of a sweep.
  std::vector<const Run*> TopLevel(const std::function<bool(const Run&)>& pred) const;
  std::vector<const Run*> InGroup(const std::string& group) const;

  // The LaTeX figure environment of figure `id`, or a "not yet run" box.
  std::string FigureTex(const std::string& id, double width = 0.95) const;
  // Writes <out>/tex/<name> atomically.
  absl::Status PutTex(const std::string& name, const std::string& text) const;

  // Benchmark lines kept by the bench figures for the performance tables.
  std::vector<io::Json> bench_sinkhorn, bench_exact;

 private:
  std::string out_dir_;
  std::vector<Run> runs_;
  Published published_;
  std::string results_;
  std::vector<Entry> entries_;
};

}  // namespace otgan::figures

#endif  // OTGAN_TOOLS_FIGURES_CONTEXT_H_

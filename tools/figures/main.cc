// Builds every figure and the generated LaTeX of the report from results/.
//
//   bazel run //tools:figures -- --results=results --out=/tmp/figs
//   (or bazel build //figures:all //report, which run it on the committed results)
//
// Reads results/<run>/{manifest.json, metrics.csv, eval.json, eval_curve.csv,
// samples_final.png, samples_eval.npy, critic_surface.npy/.json},
// results/<sweep>/<setting>/...,
// results/bench/{sinkhorn,exact_ot}.jsonl and figures/published.json, and
// writes into --out:
//   <figure>.pdf / <figure>.png   every figure whose inputs exist;
//   figures.json                  the index: every expected figure, "ok" or
//                                 "not yet run" (with what is missing);
//   tex/*.tex                     tables, figure environments and numbers for
//                                 report/report.tex (never typed by hand).
// The figure families and the report's paper sections are listed in
// tools/figures/registry.{h,cc}, one .cc per family.
// Absent results are "not yet run"; a present but malformed input is an
// error: one line naming the file on stderr, exit status 1, and nothing is
// written to --out (everything is built in a temporary folder first).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/io/json.h"
#include "lib/util/status.h"
#include "tools/figures/registry.h"

ABSL_FLAG(std::string, results, "results", "the results folder to read");
ABSL_FLAG(std::string, out, "", "output folder (created; existing files are replaced)");
ABSL_FLAG(std::string, published, "figures/published.json",
          "published numbers with their sources");

namespace otgan::figures {
namespace {
namespace fs = std::filesystem;

absl::Status WriteIndex(const Context& c) {
  io::Json figs = io::Json::array();
  for (const Entry& e : c.entries()) {
    io::Json j = {{"id", e.id}, {"title", e.title}, {"status", e.status}};
    if (e.status == "ok") {
      j["files"] = {e.id + ".pdf", e.id + ".png"};
    } else {
      j["missing"] = e.why;
    }
    figs.push_back(j);
  }
  io::Json runs = io::Json::array();
  for (const Run& r : c.runs()) {
    runs.push_back({{"run", r.name}, {"program", r.program}, {"evaluated", r.eval.has_value()}});
  }
  io::Json index = {{"results", c.results()}, {"runs", runs}, {"figures", figs}};
  return io::WriteJsonFile((fs::path(c.out_dir()) / "figures.json").string(), index);
}

// Every run says what it is (facts.eval_dataset, paper, method; see
// context.h), and its paper has a section in the registry.
absl::Status CheckFacts(const std::vector<Run>& runs) {
  for (const Run& r : runs) {
    for (const char* fact : {"eval_dataset", "paper", "method"}) {
      if (r.Fact(fact).empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            r.dir, "/manifest.json: facts.", fact,
            " is missing: the main records it in StartRun's facts (tools/figures/registry.h)"));
      }
    }
    bool known = false;
    for (const PaperSection& sec : PaperSections()) known |= sec.key == PaperOf(r);
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(r.dir, "/manifest.json: facts.paper \"",
                                                     PaperOf(r),
                                                     "\" has no section in tools/figures/registry.cc"));
    }
  }
  return absl::OkStatus();
}

absl::Status Main() {
  const std::string results = absl::GetFlag(FLAGS_results);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return absl::InvalidArgumentError("--out: an output folder is required");
  OTGAN_ASSIGN_OR_RETURN(Published published, ReadPublished(absl::GetFlag(FLAGS_published)));
  OTGAN_ASSIGN_OR_RETURN(std::vector<Run> runs, plot::ScanResults(results));
  OTGAN_RETURN_IF_ERROR(CheckFacts(runs));

  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return absl::InternalError(absl::StrCat(out, ": cannot create: ", ec.message()));
  // Everything goes to a temporary folder inside --out; only a complete set
  // is moved into place.
  const fs::path tmp = fs::path(out) / absl::StrCat(".figures.tmp.", ::getpid());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return absl::InternalError(absl::StrCat(tmp.string(), ": cannot create: ", ec.message()));
  Context c(tmp.string(), std::move(runs), std::move(published), results);
  absl::Status s;
  for (const FigureFamily& family : FigureFamilies()) {
    s = family.build(c);
    if (!s.ok()) break;
  }
  if (s.ok()) s = WriteIndex(c);
  if (s.ok()) {
    for (const auto& e : fs::recursive_directory_iterator(tmp)) {
      const fs::path rel = fs::relative(e.path(), tmp);
      if (e.is_directory()) {
        fs::create_directories(fs::path(out) / rel, ec);
      } else {
        fs::rename(e.path(), fs::path(out) / rel, ec);
      }
      if (ec) {
        s = absl::InternalError(
            absl::StrCat(out, ": cannot move ", rel.string(), " into place: ", ec.message()));
        break;
      }
    }
  }
  fs::remove_all(tmp, ec);
  if (s.ok()) {
    int ok = 0, missing = 0;
    for (const Entry& e : c.entries()) (e.status == "ok" ? ok : missing) += 1;
    std::printf("figures: %d figures written to %s, %d not yet run (see figures.json)\n", ok,
                out.c_str(), missing);
  }
  return s;
}

}  // namespace
}  // namespace otgan::figures

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Builds the figures and the report's generated LaTeX from results/.");
  absl::ParseCommandLine(argc, argv);
  absl::Status s = otgan::figures::Main();
  if (!s.ok()) {
    std::string msg(s.message());
    for (char& ch : msg) {
      if (ch == '\n') ch = ' ';
    }
    std::fprintf(stderr, "figures: %s\n", msg.c_str());
    return 1;
  }
  return 0;
}

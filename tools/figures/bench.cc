// Figure family of the benchmarks: Sinkhorn iteration time and exact OT time
// against the problem size (results/bench/*.jsonl), and tex/performance.tex
// with their tables (rows in tex/bench_*.csv).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/util/status.h"
#include "tools/figures/csv_table.h"
#include "tools/figures/registry.h"

namespace otgan::figures {
namespace {
namespace fs = std::filesystem;

using plot::Num;
using plot::Quote;

std::optional<double> Number(const io::Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::optional<std::string> String(const io::Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

absl::Status BenchSinkhorn(Context& c) {
  const std::string id = "bench_sinkhorn", title = "Sinkhorn iteration time";
  const std::string path = (fs::path(c.results()) / "bench" / "sinkhorn.jsonl").string();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    c.Missing(id, title, "results/bench/sinkhorn.jsonl absent");
    return absl::OkStatus();
  }
  OTGAN_ASSIGN_OR_RETURN(std::vector<io::Json> lines, plot::ReadJsonLines(path));
  std::map<std::string, std::vector<std::vector<double>>> series;
  std::map<int, double> exp_rate;  // threads -> exp/s
  for (const io::Json& j : lines) {
    if (String(j, "bench") == "fast_exp") {
      const auto rate = Number(j, "exp_per_s_all_threads");
      const auto th = Number(j, "threads");
      if (rate && th) exp_rate[static_cast<int>(*th)] = *rate;
      continue;
    }
    if (!j.contains("ms_per_iter")) continue;
    const auto n = Number(j, "n"), m = Number(j, "m"), ms = Number(j, "ms_per_iter");
    const auto th = Number(j, "threads");
    const auto impl = String(j, "impl");
    if (!n || !ms || !impl || !th || !m) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": a line with ms_per_iter lacks n, m, impl or threads: ", io::DumpJson(j, -1)));
    }
    c.bench_sinkhorn.push_back(j);
    series[absl::StrFormat("%s, %d thread%s, d=%s", *impl, static_cast<int>(*th),
                           *th == 1 ? "" : "s", Num(Number(j, "d").value_or(NAN)))]
        .push_back({*n, *ms});
  }
  if (series.empty()) {
    c.Missing(id, title, path + " has no sinkhorn_iteration lines");
    return absl::OkStatus();
  }
  Figure f;
  f.width_in = 6;
  f.height_in = 4;
  std::string s = "set title " +
                  Quote(title + " (one log-domain half-iteration pair per call, n = m)") +
                  "\nset logscale xy\nset grid\nset xlabel 'n = m'\nset ylabel 'ms per iteration'\n"
                  "set key top left font ',8'\nplot ";
  int i = 0;
  double nmin = 1e30, nmax = 0;
  for (auto& [label, rows] : series) {
    std::sort(rows.begin(), rows.end());
    for (const auto& r : rows) {
      nmin = std::min(nmin, r[0]);
      nmax = std::max(nmax, r[0]);
    }
    const std::string name = absl::StrCat("b", i);
    f.AddData(name, rows);
    absl::StrAppend(&s, i ? ", " : "", "$", name, " using 1:2 with linespoints pt 7 title ",
                    Quote(label));
    ++i;
  }
  for (const auto& [th, rate] : exp_rate) {
    // Two n*m exps per iteration at the measured in-cache exp rate.
    absl::StrAppend(&s, ", [", Num(nmin), ":", Num(nmax), "] 2*x*x/", Num(rate),
                    "*1000 with lines dt 2 title ",
                    Quote(absl::StrFormat("exp floor, %d thread%s", th, th == 1 ? "" : "s")));
  }
  f.script = s + "\n";
  return c.Render(id, title,
                  "Time per Sinkhorn iteration against the problem size for each softmin "
                  "implementation (results/bench/sinkhorn.jsonl from \\texttt{bazel run "
                  "//bench:sinkhorn}); dashed: the floor set by the measured exp throughput ($2nm$ "
                  "exponentials per iteration).",
                  f);
}

absl::Status BenchExact(Context& c) {
  const std::string id = "bench_exact_ot", title = "Exact OT (assignment) time";
  const std::string path = (fs::path(c.results()) / "bench" / "exact_ot.jsonl").string();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    c.Missing(id, title, "results/bench/exact_ot.jsonl absent");
    return absl::OkStatus();
  }
  OTGAN_ASSIGN_OR_RETURN(std::vector<io::Json> lines, plot::ReadJsonLines(path));
  std::map<std::string, std::vector<std::vector<double>>> series;
  for (const io::Json& j : lines) {
    const auto n = Number(j, "n"), d = Number(j, "d"), sec = Number(j, "seconds_total");
    const auto data = String(j, "data");
    if (!n || !d || !sec || !data) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": expected n, d, seconds_total and data in every line: ", io::DumpJson(j, -1)));
    }
    c.bench_exact.push_back(j);
    series[absl::StrFormat("%s, d=%s", *data, Num(*d))].push_back({*n, *sec});
  }
  if (series.empty()) {
    c.Missing(id, title, path + " is empty");
    return absl::OkStatus();
  }
  Figure f;
  std::string s = "set title " + Quote(title + " incl. the cost matrix") +
                  "\nset logscale xy\nset grid\nset xlabel 'n (n vs n points)'\n"
                  "set ylabel 'seconds'\nset key top left\nplot ";
  int i = 0;
  for (auto& [label, rows] : series) {
    std::sort(rows.begin(), rows.end());
    const std::string name = absl::StrCat("e", i);
    f.AddData(name, rows);
    absl::StrAppend(&s, i ? ", " : "", "$", name, " using 1:2 with linespoints pt 7 title ",
                    Quote(label));
    ++i;
  }
  f.script = s + "\n";
  return c.Render(id, title,
                  "Exact OT between two clouds of n points (results/bench/exact\\_ot.jsonl from "
                  "\\texttt{bazel run //bench:exact\\_ot}).",
                  f);
}

}  // namespace

absl::Status BuildBench(Context& c) {
  OTGAN_RETURN_IF_ERROR(BenchSinkhorn(c));
  return BenchExact(c);
}

namespace {

// The training-throughput table: every "method" line of every
// results/bench/train_step*.jsonl (//bench:train_step), with the file's
// thread count and precision from its "env" line (with the Python
// reference's precision where it differs: --reference_precision).
absl::StatusOr<std::string> TrainStepTex(const Context& c) {
  std::vector<fs::path> files;
  std::error_code ec;
  const fs::path dir = fs::path(c.results()) / "bench";
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("train_step", 0) == 0 && e.path().extension() == ".jsonl") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return absl::StrCat("\\noindent Training throughput (results/bench/train\\_step*.jsonl): ",
                        kNotYetRun, ".\n\n");
  }
  CsvTableSpec t;
  t.name = "bench_train_step";
  t.columns = {"file",  "precision",          "threads",        "method", "cpp_ms",     "python_ms",
               "ratio", "python_defaults_ms", "ratio_defaults", "gflops", "of_roofline"};
  t.column_types = "llrlrrrrrrr";
  t.head =
      "file & precision & threads & method & C++ (ms) & Python (ms) & C++/Python & "
      "Python, its defaults (ms) & C++/that & GFLOP/s & of roofline";
  for (const fs::path& f : files) {
    OTGAN_ASSIGN_OR_RETURN(std::vector<io::Json> lines, plot::ReadJsonLines(f.string()));
    std::string precision = "fp32", threads = "?";
    for (const io::Json& j : lines) {
      const std::string kind = String(j, "kind").value_or("");
      if (kind == "env") {
        precision = String(j, "precision").value_or("fp32");
        const std::string ref = String(j, "reference_precision").value_or(precision);
        if (ref != precision && ref.rfind("(", 0) != 0) {
          precision = absl::StrCat(precision, " (Python ", ref, ")");
        }
        threads = absl::StrFormat("%.0f", Number(j, "threads").value_or(NAN));
      }
      if (kind != "method") continue;
      const std::optional<double> py = Number(j, "python_ms");
      const std::optional<double> roof = Number(j, "share_of_roofline");
      const std::optional<double> py_defaults = Number(j, "python_defaults_ms");
      // The median ratio; with --rounds > 1 its range over the rounds in brackets.
      auto ratio = [&j](const std::string& suffix) -> std::string {
        const std::optional<double> r = Number(j, ("ratio_cpp_over_python" + suffix).c_str());
        if (!r) return "--";
        std::string text = absl::StrFormat("%.2f", *r);
        const auto it = j.find("ratio" + suffix + "_rounds");
        if (it != j.end() && it->is_array() && it->size() > 1) {
          std::vector<double> v;
          for (const auto& x : *it) v.push_back(x.is_number() ? x.get<double>() : NAN);
          const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
          text += absl::StrFormat(" (%.2f--%.2f)", *lo, *hi);
        }
        return text;
      };
      t.rows.push_back(
          {Tex(f.filename().string()), precision, threads, Tex(String(j, "method").value_or("?")),
           absl::StrFormat("%.0f", Number(j, "cpp_ms").value_or(NAN)),
           py ? absl::StrFormat("%.0f", *py) : "--", ratio(""),
           py_defaults ? absl::StrFormat("%.0f", *py_defaults) : "--", ratio("_defaults"),
           absl::StrFormat("%.0f", Number(j, "cpp_gflops").value_or(NAN)),
           roof ? absl::StrFormat("%.0f\\%%", 100 * *roof) : "--"});
    }
  }
  OTGAN_ASSIGN_OR_RETURN(std::string tabular, CsvTabular(c, t));
  return "\\begin{table}[htbp]\\centering\\scriptsize\n\\caption{One generator iteration "
         "(with its critic or assigner updates) per method, C++ beside the same nets and steps "
         "in Python PyTorch 1.13 run by the same command "
         "(results/bench/train\\_step*.jsonl, \\texttt{bazel run //bench:train\\_step}; "
         "median of the timed iterations; with \\texttt{--rounds}, C++ and Python alternated "
         "that many times: the medians, and the ratio's range over the rounds in brackets; "
         "each file's COMMAND says the load). Python runs under the C++ side's runtime "
         "settings (OpenMP wait policy, OpenBLAS spin, glibc malloc; older files gave it only "
         "the first, see their COMMAND), and with \\texttt{--reference\\_defaults} "
         "also at its own defaults. Of roofline: the "
         "method's FLOPs at the faster of a 2048$^3$ matrix product and a 3$\\times$3 "
         "convolution in its precision, measured by the same run, over its time (files from "
         "before the bench measured it show --).}\n"
         "\\resizebox{\\textwidth}{!}{%\n" +  // 11 columns
         tabular +
         "}\n\\end{table}\n\n";
}

// The assigner's assignment step against the bare matrix products of the
// same chunks (results/bench/assign.jsonl, //bench:assign).
absl::StatusOr<std::string> AssignTex(const Context& c) {
  const fs::path path = fs::path(c.results()) / "bench" / "assign.jsonl";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::StrCat(
        "\\noindent Assignment benchmark (results/bench/assign.jsonl): ", kNotYetRun, ".\n\n");
  }
  OTGAN_ASSIGN_OR_RETURN(std::vector<io::Json> lines, plot::ReadJsonLines(path.string()));
  CsvTableSpec t;
  t.name = "bench_assign";
  t.columns = {"n",
               "m",
               "d",
               "threads",
               "seconds",
               "gflops",
               "gemm_gflops",
               "share_of_gemm",
               "gflops_per_cpu_second",
               "gemm_gflops_per_cpu_second",
               "share_of_gemm_per_cpu"};
  t.column_types = "rrrrrrrrrrr";
  t.head =
      "N & M & d & threads & seconds & GFLOP/s & GEMM GFLOP/s & of GEMM & "
      "GFLOP/CPU-s & GEMM GFLOP/CPU-s & of GEMM";
  for (const io::Json& j : lines) {
    const auto n = Number(j, "n"), g = Number(j, "gflops"), gg = Number(j, "gemm_gflops");
    const double per_cpu = Number(j, "gflops_per_cpu_second").value_or(NAN);
    const double gemm_per_cpu = Number(j, "gemm_gflops_per_cpu_second").value_or(NAN);
    if (!n || !g || !gg) {
      return absl::InvalidArgumentError(absl::StrCat(
          path.string(),
          ": expected n, gflops and gemm_gflops in every line: ", io::DumpJson(j, -1)));
    }
    t.rows.push_back(
        {absl::StrFormat("%.0f", *n), absl::StrFormat("%.0f", Number(j, "m").value_or(NAN)),
         absl::StrFormat("%.0f", Number(j, "d").value_or(NAN)),
         absl::StrFormat("%.0f", Number(j, "threads").value_or(NAN)),
         absl::StrFormat("%.2f", Number(j, "seconds").value_or(NAN)), absl::StrFormat("%.0f", *g),
         absl::StrFormat("%.0f", *gg), absl::StrFormat("%.0f\\%%", 100 * *g / *gg),
         absl::StrFormat("%.0f", per_cpu), absl::StrFormat("%.0f", gemm_per_cpu),
         absl::StrFormat("%.0f\\%%", 100 * per_cpu / gemm_per_cpu)});
  }
  OTGAN_ASSIGN_OR_RETURN(std::string tabular, CsvTabular(c, t));
  return "\\begin{table}[htbp]\\centering\\small\n\\caption{The assigner's assignment step: "
         "N generated points against M real ones, $\\arg\\min_j 0.1\\|x_i - y_j\\|^2 + "
         "\\psi_j$ by chunks of one matrix product and a row argmin, beside the bare matrix "
         "products of the same chunks (results/bench/assign.jsonl, \\texttt{bazel run "
         "//bench:assign}; median of the repeats; the rates per CPU-second divide by the "
         "process's CPU time, so they compare on a shared machine; COMMAND says the load).}\n" +
         tabular + "\\end{table}\n\n";
}

}  // namespace

// tex/performance.tex: the benchmark tables (rows in tex/bench_*.csv) and figures.
absl::Status WritePerformanceTex(const Context& c) {
  OTGAN_ASSIGN_OR_RETURN(std::string perf, TrainStepTex(c));
  OTGAN_ASSIGN_OR_RETURN(const std::string assign, AssignTex(c));
  perf += assign;
  if (c.bench_sinkhorn.empty()) {
    perf += absl::StrCat(
        "\\noindent Sinkhorn benchmark (results/bench/sinkhorn.jsonl): ", kNotYetRun, ".\n\n");
  } else {
    CsvTableSpec t;
    t.name = "bench_sinkhorn";
    t.columns = {"n", "m", "d", "implementation", "threads", "ms_per_iter", "exp_per_s"};
    t.column_types = "rrrlrrr";
    t.head = "n & m & d & implementation & threads & ms/iter & exp/s";
    for (const io::Json& j : c.bench_sinkhorn) {
      t.rows.push_back({absl::StrFormat("%.0f", Number(j, "n").value_or(0)),
                        absl::StrFormat("%.0f", Number(j, "m").value_or(0)),
                        absl::StrFormat("%.0f", Number(j, "d").value_or(NAN)),
                        Tex(String(j, "impl").value_or("?")),
                        absl::StrFormat("%.0f", Number(j, "threads").value_or(0)),
                        absl::StrFormat("%.3f", Number(j, "ms_per_iter").value_or(NAN)),
                        absl::StrFormat("%.3g", Number(j, "exp_per_s").value_or(NAN))});
    }
    OTGAN_ASSIGN_OR_RETURN(std::string tabular, CsvTabular(c, t));
    perf +=
        "\\begin{table}[htbp]\\centering\\small\n\\caption{One Sinkhorn iteration "
        "(results/bench/sinkhorn.jsonl).}\n" +
        tabular + "\\end{table}\n\n";
  }
  perf += c.FigureTex("bench_sinkhorn", 0.75);
  if (c.bench_exact.empty()) {
    perf += absl::StrCat(
        "\\noindent Exact OT benchmark (results/bench/exact\\_ot.jsonl): ", kNotYetRun, ".\n\n");
  } else {
    CsvTableSpec t;
    t.name = "bench_exact_ot";
    t.columns = {"data", "n", "d", "cost_matrix_s", "solve_s", "total_s", "verified"};
    t.column_types = "lrrrrrl";
    t.head = "data & n & d & cost matrix (s) & solve (s) & total (s) & verified";
    for (const io::Json& j : c.bench_exact) {
      const auto ver = j.find("verified");
      const bool has_ver = ver != j.end() && ver->is_boolean();
      t.rows.push_back({Tex(String(j, "data").value_or("?")),
                        absl::StrFormat("%.0f", Number(j, "n").value_or(0)),
                        absl::StrFormat("%.0f", Number(j, "d").value_or(0)),
                        absl::StrFormat("%.3f", Number(j, "seconds_cost_matrix").value_or(NAN)),
                        absl::StrFormat("%.3f", Number(j, "seconds_solve").value_or(NAN)),
                        absl::StrFormat("%.3f", Number(j, "seconds_total").value_or(NAN)),
                        has_ver ? (ver->get<bool>() ? "yes" : "no") : "--"});
    }
    OTGAN_ASSIGN_OR_RETURN(std::string tabular, CsvTabular(c, t));
    perf +=
        "\\begin{table}[htbp]\\centering\\small\n\\caption{Exact OT "
        "(results/bench/exact\\_ot.jsonl).}\n" +
        tabular + "\\end{table}\n\n";
  }
  perf += c.FigureTex("bench_exact_ot", 0.6);
  return c.PutTex("performance.tex", perf);
}

}  // namespace otgan::figures

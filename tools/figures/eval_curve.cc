#include "tools/figures/eval_curve.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/io/csv.h"
#include "lib/util/status.h"

namespace otgan::figures {

absl::StatusOr<EvalCurve> ReadEvalCurve(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(io::CsvTable t, io::ReadCsv(path));
  EvalCurve e;
  const std::vector<std::pair<const char*, std::vector<double>*>> cols = {
      {"step", &e.step}, {"seconds", &e.seconds}, {"pixel_w1", &e.w1},
      {"pixel_w1_floor", &e.floor}, {"fid_lenet", &e.fid}};
  for (const auto& [name, dst] : cols) {
    const int c = t.ColumnIndex(name);
    if (c < 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no \"", name, "\" column"));
    }
    for (const auto& row : t.rows) dst->push_back(row[c]);
  }
  if (e.seconds.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no rows"));
  for (size_t i = 0; i < e.seconds.size(); ++i) {
    if (!std::isfinite(e.seconds[i]) || e.seconds[i] < 0 ||
        (i > 0 && e.seconds[i] < e.seconds[i - 1])) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s:%d: seconds must be finite, non-negative and non-decreasing", path, i + 2));
    }
  }
  return e;
}

std::optional<double> ValueAt(const std::vector<double>& seconds,
                              const std::vector<double>& values, double t) {
  std::optional<std::pair<double, double>> before;
  for (size_t i = 0; i < seconds.size(); ++i) {
    if (!std::isfinite(values[i])) continue;
    if (seconds[i] == t) return values[i];
    if (seconds[i] < t) {
      before = {seconds[i], values[i]};
    } else {
      if (!before) return std::nullopt;
      const double a = (t - before->first) / (seconds[i] - before->first);
      return before->second + a * (values[i] - before->second);
    }
  }
  return std::nullopt;
}

const char* CurveColour(size_t k) {
  constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  return kColours[k % (sizeof(kColours) / sizeof(kColours[0]))];
}

}  // namespace otgan::figures

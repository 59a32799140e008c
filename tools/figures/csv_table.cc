#include "tools/figures/csv_table.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "lib/util/status.h"

namespace otgan::figures {

absl::StatusOr<std::string> CsvTabular(const Context& c, const CsvTableSpec& t) {
  const size_t n = t.columns.size();
  if (n == 0 || n > 26) {
    return absl::InvalidArgumentError(absl::StrCat("table ", t.name, ": 1 to 26 columns, found ", n));
  }
  std::string csv = absl::StrJoin(t.columns, ",") + "\n";
  for (const auto& row : t.rows) {
    if (row.size() != n) {
      return absl::InvalidArgumentError(absl::StrCat("table ", t.name, ": a row of ", row.size(),
                                                     " cells, expected ", n));
    }
    for (const std::string& cell : row) {
      if (cell.find_first_of(",\n") != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("table ", t.name, ": cell \"", cell, "\" holds a comma or a newline"));
      }
    }
    absl::StrAppend(&csv, absl::StrJoin(row, ","), "\n");
  }
  OTGAN_RETURN_IF_ERROR(c.PutTex(t.name + ".csv", csv));
  // Column i is \colA, \colB, ... inside the reader.
  std::vector<std::string> assign, cells;
  for (size_t i = 0; i < n; ++i) {
    const std::string macro = absl::StrCat("\\col", std::string(1, static_cast<char>('A' + i)));
    assign.push_back(absl::StrCat(i + 1, "=", macro));
    const std::string format =
        i < t.cell_formats.size() && !t.cell_formats[i].empty() ? t.cell_formats[i] : "#";
    cells.push_back(absl::StrReplaceAll(format, {{"#", macro}}));
  }
  std::string foot;
  for (const std::string& row : t.foot_rows) absl::StrAppend(&foot, row, "\\\\");
  return absl::StrCat("\\csvreader[tabular=", t.column_types, ", table head={\\toprule ", t.head,
                      "\\\\\\midrule}, table foot={", foot, "\\bottomrule}]{figures/tex/", t.name,
                      ".csv}{", absl::StrJoin(assign, ","), "}{", absl::StrJoin(cells, " & "),
                      "}\n");
}

std::string NoCommas(const std::string& text) { return absl::StrReplaceAll(text, {{",", ""}}); }

}  // namespace otgan::figures

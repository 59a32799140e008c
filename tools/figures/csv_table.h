// A LaTeX table whose rows are data in a CSV file (tex/<name>.csv), typeset
// by csvsimple's \csvreader (report.tex loads csvsimple): the C++ side
// writes the numbers, the generated .tex says how a row looks.
//
//   CsvTableSpec t;
//   t.name = "toy_otgan";
//   t.columns = {"run", "w2"};
//   t.column_types = "lr";
//   t.head = "run & W2";
//   t.cell_formats = {"\\texttt{#}", "#"};
//   t.rows = {{"otgan\\_mog", "0.031"}};
//   t.foot_rows = {"\\texttt{x} & not yet run"};
//   OTGAN_ASSIGN_OR_RETURN(std::string tex, CsvTabular(context, t));  // \csvreader[...]{...}
#ifndef OTGAN_TOOLS_FIGURES_CSV_TABLE_H_
#define OTGAN_TOOLS_FIGURES_CSV_TABLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/figures/context.h"

namespace otgan::figures {

struct CsvTableSpec {
  std::string name;                  // the file is tex/<name>.csv
  std::vector<std::string> columns;  // CSV header: one identifier per column
  std::string column_types;          // the tabular's column spec, e.g. "llrr"
  std::string head;                  // LaTeX header row, without the closing "\\"
  // Per column, LaTeX around the cell with '#' standing for it (e.g.
  // "\\texttt{#}"); empty or missing entries mean the cell as it is.
  std::vector<std::string> cell_formats;
  // LaTeX-ready cells (escaped with Tex()); a cell must not hold a comma.
  std::vector<std::vector<std::string>> rows;
  // LaTeX rows typeset after the data rows (e.g. "not yet run"), without "\\".
  std::vector<std::string> foot_rows;
};

// Writes <out>/tex/<name>.csv and returns the \csvreader command that
// typesets it as a booktabs tabular (figures/tex/<name>.csv, the report's
// path). A malformed spec (a cell with a comma, a row of the wrong width)
// is an InvalidArgument error naming the table.
absl::StatusOr<std::string> CsvTabular(const Context& c, const CsvTableSpec& spec);

// `text` with its commas dropped, for cells built from free text such as
// published.json's labels ("assigner, SSIM" -> "assigner SSIM").
std::string NoCommas(const std::string& text);

}  // namespace otgan::figures

#endif  // OTGAN_TOOLS_FIGURES_CSV_TABLE_H_

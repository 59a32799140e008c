// Figures as PDF and PNG through gnuplot (gnuplot-iostream, cairo terminals),
// written atomically: nothing appears at the destination unless gnuplot ran
// the whole script without an error.
//
// A Figure is a set of named data blocks plus a gnuplot script that plots
// them ($name in the script). RenderFigure pipes both to one gnuplot process,
// draws the script once on pdfcairo and once on pngcairo into temporary files
// next to the destination, checks that gnuplot reached the end of the script,
// and renames <stem>.pdf and <stem>.png into place.
//
//   otgan::plot::Figure f;
//   f.AddData("loss", {{1, 0.5}, {2, 0.25}});
//   f.script = "set xlabel 'step'\nplot $loss using 1:2 with lines title 'loss'\n";
//   OTGAN_RETURN_IF_ERROR(otgan::plot::RenderFigure(f, "out/loss"));  // out/loss.{pdf,png}
#ifndef OTGAN_LIB_PLOT_GNUPLOT_H_
#define OTGAN_LIB_PLOT_GNUPLOT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace otgan::plot {

struct Figure {
  double width_in = 6.0;   // size of the PDF page in inches
  double height_in = 4.0;
  int png_dpi = 100;       // PNG pixels per inch
  // gnuplot commands; text is not "enhanced" (underscores print as they are).
  std::string script;
  // Named data blocks, in order: (name without '$', block text).
  std::vector<std::pair<std::string, std::string>> data;

  // Adds a block of whitespace-separated rows; NaN/inf print as "NaN"
  // (gnuplot skips them). An empty row list gives an empty block.
  Figure& AddData(const std::string& name, const std::vector<std::vector<double>>& rows);
  // Adds a block of rows given as text (one line each), e.g. with labels.
  Figure& AddTextData(const std::string& name, const std::vector<std::string>& lines);
};

// Renders `figure` to <stem>.pdf and <stem>.png (see the file comment). The
// error names the stem and quotes gnuplot's first error line.
absl::Status RenderFigure(const Figure& figure, const std::string& stem);

// `s` as a gnuplot single-quoted string literal ('it''s').
std::string Quote(const std::string& s);

// A number for data blocks and scripts: %.9g, NaN for non-finite values.
std::string Num(double v);

}  // namespace otgan::plot

#endif  // OTGAN_LIB_PLOT_GNUPLOT_H_

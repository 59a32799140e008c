// Figures as PDF and PNG through gnuplot (gnuplot-iostream, cairo terminals),
// written atomically: nothing appears at the destination unless gnuplot ran
// the whole script without an error.
//
// A Figure is a set of named data blocks plus a gnuplot script that plots
// them ($name in the script). RenderFigure draws the script once on pdfcairo
// and once on pngcairo into temporary files next to the destination, in one
// gnuplot process; each plot line that names blocks gets '-' in their place
// and the blocks are sent after it with gnuplot-iostream's send1d (inline
// data, full precision). It then checks that gnuplot reached the end of the
// script and renames <stem>.pdf and <stem>.png into place.
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
  // A named data block: numeric rows, or rows of text cells (labels for
  // xtic(), double-quoted when they hold spaces).
  struct Block {
    std::string name;  // without '$'; starts with a letter
    std::vector<std::vector<double>> numbers;
    std::vector<std::vector<std::string>> cells;
  };
  std::vector<Block> data;

  // Adds a block of numeric rows; non-finite values are sent as NaN (gnuplot
  // skips them). An empty row list gives an empty block.
  Figure& AddData(const std::string& name, const std::vector<std::vector<double>>& rows);
  // Adds a block of rows of text cells, e.g. with labels.
  Figure& AddCells(const std::string& name, const std::vector<std::vector<std::string>>& rows);
};

// Renders `figure` to <stem>.pdf and <stem>.png (see the file comment). The
// error names the stem and quotes gnuplot's first error line.
absl::Status RenderFigure(const Figure& figure, const std::string& stem);

// `s` as a gnuplot single-quoted string literal ('it''s').
std::string Quote(const std::string& s);

// A number for scripts and text cells: %.9g, NaN for non-finite values.
std::string Num(double v);

}  // namespace otgan::plot

#endif  // OTGAN_LIB_PLOT_GNUPLOT_H_

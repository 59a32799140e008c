#include "lib/plot/gnuplot.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include <gnuplot-iostream.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/io/atomic_file.h"

namespace otgan::plot {
namespace fs = std::filesystem;

std::string Num(double v) {
  if (!std::isfinite(v)) return "NaN";
  return absl::StrFormat("%.9g", v);
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out + "'";
}

Figure& Figure::AddData(const std::string& name, const std::vector<std::vector<double>>& rows) {
  Block b;
  b.name = name;
  b.numbers = rows;
  for (auto& row : b.numbers) {
    for (double& v : row) {
      if (!std::isfinite(v)) v = std::numeric_limits<double>::quiet_NaN();
    }
  }
  data.push_back(std::move(b));
  return *this;
}

Figure& Figure::AddCells(const std::string& name,
                         const std::vector<std::vector<std::string>>& rows) {
  Block b;
  b.name = name;
  b.cells = rows;
  data.push_back(std::move(b));
  return *this;
}

namespace {

std::string FirstErrorLine(const std::string& path) {
  std::ifstream in(path);
  std::string line, first;
  while (std::getline(in, line)) {
    absl::string_view t = absl::StripAsciiWhitespace(line);
    if (t.empty() || t == "^") continue;
    if (first.empty()) first = std::string(t);
    if (absl::StrContains(t, "rror") || absl::StrContains(t, "line ")) return std::string(t);
  }
  return first.empty() ? "no message" : first;
}

// A text cell for send1d: gnuplot-iostream sends a std::string as a
// container of chars, a TextCell as its text.
struct TextCell {
  const std::string* text;
};
std::ostream& operator<<(std::ostream& out, const TextCell& c) { return out << *c.text; }

// One script line as gnuplot gets it: each $name of a data block replaced by
// '-', and the blocks to send after it, in the order named.
struct ScriptLine {
  std::string text;
  std::vector<const Figure::Block*> sends;
};

absl::StatusOr<std::vector<ScriptLine>> PrepareScript(const std::string& script,
                                                      const Figure& figure) {
  std::vector<ScriptLine> lines;
  for (absl::string_view line : absl::StrSplit(script, '\n')) {
    ScriptLine out;
    size_t i = 0;
    while (i < line.size()) {
      if (line[i] == '$' && i + 1 < line.size() && absl::ascii_isalpha(line[i + 1])) {
        size_t j = i + 1;
        while (j < line.size() && (absl::ascii_isalnum(line[j]) || line[j] == '_')) ++j;
        const absl::string_view name = line.substr(i + 1, j - i - 1);
        const Figure::Block* block = nullptr;
        for (const Figure::Block& b : figure.data) {
          if (b.name == name) block = &b;
        }
        if (block == nullptr) {
          return absl::InvalidArgumentError(
              absl::StrCat("the script names $", name, ", which is not a data block"));
        }
        out.sends.push_back(block);
        out.text += "'-'";
        i = j;
      } else {
        out.text += line[i++];
      }
    }
    lines.push_back(std::move(out));
  }
  return lines;
}

// Writes the lines to gp; each line's blocks follow it through send1d
// (inline data ending with "e").
void SendScript(Gnuplot& gp, const std::vector<ScriptLine>& lines) {
  for (const ScriptLine& line : lines) {
    gp << line.text << "\n";
    for (const Figure::Block* b : line.sends) {
      if (!b->cells.empty()) {
        std::vector<std::vector<TextCell>> rows;
        for (const auto& row : b->cells) {
          rows.emplace_back();
          for (const std::string& cell : row) rows.back().push_back(TextCell{&cell});
        }
        gp.send1d(rows);
      } else {
        gp.send1d(b->numbers);
      }
    }
  }
}

void RemoveQuietly(const std::string& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

}  // namespace

absl::Status RenderFigure(const Figure& figure, const std::string& stem) {
  if (figure.width_in <= 0 || figure.height_in <= 0 || figure.png_dpi <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(stem, ": figure size must be positive"));
  }
  const std::string pdf = stem + ".pdf", png = stem + ".png";
  const std::string tmp_pdf = io::TempPathFor(pdf), tmp_png = io::TempPathFor(png);
  const std::string marker = io::TempPathFor(stem + ".done");
  const std::string errlog = io::TempPathFor(stem + ".log");
  auto cleanup = [&] {
    for (const std::string& p : {tmp_pdf, tmp_png, marker, errlog}) RemoveQuietly(p);
  };
  absl::StatusOr<std::vector<ScriptLine>> body =
      PrepareScript(absl::StrCat("reset\nset termoption noenhanced\n", figure.script,
                                 "\nunset multiplot\nunset output\n"),
                    figure);
  if (!body.ok()) return absl::InvalidArgumentError(absl::StrCat(stem, ": ", body.status().message()));
  // For debugging figures: OTGAN_GNUPLOT_ECHO=1 prints every script on stderr.
  const char* echo = std::getenv("OTGAN_GNUPLOT_ECHO");
  const std::string tee = echo != nullptr && echo[0] == '1' ? "tee /dev/stderr | " : "";
  {
    // gnuplot goes on after an error on a pipe; the marker written by the
    // last line reports the last error (GPVAL_ERRNO), 0 when there was none.
    Gnuplot gp(absl::StrCat(tee, "gnuplot 2> ", Quote(errlog), " > /dev/null"));
    gp << absl::StrFormat("set terminal pdfcairo size %gin,%gin font 'Helvetica,9' noenhanced\n",
                          figure.width_in, figure.height_in)
       << "set output " << Quote(tmp_pdf) << "\n";
    SendScript(gp, *body);
    gp << absl::StrFormat("set terminal pngcairo size %d,%d font 'Helvetica,9' noenhanced\n",
                          static_cast<int>(std::lround(figure.width_in * figure.png_dpi)),
                          static_cast<int>(std::lround(figure.height_in * figure.png_dpi)))
       << "set output " << Quote(tmp_png) << "\n";
    SendScript(gp, *body);
    // gnuplot goes on after an error on a pipe but keeps the last one in
    // GPVAL_ERRNO / GPVAL_ERRMSG: the marker file reports them.
    gp << "set print " << Quote(marker)
       << "\nprint sprintf('%d', GPVAL_ERRNO)\nprint GPVAL_ERRMSG\nunset print\nexit\n";
  }  // the destructor flushes and waits for gnuplot (pclose)
  std::error_code ec;
  std::string errno_line, errmsg;
  {
    std::ifstream in(marker);
    std::getline(in, errno_line);
    std::getline(in, errmsg);
  }
  if (errno_line != "0") {
    const std::string why = errmsg.empty() ? FirstErrorLine(errlog) : errmsg;
    cleanup();
    return absl::InternalError(absl::StrCat(stem, ": gnuplot failed: ", why));
  }
  for (const std::string& t : {tmp_pdf, tmp_png}) {
    if (!fs::exists(t, ec) || fs::file_size(t, ec) == 0) {
      cleanup();
      return absl::InternalError(absl::StrCat(stem, ": gnuplot wrote no output to ", t));
    }
  }
  fs::rename(tmp_pdf, pdf, ec);
  if (!ec) fs::rename(tmp_png, png, ec);
  if (ec) {
    cleanup();
    RemoveQuietly(pdf);
    return absl::InternalError(absl::StrCat(stem, ": cannot rename into place: ", ec.message()));
  }
  RemoveQuietly(marker);
  RemoveQuietly(errlog);
  return absl::OkStatus();
}

}  // namespace otgan::plot

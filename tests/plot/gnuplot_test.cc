#include "lib/plot/gnuplot.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace otgan::plot {
namespace {
namespace fs = std::filesystem;

std::string Head(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), n);
  s.resize(in.gcount());
  return s;
}

fs::path FreshDir(const std::string& name) {
  fs::path d = fs::path(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(GnuplotTest, WritesPdfAndPngWithTheirMagicBytes) {
  const fs::path dir = FreshDir("ok");
  Figure f;
  f.AddData("d", {{1, 2}, {2, 4}, {3, NAN}, {4, 16}});
  f.script = "set title " + Quote("it's a_title") + "\nplot $d using 1:2 with linespoints title 'y'\n";
  ASSERT_TRUE(RenderFigure(f, (dir / "fig").string()).ok());
  EXPECT_EQ(Head((dir / "fig.pdf").string(), 5), "%PDF-");
  EXPECT_EQ(Head((dir / "fig.png").string(), 4), "\x89PNG");
  // Only the two outputs remain (no temp files, logs or markers).
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) { (void)e; ++files; }
  EXPECT_EQ(files, 2);
}

TEST(GnuplotTest, ScriptErrorIsReportedAndLeavesNothing) {
  const fs::path dir = FreshDir("bad");
  Figure f;
  f.AddData("d", {{1, 2}, {2, 3}});
  f.script = "plot $d using 1:2 with no_such_style\n";
  absl::Status s = RenderFigure(f, (dir / "fig").string());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("fig"), std::string::npos) << s;
  EXPECT_NE(std::string(s.message()).find("gnuplot failed"), std::string::npos) << s;
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(GnuplotTest, UnknownBlockIsReportedAndLeavesNothing) {
  const fs::path dir = FreshDir("unknown_block");
  Figure f;
  f.script = "plot $missing using 1:2 with lines\n";
  absl::Status s = RenderFigure(f, (dir / "fig").string());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("$missing"), std::string::npos) << s;
  EXPECT_TRUE(fs::is_empty(dir));
}

// A matrix block, label cells and a block named twice in one plot line all
// reach gnuplot (each named block is sent after its plot line).
TEST(GnuplotTest, MatrixCellsAndRepeatedBlocks) {
  const fs::path dir = FreshDir("inline");
  Figure f;
  f.AddData("m", {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}});
  f.AddCells("w", {{"0", "1.5", "2", "\"a b\""}, {"1", "2.5", "NaN", "\"c\""}});
  f.script =
      "set multiplot layout 1,2\nplot $m matrix using 1:2:3 with image notitle\n"
      "set xrange [-0.5:1.5]\nplot $w using 1:2:xtic(4) with points, $w using 1:3 with points\n";
  absl::Status s = RenderFigure(f, (dir / "fig").string());
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Head((dir / "fig.png").string(), 4), "\x89PNG");
}

TEST(GnuplotTest, QuoteDoublesSingleQuotesAndNumPrintsNaN) {
  EXPECT_EQ(Quote("a'b"), "'a''b'");
  EXPECT_EQ(Num(NAN), "NaN");
  EXPECT_EQ(Num(0.5), "0.5");
}

}  // namespace
}  // namespace otgan::plot

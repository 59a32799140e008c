#include "lib/io/csv.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "lib/io/atomic_file.h"

namespace otgan::io {
namespace {

std::string Fresh(const std::string& name) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::filesystem::remove(path);
  return path;
}

// The writer's documented formatting, for comparing parsed values exactly.
double Through9g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return std::stod(buf);
}

std::string Slurp(const std::string& path) { return ReadFileToString(path).value(); }

std::string WriteText(const std::string& name, const std::string& text) {
  std::string path = Fresh(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(CsvWriterTest, FlushesEveryRowAndFormatsValues) {
  std::string path = Fresh("log.csv");
  auto w = CsvWriter::Open(path, {"step", "loss", "w"}, /*append=*/false);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(Slurp(path), "step,loss,w\n");  // header visible before any row
  ASSERT_TRUE((*w)->WriteRow({1, 0.1f, std::nan("")}).ok());  // float 0.1 = 0.100000001490116
  EXPECT_EQ(Slurp(path), "step,loss,w\n1,0.100000001,nan\n");  // %.9g, read while open
  ASSERT_TRUE((*w)->WriteRow({-2.5e-12, std::numeric_limits<double>::infinity(), -0.0 - 1e300}).ok());
  EXPECT_EQ(Slurp(path), "step,loss,w\n1,0.100000001,nan\n-2.5e-12,inf,-1e+300\n");
  auto bad = (*w)->WriteRow({1, 2});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find(path), std::string::npos);
  EXPECT_NE(bad.message().find("2 values, expected 3"), std::string::npos) << bad;
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_FALSE((*w)->WriteRow({1, 2, 3}).ok());
}

TEST(CsvWriterTest, AppendChecksHeaderAndContinues) {
  std::string path = Fresh("resume.csv");
  {
    auto w = CsvWriter::Open(path, {"step", "loss"}, false);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->WriteRow({1, 2}).ok());
  }
  {
    auto w = CsvWriter::Open(path, {"step", "loss"}, /*append=*/true);
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->WriteRow({2, 3}).ok());
  }
  EXPECT_EQ(Slurp(path), "step,loss\n1,2\n2,3\n");
  auto mismatch = CsvWriter::Open(path, {"step", "loss_g"}, true);
  ASSERT_FALSE(mismatch.ok());
  const std::string msg(mismatch.status().message());
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("[step,loss]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[step,loss_g]"), std::string::npos) << msg;
  EXPECT_EQ(Slurp(path), "step,loss\n1,2\n2,3\n");  // untouched
  // Without append the file starts over.
  auto fresh = CsvWriter::Open(path, {"a"}, false);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(Slurp(path), "a\n");
}

TEST(CsvWriterTest, AppendToMissingFileWritesHeaderAndCutsPartialLine) {
  std::string path = Fresh("new_append.csv");
  {
    auto w = CsvWriter::Open(path, {"x"}, true);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->WriteRow({4}).ok());
  }
  EXPECT_EQ(Slurp(path), "x\n4\n");
  std::string crashed = WriteText("crashed.csv", "x,y\n1,2\n3,");
  auto w = CsvWriter::Open(crashed, {"x", "y"}, true);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->WriteRow({3, 4}).ok());
  EXPECT_EQ(Slurp(crashed), "x,y\n1,2\n3,4\n");
}

TEST(CsvWriterTest, RefusesBadColumnNames) {
  EXPECT_FALSE(CsvWriter::Open(Fresh("c1.csv"), {}, false).ok());
  EXPECT_FALSE(CsvWriter::Open(Fresh("c2.csv"), {"a,b"}, false).ok());
  EXPECT_FALSE(CsvWriter::Open(Fresh("c3.csv"), {"a", ""}, false).ok());
  EXPECT_FALSE(CsvWriter::Open(::testing::TempDir() + "/no/dir/x.csv", {"a"}, false).ok());
}

TEST(ReadCsvTest, ReadsWhatTheWriterWrote) {
  std::string path = Fresh("roundtrip.csv");
  const std::vector<std::vector<double>> rows = {
      {0, 1.0 / 3.0, -7}, {1e-30, 123456789.0, std::numeric_limits<double>::infinity()}};
  {
    auto w = CsvWriter::Open(path, {"a", "b", "c"}, false);
    ASSERT_TRUE(w.ok());
    for (const auto& r : rows) ASSERT_TRUE((*w)->WriteRow(r).ok());
    ASSERT_TRUE((*w)->WriteRow({std::nan(""), 0, 0}).ok());
  }
  auto t = ReadCsv(path);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->columns, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 3u);
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < 3; ++j) {
      // %.9g keeps 9 significant digits: float32-exact, double to 1e-9 relative.
      if (std::isfinite(rows[i][j])) {
        EXPECT_NEAR(t->rows[i][j], rows[i][j], std::abs(rows[i][j]) * 1e-9) << i << "," << j;
      }
      EXPECT_EQ(t->rows[i][j], Through9g(rows[i][j]));
    }
  }
  EXPECT_TRUE(std::isnan(t->rows[2][0]));
  EXPECT_EQ(t->ColumnIndex("b"), 1);
  EXPECT_EQ(t->ColumnIndex("z"), -1);
}

TEST(ReadCsvTest, ToleratesCrlfSpacesAndBlankLines) {
  auto t = ReadCsv(WriteText("crlf.csv", "x, y\r\n\r\n 1 ,2\r\n-inf,nan\r\n\n"));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->columns, (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0], (std::vector<double>{1, 2}));
  EXPECT_EQ(t->rows[1][0], -std::numeric_limits<double>::infinity());
}

void ExpectReadError(const std::string& name, const std::string& text, const std::string& what) {
  std::string path = WriteText(name, text);
  auto t = ReadCsv(path);
  ASSERT_FALSE(t.ok()) << name;
  EXPECT_NE(t.status().message().find(what), std::string::npos) << t.status();
}

TEST(ReadCsvTest, ErrorsNameFileLineAndDefect) {
  const std::string dir = ::testing::TempDir() + "/";
  ExpectReadError("e1.csv", "a,b\n1,2\n3\n", dir + "e1.csv:3: wrong field count: expected 2, found 1");
  ExpectReadError("e2.csv", "a,b\n1,2\n\n3,x4\n", dir + "e2.csv:4: non-numeric field 'x4' in column 2 (b)");
  ExpectReadError("e3.csv", "", dir + "e3.csv:1: empty file");
  ExpectReadError("e4.csv", "\n\n", "empty file");
  ExpectReadError("e5.csv", "1,2\n3,4\n", dir + "e5.csv:1: missing header");
  ExpectReadError("e6.csv", "a,,c\n", dir + "e6.csv:1: empty column name");
  ExpectReadError("e7.csv", "a,b\n1,\n", dir + "e7.csv:2: non-numeric field ''");
  auto missing = ReadCsv(dir + "absent.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace otgan::io

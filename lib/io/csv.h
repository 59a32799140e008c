// Metric logs as CSV: one header line of column names, then one line of
// numbers per row. Training loops append a row per logging step; figures and
// report tables read the files back.
//
// The writer appends and flushes every row (a crashed run keeps everything it
// logged); it is the one writer in lib/io that is not atomic. Values are
// written with %.9g (round trip for float32), NaN as "nan", infinities as
// "inf" / "-inf". Column names may not contain ',', '"', '\r' or '\n'.
//
//   OTGAN_ASSIGN_OR_RETURN(auto log, otgan::io::CsvWriter::Open(
//       "out/losses.csv", {"step", "loss_d", "loss_g"}, /*append=*/resumed));
//   OTGAN_RETURN_IF_ERROR(log->WriteRow({step, loss_d, loss_g}));
//   ...
//   OTGAN_ASSIGN_OR_RETURN(otgan::io::CsvTable t, otgan::io::ReadCsv("out/losses.csv"));
//   int col = t.ColumnIndex("loss_g");  // -1 if absent
#ifndef OTGAN_LIB_IO_CSV_H_
#define OTGAN_LIB_IO_CSV_H_

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otgan::io {

class CsvWriter {
 public:
  // append = false: creates or truncates `path` and writes the header.
  // append = true: a missing or empty file is started with the header; an
  // existing header must equal `columns` exactly (else an error naming both).
  // An incomplete last line left by an interrupted run (no trailing newline)
  // is cut off before appending.
  static absl::StatusOr<std::unique_ptr<CsvWriter>> Open(const std::string& path,
                                                         std::vector<std::string> columns,
                                                         bool append);

  // Writes one row; values.size() must equal the number of columns. Flushed
  // to the operating system before returning.
  absl::Status WriteRow(const std::vector<double>& values);

  // Closes the file (also done by the destructor, which ignores errors).
  absl::Status Close();

  const std::vector<std::string>& columns() const { return columns_; }
  const std::string& path() const { return path_; }

  ~CsvWriter();
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

 private:
  CsvWriter(std::string path, std::vector<std::string> columns, std::FILE* file)
      : path_(std::move(path)), columns_(std::move(columns)), file_(file) {}

  std::string path_;
  std::vector<std::string> columns_;
  std::FILE* file_;
};

// A whole numeric CSV file in memory.
struct CsvTable {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;  // each of size columns.size()

  // Index of `name` in columns, or -1 if absent.
  int ColumnIndex(const std::string& name) const;
};

// Reads a file written by CsvWriter (or any header + numeric rows CSV without
// quoting). Accepts "nan", "inf", "-inf", surrounding spaces, CRLF line ends
// and blank lines. Errors name file:line and the defect: empty file, missing
// header (first line numeric), empty column name, wrong field count,
// non-numeric field.
absl::StatusOr<CsvTable> ReadCsv(const std::string& path);

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_CSV_H_

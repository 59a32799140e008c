#include "lib/io/csv.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/io/atomic_file.h"
#include "lib/util/status.h"

namespace otgan::io {
namespace {

std::string Quoted(const std::vector<std::string>& cols) {
  return absl::StrCat("[", absl::StrJoin(cols, ","), "]");
}

std::vector<std::string> SplitFields(std::string_view line) {
  std::vector<std::string> out;
  for (absl::string_view f : absl::StrSplit(absl::string_view(line.data(), line.size()), ',')) {
    out.emplace_back(f);
  }
  return out;
}

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool ParseNumber(const std::string& field, double* out) {
  absl::string_view f = absl::StripAsciiWhitespace(field);
  if (f.empty()) return false;
  return absl::SimpleAtod(f, out);
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CsvWriter>> CsvWriter::Open(const std::string& path,
                                                           std::vector<std::string> columns,
                                                           bool append) {
  if (columns.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("CSV ", path, ": no columns given"));
  }
  for (const std::string& c : columns) {
    if (c.empty() || c.find_first_of(",\"\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "CSV ", path, ": column name '", c, "' is empty or contains ',', '\"' or a newline"));
    }
  }
  std::error_code ec;
  const std::string header = absl::StrJoin(columns, ",") + "\n";
  bool write_header = true;
  if (append && std::filesystem::exists(path, ec)) {
    OTGAN_ASSIGN_OR_RETURN(std::string existing, ReadFileToString(path));
    if (!existing.empty()) {
      size_t nl = existing.find('\n');
      std::string_view first =
          StripCr(std::string_view(existing).substr(0, nl == std::string::npos ? existing.size() : nl));
      std::vector<std::string> have = SplitFields(first);
      if (have != columns) {
        return absl::FailedPreconditionError(absl::StrCat(
            "CSV ", path, ": cannot append, the file's header ", Quoted(have),
            " differs from the expected columns ", Quoted(columns)));
      }
      if (nl == std::string::npos) {
        // Header without newline: complete it.
        std::filesystem::resize_file(path, 0, ec);
      } else {
        write_header = false;
        size_t last_nl = existing.rfind('\n');
        if (last_nl + 1 != existing.size()) {
          std::filesystem::resize_file(path, last_nl + 1, ec);
          if (ec) {
            return absl::InternalError(absl::StrCat("CSV ", path,
                                                    ": cannot cut the incomplete last line: ",
                                                    ec.message()));
          }
        }
      }
    }
  }
  std::FILE* f = std::fopen(path.c_str(), append ? "ab" : "wb");
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat("CSV ", path, ": cannot open for writing: ",
                                            std::strerror(errno)));
  }
  std::unique_ptr<CsvWriter> w(new CsvWriter(path, std::move(columns), f));
  if (write_header) {
    if (std::fwrite(header.data(), 1, header.size(), f) != header.size() || std::fflush(f) != 0) {
      return absl::InternalError(absl::StrCat("CSV ", path, ": writing the header failed: ",
                                              std::strerror(errno)));
    }
  }
  return w;
}

absl::Status CsvWriter::WriteRow(const std::vector<double>& values) {
  if (file_ == nullptr) return absl::FailedPreconditionError(absl::StrCat("CSV ", path_, ": already closed"));
  if (values.size() != columns_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("CSV ", path_, ": row has ", values.size(),
                                                   " values, expected ", columns_.size(), " ",
                                                   Quoted(columns_)));
  }
  std::string line;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) line.push_back(',');
    line += FormatValue(values[i]);
  }
  line.push_back('\n');
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    return absl::InternalError(absl::StrCat("CSV ", path_, ": write failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status CsvWriter::Close() {
  if (file_ == nullptr) return absl::OkStatus();
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("CSV ", path_, ": close failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

CsvWriter::~CsvWriter() { Close().IgnoreError(); }

int CsvTable::ColumnIndex(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<CsvTable> ReadCsv(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  CsvTable table;
  bool have_header = false;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line = StripCr(std::string_view(text).substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (absl::StripAsciiWhitespace(absl::string_view(line.data(), line.size())).empty()) continue;
    std::vector<std::string> fields = SplitFields(line);
    const std::string where = absl::StrCat(path, ":", line_no, ": ");
    if (!have_header) {
      bool all_numeric = true;
      for (std::string& f : fields) {
        f = std::string(absl::StripAsciiWhitespace(f));
        if (f.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(where, "empty column name in the header"));
        }
        double unused;
        all_numeric = all_numeric && ParseNumber(f, &unused);
      }
      if (all_numeric) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "missing header: the first line holds numbers, expected column names"));
      }
      table.columns = std::move(fields);
      have_header = true;
      continue;
    }
    if (fields.size() != table.columns.size()) {
      return absl::InvalidArgumentError(absl::StrCat(where, "wrong field count: expected ",
                                                     table.columns.size(), ", found ",
                                                     fields.size()));
    }
    std::vector<double> row(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      if (!ParseNumber(fields[i], &row[i])) {
        return absl::InvalidArgumentError(absl::StrCat(where, "non-numeric field '", fields[i],
                                                       "' in column ", i + 1, " (",
                                                       table.columns[i], ")"));
      }
    }
    table.rows.push_back(std::move(row));
  }
  if (!have_header) return absl::InvalidArgumentError(absl::StrCat(path, ":1: empty file"));
  return table;
}

}  // namespace otgan::io

#include "lib/plot/results.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/io/atomic_file.h"
#include "lib/util/status.h"

namespace otgan::plot {
namespace fs = std::filesystem;

std::string Run::File(const std::string& file) const {
  std::error_code ec;
  const fs::path p = fs::path(dir) / file;
  return fs::is_regular_file(p, ec) ? p.string() : "";
}

std::string Run::Group() const {
  const size_t slash = name.find('/');
  return slash == std::string::npos ? "" : name.substr(0, slash);
}

namespace {

absl::StatusOr<Run> LoadRun(const fs::path& root, const fs::path& dir) {
  Run r;
  r.dir = dir.string();
  r.name = fs::relative(dir, root).generic_string();
  OTGAN_ASSIGN_OR_RETURN(r.manifest, io::ReadManifest((dir / "manifest.json").string()));
  r.program = r.manifest.program;
  std::error_code ec;
  if (fs::exists(dir / "manifest_resume.json", ec)) {
    // A resumed run may have been extended (--resume --steps=N): its facts
    // and flags describe the finished run, so they win over the first's.
    OTGAN_ASSIGN_OR_RETURN(io::RunManifest resumed,
                           io::ReadManifest((dir / "manifest_resume.json").string()));
    if (resumed.program != r.manifest.program) {
      return absl::InvalidArgumentError(absl::StrCat(
          (dir / "manifest_resume.json").string(), ": program ", resumed.program,
          " differs from manifest.json's ", r.manifest.program));
    }
    auto merge = [](io::KeyValues& into, const io::KeyValues& from) {
      for (const auto& [key, value] : from) {
        if (key == "resume") continue;
        auto it = std::find_if(into.begin(), into.end(),
                               [&key = key](const auto& kv) { return kv.first == key; });
        if (it == into.end()) {
          into.emplace_back(key, value);
        } else {
          it->second = value;
        }
      }
    };
    merge(r.manifest.facts, resumed.facts);
    merge(r.manifest.flags, resumed.flags);
    r.resumed_command_line = resumed.command_line;
  }
  if (fs::exists(dir / "metrics.csv", ec)) {
    OTGAN_ASSIGN_OR_RETURN(io::CsvTable t, io::ReadCsv((dir / "metrics.csv").string()));
    if (t.ColumnIndex("step") < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat((dir / "metrics.csv").string(), ": no \"step\" column"));
    }
    r.metrics = std::move(t);
  }
  if (fs::exists(dir / "eval.json", ec)) {
    OTGAN_ASSIGN_OR_RETURN(r.eval, eval::ReadEvalReport((dir / "eval.json").string()));
  }
  return r;
}

}  // namespace

absl::StatusOr<std::vector<Run>> ScanResults(const std::string& root) {
  std::error_code ec;
  const fs::path base(root);
  if (!fs::is_directory(base, ec)) {
    return absl::NotFoundError(absl::StrCat(root, ": results folder not found"));
  }
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(base, ec)) {
    if (!e.is_directory()) continue;
    if (fs::exists(e.path() / "manifest.json")) {
      dirs.push_back(e.path());
      continue;
    }
    for (const auto& f : fs::directory_iterator(e.path(), ec)) {
      if (f.is_directory() && fs::exists(f.path() / "manifest.json")) dirs.push_back(f.path());
    }
  }
  if (ec) return absl::InternalError(absl::StrCat(root, ": cannot list: ", ec.message()));
  std::sort(dirs.begin(), dirs.end());
  std::vector<Run> runs;
  for (const fs::path& d : dirs) {
    OTGAN_ASSIGN_OR_RETURN(Run r, LoadRun(base, d));
    runs.push_back(std::move(r));
  }
  return runs;
}

absl::StatusOr<std::vector<io::Json>> ReadJsonLines(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(std::string text, io::ReadFileToString(path));
  std::vector<io::Json> out;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<io::Json> j = io::ParseJson(std::string_view(line.data(), line.size()));
    if (!j.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": ", j.status().message()));
    }
    if (!j->is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": expected a JSON object"));
    }
    out.push_back(*std::move(j));
  }
  return out;
}

}  // namespace otgan::plot

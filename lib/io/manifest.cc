#include "lib/io/manifest.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <torch/version.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/util/runtime.h"

namespace otgan::io {
namespace {

// Runs `command` through the shell; returns its stdout, or false on a non-zero exit.
bool RunCommand(const std::string& command, std::string* out) {
  out->clear();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out->append(buf.data(), n);
  return pclose(pipe) == 0;
}

std::string ShellQuote(const std::string& s) {
  return absl::StrCat("'", absl::StrReplaceAll(s, {{"'", "'\\''"}}), "'");
}

std::string Hostname() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

}  // namespace

std::string GitRevision(const std::string& dir) {
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return "unknown";
  const std::string git = absl::StrCat("git -C ", ShellQuote(dir), " ");
  std::string head;
  if (!RunCommand(git + "rev-parse HEAD 2>/dev/null", &head)) return "unknown";
  head = std::string(absl::StripTrailingAsciiWhitespace(head));
  if (head.size() != 40 || head.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return "unknown";
  }
  std::string status;
  if (RunCommand(git + "status --porcelain 2>/dev/null", &status) && !status.empty()) {
    absl::StrAppend(&head, "-dirty");
  }
  return head;
}

Json ManifestToJson(const RunManifest& m) {
  Json j = Json::Object();
  j.Set("program", m.program);
  j.Set("command_line", m.command_line);
  if (m.seed <= (uint64_t{1} << 53)) {
    j.Set("seed", static_cast<double>(m.seed));
  } else {
    j.Set("seed", absl::StrCat(m.seed));
  }
  j.Set("threads", m.threads);
  j.Set("device", m.device);
  Json flags = Json::Object();
  for (const auto& [name, value] : m.flags) flags.Set(name, value);
  j.Set("flags", std::move(flags));
  j.Set("git_revision", GitRevision(WorkspaceRoot()));
  j.Set("libtorch_version", std::string(TORCH_VERSION));
  j.Set("hostname", Hostname());
  j.Set("cpu_cores", NumCores());
  j.Set("start_time", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()));
  if (!m.extra.is_null()) j.Set("extra", m.extra);
  return j;
}

absl::Status WriteManifest(const std::string& path, const RunManifest& manifest) {
  return WriteJsonFile(path, ManifestToJson(manifest));
}

}  // namespace otgan::io

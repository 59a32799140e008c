#include "lib/io/manifest.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <torch/version.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/io/atomic_file.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

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

// `s` as it can be typed: bare when it has only safe characters.
std::string ShellWord(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_=./,:+@%") == std::string::npos) {
    return s;
  }
  return ShellQuote(s);
}

std::string Hostname() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

std::string Lookup(const KeyValues& kv, const std::string& key) {
  for (const auto& [k, v] : kv) {
    if (k == key) return v;
  }
  return "";
}

Json ObjectOf(const KeyValues& kv) {
  Json j = Json::object();
  for (const auto& [k, v] : kv) j[k] = v;
  return j;
}

void ReadKeyValues(JsonFields& parent, const char* key, KeyValues* out) {
  out->clear();
  JsonFields sub = parent.Object(key);
  Json raw;
  parent.Raw(key, &raw);
  if (sub.status().ok() && raw.is_object()) {
    for (const auto& [k, v] : raw.items()) {
      std::string value;
      sub.Required(k.c_str(), &value);
      out->emplace_back(k, value);
    }
  }
  parent.Absorb(sub);
}

}  // namespace

std::string RunManifest::Flag(const std::string& key) const { return Lookup(flags, key); }
std::string RunManifest::Fact(const std::string& key) const { return Lookup(facts, key); }

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

std::string WorkspaceRelative(const std::string& text, const std::string& root_override) {
  std::string root = root_override.empty() ? WorkspaceRoot() : root_override;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty() || root == "/") return text;
  if (text == root) return ".";
  return absl::StrReplaceAll(text, {{root + "/", ""}});
}

std::string CurrentCommandLine() {
  absl::StatusOr<std::string> raw = ReadFileToString("/proc/self/cmdline");
  if (!raw.ok() || raw->empty()) return "";
  std::vector<std::string> args;
  size_t start = 0;
  while (start < raw->size()) {
    size_t end = raw->find('\0', start);
    if (end == std::string::npos) end = raw->size();
    args.push_back(raw->substr(start, end - start));
    start = end + 1;
  }
  // A binary run through `bazel run` lives in the output base: name it by
  // its bazel-bin path, which is the same on every machine.
  const std::string marker = "/bin/";
  if (const size_t out = args[0].find("/bazel-out/"); out != std::string::npos) {
    const size_t bin = args[0].find(marker, out);
    if (bin != std::string::npos) args[0] = "bazel-bin/" + args[0].substr(bin + marker.size());
  }
  for (std::string& a : args) a = ShellWord(WorkspaceRelative(a));
  return absl::StrJoin(args, " ");
}

Json ToJson(const RunManifest& m) {
  Json j = Json::object();
  j["program"] = m.program;
  j["command_line"] = m.command_line;
  if (m.seed <= (uint64_t{1} << 53)) {
    j["seed"] = m.seed;
  } else {
    j["seed"] = absl::StrCat(m.seed);
  }
  j["threads"] = m.threads;
  j["device"] = m.device;
  j["flags"] = ObjectOf(m.flags);
  j["facts"] = ObjectOf(m.facts);
  j["git_revision"] = m.git_revision;
  j["libtorch_version"] = m.libtorch_version;
  j["hostname"] = m.hostname;
  j["cpu_cores"] = m.cpu_cores;
  j["start_time"] = m.start_time;
  return j;
}

absl::StatusOr<RunManifest> RunManifestFromJson(const Json& j, const std::string& context) {
  RunManifest m;
  JsonFields f(j, context);
  f.Required("program", &m.program);
  if (f.status().ok() && m.program.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": program: empty"));
  }
  f.Required("command_line", &m.command_line);
  Json seed;
  f.Raw("seed", &seed);
  if (seed.is_string()) {
    if (!absl::SimpleAtoi(seed.get<std::string>(), &m.seed)) {
      return absl::InvalidArgumentError(absl::StrCat(context, ": seed: not a decimal number"));
    }
  } else {
    f.Required("seed", &m.seed);
  }
  f.Required("threads", &m.threads);
  f.Required("device", &m.device);
  ReadKeyValues(f, "flags", &m.flags);
  ReadKeyValues(f, "facts", &m.facts);
  f.Required("git_revision", &m.git_revision);
  f.Required("libtorch_version", &m.libtorch_version);
  f.Required("hostname", &m.hostname);
  f.Required("cpu_cores", &m.cpu_cores);
  f.Required("start_time", &m.start_time);
  OTGAN_RETURN_IF_ERROR(f.status());
  return m;
}

absl::StatusOr<RunManifest> ReadManifest(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(Json j, ReadJsonFile(path));
  return RunManifestFromJson(j, path);
}

absl::Status WriteManifest(const std::string& path, RunManifest m) {
  if (m.git_revision.empty()) m.git_revision = GitRevision(WorkspaceRoot());
  if (m.libtorch_version.empty()) m.libtorch_version = TORCH_VERSION;
  if (m.hostname.empty()) m.hostname = Hostname();
  if (m.cpu_cores == 0) m.cpu_cores = NumCores();
  if (m.start_time.empty()) {
    m.start_time = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  }
  m.command_line = WorkspaceRelative(m.command_line);
  for (auto& kv : m.flags) kv.second = WorkspaceRelative(kv.second);
  for (auto& kv : m.facts) kv.second = WorkspaceRelative(kv.second);
  return WriteJsonFile(path, ToJson(m));
}

}  // namespace otgan::io

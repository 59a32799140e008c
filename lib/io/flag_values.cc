#include "lib/io/flag_values.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace otgan::io {
namespace {

bool MatchesPrefix(const absl::CommandLineFlag& flag, const std::vector<std::string>& path_prefixes) {
  const std::string file = flag.Filename();
  return std::any_of(path_prefixes.begin(), path_prefixes.end(), [&](const std::string& p) {
    return !p.empty() && (absl::StartsWith(file, p) || absl::StrContains(file, absl::StrCat("/", p)));
  });
}

}  // namespace

std::vector<std::pair<std::string, std::string>> AllFlagValues(
    const std::vector<std::string>& path_prefixes) {
  std::vector<std::pair<std::string, std::string>> out;
  if (path_prefixes.empty()) return out;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (flag == nullptr || flag->IsRetired()) continue;
    if (MatchesPrefix(*flag, path_prefixes)) out.emplace_back(std::string(name), flag->CurrentValue());
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status CheckFloatFlagsFinite(const std::vector<std::string>& path_prefixes) {
  // Sorted by name, so the first offending flag is the same every time.
  std::vector<std::pair<std::string, const absl::CommandLineFlag*>> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (flag == nullptr || flag->IsRetired() || !MatchesPrefix(*flag, path_prefixes)) continue;
    flags.emplace_back(std::string(name), flag);
  }
  std::sort(flags.begin(), flags.end());
  for (const auto& [name, flag] : flags) {
    double value = 0;
    if (flag->IsOfType<double>()) {
      value = flag->TryGet<double>().value_or(0);
    } else if (flag->IsOfType<float>()) {
      value = flag->TryGet<float>().value_or(0);
    } else {
      continue;
    }
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, "=", flag->CurrentValue(),
                                                     ": expected a finite number (inf and nan "
                                                     "are not accepted)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace otgan::io

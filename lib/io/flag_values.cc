#include "lib/io/flag_values.h"

#include <algorithm>
#include <string_view>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace otgan::io {

std::vector<std::pair<std::string, std::string>> AllFlagValues(
    const std::vector<std::string>& path_prefixes) {
  std::vector<std::pair<std::string, std::string>> out;
  if (path_prefixes.empty()) return out;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (flag == nullptr || flag->IsRetired()) continue;
    const std::string file = flag->Filename();
    const bool match = std::any_of(path_prefixes.begin(), path_prefixes.end(), [&](const std::string& p) {
      return !p.empty() && (absl::StartsWith(file, p) || absl::StrContains(file, absl::StrCat("/", p)));
    });
    if (match) out.emplace_back(std::string(name), flag->CurrentValue());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace otgan::io

#include "replications/flag_types.h"

#include <cctype>

#include "absl/strings/match.h"

namespace otgan::replications {

std::string Name(SettingsSource v) { return EnumNameOf(v, kSettingsSourceNames); }
std::string Name(NetInit v) { return EnumNameOf(v, kNetInitNames); }
std::string Name(RmspropKind v) { return EnumNameOf(v, kRmspropKindNames); }
std::string Name(AssignerCost v) { return EnumNameOf(v, kAssignerCostNames); }
std::string Name(WeightNormInit v) { return EnumNameOf(v, kWeightNormInitNames); }

bool AbslParseFlag(absl::string_view text, SettingsSource* v, std::string* error) {
  return ParseEnumName(text, kSettingsSourceNames, v, error);
}
bool AbslParseFlag(absl::string_view text, NetInit* v, std::string* error) {
  return ParseEnumName(text, kNetInitNames, v, error);
}
bool AbslParseFlag(absl::string_view text, RmspropKind* v, std::string* error) {
  return ParseEnumName(text, kRmspropKindNames, v, error);
}
bool AbslParseFlag(absl::string_view text, AssignerCost* v, std::string* error) {
  return ParseEnumName(text, kAssignerCostNames, v, error);
}

bool AbslParseFlag(absl::string_view text, WeightNormInit* v, std::string* error) {
  return ParseEnumName(text, kWeightNormInitNames, v, error);
}

bool AbslParseFlag(absl::string_view text, DeviceName* v, std::string* error) {
  bool ok = text == "cpu" || text == "cuda";
  if (!ok && absl::StartsWith(text, "cuda:") && text.size() > 5) {
    ok = true;
    for (char ch : text.substr(5)) ok = ok && std::isdigit(static_cast<unsigned char>(ch));
  }
  if (!ok) {
    *error = "expected one of cpu | cuda | cuda:N";
    return false;
  }
  v->name = std::string(text);
  return true;
}

std::string AbslUnparseFlag(SettingsSource v) { return Name(v); }
std::string AbslUnparseFlag(NetInit v) { return Name(v); }
std::string AbslUnparseFlag(RmspropKind v) { return Name(v); }
std::string AbslUnparseFlag(AssignerCost v) { return Name(v); }
std::string AbslUnparseFlag(WeightNormInit v) { return Name(v); }
std::string AbslUnparseFlag(const DeviceName& v) { return v.name; }

}  // namespace otgan::replications

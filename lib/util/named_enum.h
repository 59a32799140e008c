// Enums with names: one table per enum gives its parser, its printer and the
// list of choices, so a flag of an enum type (Abseil's AbslParseFlag /
// AbslUnparseFlag), a manifest entry and an error message all spell the
// values the same way.
//
//   enum class Budget { kSmoke, kCpu, kPaper };
//   inline constexpr otgan::EnumName<Budget> kBudgetNames[] = {
//       {Budget::kSmoke, "smoke"}, {Budget::kCpu, "cpu"}, {Budget::kPaper, "paper"}};
//   // In Budget's namespace, so Abseil finds them by argument-dependent lookup:
//   bool AbslParseFlag(absl::string_view text, Budget* b, std::string* error) {
//     return otgan::ParseEnumName(text, kBudgetNames, b, error);
//   }
//   std::string AbslUnparseFlag(Budget b) { return otgan::EnumNameOf(b, kBudgetNames); }
//
// A bad value on the command line then stops the parser with
//   ERROR: Illegal value 'huge' specified for flag 'budget'; expected one of smoke | cpu | paper
#ifndef OTGAN_LIB_UTIL_NAMED_ENUM_H_
#define OTGAN_LIB_UTIL_NAMED_ENUM_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace otgan {

template <typename E>
struct EnumName {
  E value;
  const char* name;
};

// "smoke | cpu | paper": the names in table order.
template <typename E, std::size_t N>
std::string EnumChoices(const EnumName<E> (&names)[N]) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += " | ";
    out += names[i].name;
  }
  return out;
}

// The name of `value`, or "unknown" when the table lacks it.
template <typename E, std::size_t N>
std::string EnumNameOf(E value, const EnumName<E> (&names)[N]) {
  for (const EnumName<E>& n : names) {
    if (n.value == value) return n.name;
  }
  return "unknown";
}

// Sets *out to the value named exactly `text` and returns true; else leaves
// *out alone, sets *error (when non-null) to "expected one of a | b | c" and
// returns false. The signature of Abseil's AbslParseFlag.
template <typename E, std::size_t N>
bool ParseEnumName(absl::string_view text, const EnumName<E> (&names)[N], E* out,
                   std::string* error) {
  for (const EnumName<E>& n : names) {
    if (text == n.name) {
      *out = n.value;
      return true;
    }
  }
  if (error != nullptr) *error = "expected one of " + EnumChoices(names);
  return false;
}

}  // namespace otgan

#endif  // OTGAN_LIB_UTIL_NAMED_ENUM_H_

// libFuzzer target: lib/io/json ParseJson on arbitrary text; a parsed value
// must serialise (DumpJson) and parse back.
#include <cstdint>
#include <string>

#include "lib/io/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto j = otgan::io::ParseJson(text);
  if (j.ok()) {
    auto again = otgan::io::ParseJson(otgan::io::DumpJson(*j, -1));
    if (!again.ok()) __builtin_trap();
  }
  return 0;
}

// libFuzzer target: lib/io/csv ReadCsv on arbitrary bytes.
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "lib/io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = otgan::fuzz::BytesToFile(data, size, "input.csv");
  auto t = otgan::io::ReadCsv(path);
  if (t.ok()) {
    for (const auto& row : t->rows) {
      if (row.size() != t->columns.size()) __builtin_trap();  // the documented invariant
    }
    (void)t->ColumnIndex("step");
  }
  return 0;
}

// libFuzzer target: lib/data/idx on arbitrary bytes, raw or gzip'd (the reader
// detects gzip by its magic, so one target covers both): ReadIdx, and the
// image / label readers with their checks.
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "lib/data/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = otgan::fuzz::BytesToFile(data, size, "input.idx");
  auto a = otgan::data::ReadIdx(path);
  if (a.ok()) {
    (void)otgan::data::ReadIdxImages(path, 28, 28);
    (void)otgan::data::ReadIdxLabels(path, 10);
  }
  return 0;
}

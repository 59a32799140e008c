// libFuzzer target: lib/io/npy ReadNpy on arbitrary bytes. Any input must
// give a tensor or a Status; a crash, sanitizer report or exception is a bug.
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "lib/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = otgan::fuzz::BytesToFile(data, size, "input.npy");
  auto t = otgan::io::ReadNpy(path);
  if (t.ok() && t->numel() > 0) (void)t->sum().item<double>();  // touch every element
  return 0;
}

// Shared by the fuzz targets: hands the fuzzer's bytes to a path-based
// reader through a per-process file in /dev/shm (or $TMPDIR), so that the
// readers are exercised through the same entry points the programs use.
#ifndef OTGAN_FUZZ_FUZZ_UTIL_H_
#define OTGAN_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace otgan::fuzz {

// Writes data[0, size) to a fixed per-process file named `name` and returns its path.
inline std::string BytesToFile(const uint8_t* data, size_t size, const char* name) {
  static const std::string dir = [] {
    const char* shm = "/dev/shm";
    if (access(shm, W_OK) == 0) return std::string(shm);
    const char* t = std::getenv("TMPDIR");
    return std::string(t != nullptr ? t : "/tmp");
  }();
  const std::string path = dir + "/otgan_fuzz_" + std::to_string(getpid()) + "_" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace otgan::fuzz

#endif  // OTGAN_FUZZ_FUZZ_UTIL_H_

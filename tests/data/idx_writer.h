// Test-only helpers: write tiny IDX files (raw or gzip'd) in testing::TempDir().
//
//   std::string p = otgan::data::test_util::WriteIdxImages(dir + "/x", 3, 4, 5, /*gzip=*/true);
#ifndef OTGAN_TESTS_DATA_IDX_WRITER_H_
#define OTGAN_TESTS_DATA_IDX_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace otgan::data::test_util {

// The bytes of an IDX file: magic 0x0000 <type> <ndims>, big-endian dims, payload.
std::vector<uint8_t> IdxBytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload,
                              uint8_t type = 0x08);

// gzip-compresses `bytes` (one member, with CRC trailer).
std::vector<uint8_t> Gzip(const std::vector<uint8_t>& bytes);

// Writes `bytes` to `path` (overwriting); aborts the test binary on failure.
void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes);

// Deterministic pixel value of image n at (r, c): (n * 31 + r * 7 + c * 3) % 256.
uint8_t Pixel(int64_t n, int64_t r, int64_t c);

// Images with Pixel() values, [n, rows, cols]; returns path.
std::string WriteIdxImages(const std::string& path, uint32_t n, uint32_t rows, uint32_t cols,
                           bool gzip);
// Labels i % 10 for i < n; returns path.
std::string WriteIdxLabels(const std::string& path, uint32_t n, bool gzip);

}  // namespace otgan::data::test_util

#endif  // OTGAN_TESTS_DATA_IDX_WRITER_H_

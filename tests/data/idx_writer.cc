#include "tests/data/idx_writer.h"

#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace otgan::data::test_util {

std::vector<uint8_t> IdxBytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload,
                              uint8_t type) {
  std::vector<uint8_t> b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    b.push_back(static_cast<uint8_t>(d >> 24));
    b.push_back(static_cast<uint8_t>(d >> 16));
    b.push_back(static_cast<uint8_t>(d >> 8));
    b.push_back(static_cast<uint8_t>(d));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

std::vector<uint8_t> Gzip(const std::vector<uint8_t>& bytes) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::vector<uint8_t> out(deflateBound(&zs, bytes.size()) + 64);
  zs.next_in = const_cast<Bytef*>(bytes.data());
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) std::abort();
  std::fclose(f);
}

uint8_t Pixel(int64_t n, int64_t r, int64_t c) {
  return static_cast<uint8_t>((n * 31 + r * 7 + c * 3) % 256);
}

std::string WriteIdxImages(const std::string& path, uint32_t n, uint32_t rows, uint32_t cols,
                           bool gzip) {
  std::vector<uint8_t> payload;
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t r = 0; r < rows; ++r)
      for (uint32_t c = 0; c < cols; ++c) payload.push_back(Pixel(i, r, c));
  std::vector<uint8_t> b = IdxBytes({n, rows, cols}, payload);
  WriteBytes(path, gzip ? Gzip(b) : b);
  return path;
}

std::string WriteIdxLabels(const std::string& path, uint32_t n, bool gzip) {
  std::vector<uint8_t> payload;
  for (uint32_t i = 0; i < n; ++i) payload.push_back(static_cast<uint8_t>(i % 10));
  std::vector<uint8_t> b = IdxBytes({n}, payload);
  WriteBytes(path, gzip ? Gzip(b) : b);
  return path;
}

}  // namespace otgan::data::test_util

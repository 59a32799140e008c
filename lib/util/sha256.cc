#include "lib/util/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace otgan {
namespace {

EVP_MD_CTX* Ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }

// OpenSSL fails here only when out of memory or misbuilt: a checksum that
// cannot be computed must not be recorded as some other value.
void CheckOk(int ok, const char* what) {
  if (ok != 1) {
    std::cerr << "SHA-256: OpenSSL " << what << " failed\n";
    std::abort();
  }
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  CheckOk(ctx_ != nullptr ? 1 : 0, "EVP_MD_CTX_new");
  CheckOk(EVP_DigestInit_ex(Ctx(ctx_), EVP_sha256(), nullptr), "EVP_DigestInit_ex");
}

Sha256::~Sha256() { EVP_MD_CTX_free(Ctx(ctx_)); }

void Sha256::Update(const void* data, size_t size) {
  if (size == 0) return;
  CheckOk(EVP_DigestUpdate(Ctx(ctx_), data, size), "EVP_DigestUpdate");
}

std::array<uint8_t, 32> Sha256::Finish() {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  CheckOk(EVP_DigestFinal_ex(Ctx(ctx_), out.data(), &len), "EVP_DigestFinal_ex");
  CheckOk(len == out.size() ? 1 : 0, "digest length");
  return out;
}

std::string DigestHex(const std::array<uint8_t, 32>& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(64, '0');
  for (int i = 0; i < 32; ++i) {
    s[2 * i] = kHex[digest[i] >> 4];
    s[2 * i + 1] = kHex[digest[i] & 15];
  }
  return s;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return DigestHex(h.Finish());
}

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open file for SHA-256"));
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize got = in.gcount();
    if (got > 0) h.Update(buf.data(), static_cast<size_t>(got));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error while hashing"));
  return DigestHex(h.Finish());
}

}  // namespace otgan

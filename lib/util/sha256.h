// SHA-256 (FIPS 180-4) of byte strings and files, computed by OpenSSL's EVP
// interface (libcrypto from Debian's libssl-dev, which scripts/setup.sh installs).
//
// Used to fingerprint artefacts whose identity matters for a number: every
// evaluation metric records the SHA-256 of the classifier weights file it used,
// so two results are comparable only when their checksums agree.
//
//   std::string hex = otgan::Sha256Hex("abc");  // "ba7816bf8f01cfea..."
//   OTGAN_ASSIGN_OR_RETURN(std::string sum, otgan::Sha256File("eval/weights/lenet_mnist.pt"));
#ifndef OTGAN_LIB_UTIL_SHA256_H_
#define OTGAN_LIB_UTIL_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace otgan {

// Incremental hasher: Update() any number of times, then Finish() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t size);
  void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // The 32-byte digest. The object must not be updated afterwards.
  std::array<uint8_t, 32> Finish();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

// Lower-case hexadecimal of a digest.
std::string DigestHex(const std::array<uint8_t, 32>& digest);

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// Lower-case hex SHA-256 of a file's contents; NotFound / DataLoss naming the
// path when it cannot be opened or read.
absl::StatusOr<std::string> Sha256File(const std::string& path);

}  // namespace otgan

#endif  // OTGAN_LIB_UTIL_SHA256_H_

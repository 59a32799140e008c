#include "lib/util/sha256.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace otgan {
namespace {

// FIPS 180-2 / NIST CSRC example vectors.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, IncrementalUpdatesMatchOneShotAcrossBlockBoundaries) {
  std::string msg;
  for (int i = 0; i < 300; ++i) msg.push_back(static_cast<char>((i * 37 + 11) & 0xff));
  for (size_t len : {0u, 55u, 56u, 63u, 64u, 65u, 119u, 120u, 128u, 300u}) {
    std::string part = msg.substr(0, len);
    Sha256 h;
    for (size_t i = 0; i < len; i += 7) h.Update(part.substr(i, 7));
    EXPECT_EQ(DigestHex(h.Finish()), Sha256Hex(part)) << "length " << len;
  }
}

TEST(Sha256Test, FileHashEqualsStringHashAndMissingFileIsAnError) {
  std::string path = ::testing::TempDir() + "/sha256_test.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "abc";
  }
  auto sum = Sha256File(path);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, Sha256Hex("abc"));
  std::remove(path.c_str());
  auto missing = Sha256File(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace otgan

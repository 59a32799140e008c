#include "lib/data/idx.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/data/idx_writer.h"

namespace otgan::data {
namespace {

using test_util::Gzip;
using test_util::IdxBytes;
using test_util::Pixel;
using test_util::WriteBytes;

std::string TempPath(const std::string& name) { return ::testing::TempDir() + "/idx_" + name; }

bool Contains(const absl::Status& s, const std::string& needle) {
  return std::string(s.message()).find(needle) != std::string::npos;
}

// Every error must name the file; `what` is a fragment of the expected/found text.
void ExpectErrorNaming(const absl::Status& s, const std::string& path, const std::string& what) {
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s, path)) << s;
  EXPECT_TRUE(Contains(s, what)) << s;
}

class IdxHappyPath : public ::testing::TestWithParam<bool> {};

TEST_P(IdxHappyPath, ReadsImagesAndLabels) {
  const bool gz = GetParam();
  std::string ip = test_util::WriteIdxImages(TempPath(gz ? "img.gz" : "img"), 3, 4, 5, gz);
  std::string lp = test_util::WriteIdxLabels(TempPath(gz ? "lab.gz" : "lab"), 3, gz);

  auto arr = ReadIdx(ip);
  ASSERT_TRUE(arr.ok()) << arr.status();
  EXPECT_EQ(arr->dims, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(arr->data.size(), 60u);

  auto images = ReadIdxImages(ip);
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->scalar_type(), at::kByte);
  ASSERT_EQ(images->sizes(), (std::vector<int64_t>{3, 4, 5}));
  auto acc = images->accessor<uint8_t, 3>();
  for (int n = 0; n < 3; ++n)
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 5; ++c) ASSERT_EQ(acc[n][r][c], Pixel(n, r, c)) << n << r << c;

  auto labels = ReadIdxLabels(lp);
  ASSERT_TRUE(labels.ok()) << labels.status();
  ASSERT_EQ(labels->scalar_type(), at::kLong);
  ASSERT_EQ(labels->sizes(), (std::vector<int64_t>{3}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(labels->data_ptr<int64_t>()[i], i);
}

INSTANTIATE_TEST_SUITE_P(RawAndGzip, IdxHappyPath, ::testing::Bool());

TEST(IdxTest, GzipIsDetectedByMagicNotByName) {
  // A gzip'd file without .gz suffix and a raw file with one both read.
  std::string a = TempPath("gz_without_suffix");
  std::string b = TempPath("raw_with_suffix.gz");
  test_util::WriteIdxLabels(a, 4, /*gzip=*/true);
  test_util::WriteIdxLabels(b, 4, /*gzip=*/false);
  EXPECT_TRUE(ReadIdxLabels(a).ok());
  EXPECT_TRUE(ReadIdxLabels(b).ok());
}

TEST(IdxTest, BadMagic) {
  std::string p = TempPath("bad_magic");
  std::vector<uint8_t> b = IdxBytes({1, 2, 2}, {1, 2, 3, 4});
  b[0] = 0x12;
  WriteBytes(p, b);
  ExpectErrorNaming(ReadIdxImages(p).status(), p, "found 0x12000803");
}

TEST(IdxTest, WrongTypeByte) {
  std::string p = TempPath("float_type");
  WriteBytes(p, IdxBytes({1, 2, 2}, std::vector<uint8_t>(16, 0), /*type=*/0x0d));
  absl::Status s = ReadIdxImages(p).status();
  ExpectErrorNaming(s, p, "expected 0x08 (unsigned byte), found 0x0d");
}

TEST(IdxTest, ZeroDimensionsRefused) {
  std::string p = TempPath("zero_dims");
  WriteBytes(p, IdxBytes({}, {}));
  ExpectErrorNaming(ReadIdx(p).status(), p, "expected 1 to 4, found 0");
}

TEST(IdxTest, ImagesWithWrongDimensionCount) {
  std::string p = TempPath("two_dims");
  WriteBytes(p, IdxBytes({2, 3}, std::vector<uint8_t>(6, 0)));
  EXPECT_TRUE(ReadIdx(p).ok());  // a valid 2-D IDX file ...
  // ... but not an image file (3 dims) nor a label file (1 dim).
  ExpectErrorNaming(ReadIdxImages(p).status(), p, "3 dimensions), found 2 dimensions [2 x 3]");
  ExpectErrorNaming(ReadIdxLabels(p).status(), p, "1 dimension), found 2 dimensions");
}

TEST(IdxTest, TruncatedData) {
  std::string p = TempPath("truncated");
  std::vector<uint8_t> b = IdxBytes({2, 3, 3}, std::vector<uint8_t>(18, 7));
  b.resize(b.size() - 5);
  WriteBytes(p, b);
  ExpectErrorNaming(ReadIdxImages(p).status(), p, "expected 34 bytes (2 x 3 x 3 + 16 header), found 29");
}

TEST(IdxTest, TruncatedHeader) {
  std::string p = TempPath("truncated_header");
  std::vector<uint8_t> b = IdxBytes({2, 3, 3}, {});
  b.resize(9);
  WriteBytes(p, b);
  ExpectErrorNaming(ReadIdxImages(p).status(), p, "expected at least 16 header bytes");
}

TEST(IdxTest, ExtraTrailingBytes) {
  std::string p = TempPath("trailing");
  std::vector<uint8_t> b = IdxBytes({4}, {1, 2, 3, 4});
  b.push_back(0);
  WriteBytes(p, b);
  ExpectErrorNaming(ReadIdxLabels(p).status(), p, "expected 12 bytes (4 + 8 header), found 13");
}

TEST(IdxTest, TruncatedDataInsideValidGzip) {
  // The gzip stream is intact; the IDX payload it holds is short.
  std::string p = TempPath("short_payload.gz");
  std::vector<uint8_t> b = IdxBytes({4}, {1, 2, 3});
  WriteBytes(p, Gzip(b));
  ExpectErrorNaming(ReadIdxLabels(p).status(), p, "found 11 after decompression");
}

TEST(IdxTest, LabelOutOfRange) {
  std::string p = TempPath("label_range");
  WriteBytes(p, IdxBytes({3}, {1, 10, 2}));
  ExpectErrorNaming(ReadIdxLabels(p).status(), p, "index 1: expected a class in [0, 10), found 10");
  EXPECT_TRUE(ReadIdxLabels(p, /*num_classes=*/11).ok());
  ExpectErrorNaming(ReadIdxLabels(p, 0).status(), p, "num_classes");
}

TEST(IdxTest, TruncatedGzip) {
  std::string p = TempPath("truncated.gz");
  std::vector<uint8_t> gz = Gzip(IdxBytes({3, 8, 8}, std::vector<uint8_t>(192, 5)));
  gz.resize(gz.size() - 6);  // cut into the CRC/length trailer
  WriteBytes(p, gz);
  ExpectErrorNaming(ReadIdxImages(p).status(), p, "truncated gzip");
  gz.resize(gz.size() / 2);  // cut inside the deflate stream
  WriteBytes(p, gz);
  ExpectErrorNaming(ReadIdxImages(p).status(), p, "truncated gzip");
}

TEST(IdxTest, CorruptGzipCrc) {
  std::string p = TempPath("bad_crc.gz");
  std::vector<uint8_t> gz = Gzip(IdxBytes({3, 8, 8}, std::vector<uint8_t>(192, 5)));
  gz[gz.size() - 8] ^= 0xff;  // first byte of the CRC-32 trailer
  WriteBytes(p, gz);
  ExpectErrorNaming(ReadIdxImages(p).status(), p, "corrupt gzip");
}

TEST(IdxTest, CorruptGzipData) {
  std::string p = TempPath("bad_deflate.gz");
  std::vector<uint8_t> gz = Gzip(IdxBytes({3, 8, 8}, std::vector<uint8_t>(192, 5)));
  for (size_t i = 10; i < gz.size() - 8; ++i) gz[i] = 0xff;  // garbage deflate blocks
  WriteBytes(p, gz);
  ExpectErrorNaming(ReadIdxImages(p).status(), p, "corrupt gzip");
}

TEST(IdxTest, GarbageAfterGzipMember) {
  std::string p = TempPath("gz_trailing.gz");
  std::vector<uint8_t> gz = Gzip(IdxBytes({2}, {1, 2}));
  gz.push_back(0x42);
  WriteBytes(p, gz);
  ExpectErrorNaming(ReadIdxLabels(p).status(), p, "found 1 more bytes");
}

TEST(IdxTest, ConcatenatedGzipMembersAreOneFile) {
  std::vector<uint8_t> full = IdxBytes({4}, {1, 2, 3, 4});
  std::vector<uint8_t> head(full.begin(), full.begin() + 6), tail(full.begin() + 6, full.end());
  std::vector<uint8_t> gz = Gzip(head), gz2 = Gzip(tail);
  gz.insert(gz.end(), gz2.begin(), gz2.end());
  std::string p = TempPath("two_members.gz");
  WriteBytes(p, gz);
  auto labels = ReadIdxLabels(p);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(labels->data_ptr<int64_t>()[3], 4);
}

TEST(IdxTest, MissingFile) {
  std::string p = TempPath("does_not_exist");
  absl::Status s = ReadIdx(p).status();
  ExpectErrorNaming(s, p, "cannot open");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
}

TEST(IdxTest, EmptyFile) {
  std::string p = TempPath("empty");
  WriteBytes(p, {});
  ExpectErrorNaming(ReadIdx(p).status(), p, "expected at least 4 bytes");
}

}  // namespace
}  // namespace otgan::data

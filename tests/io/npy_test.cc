#include "lib/io/npy.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/io/atomic_file.h"

namespace otgan::io {
namespace {

std::string TmpPath(const std::string& name) { return ::testing::TempDir() + "/" + name; }

// Builds a .npy file byte by byte: magic, version, header length, header, data.
std::string NpyBytes(const std::string& dict, const std::string& data, int major = 1,
                     bool pad = true) {
  std::string header = dict;
  const size_t preamble = major == 1 ? 10 : 12;
  if (pad) {
    size_t total = preamble + header.size() + 1;
    header += std::string((64 - total % 64) % 64, ' ');
    header += "\n";
  }
  std::string out = std::string("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  const int len_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < len_bytes; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return out + header + data;
}

template <typename T>
std::string Bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string WriteBytes(const std::string& name, const std::string& bytes) {
  std::string path = TmpPath(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// The error must name the file and contain `what`.
void ExpectError(const std::string& name, const std::string& bytes, const std::string& what) {
  std::string path = WriteBytes(name, bytes);
  auto r = ReadNpy(path);
  ASSERT_FALSE(r.ok()) << name;
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status();
}

TEST(NpyTest, RoundTripEachDtypeAndShape) {
  at::manual_seed(7);
  const std::vector<std::vector<int64_t>> shapes = {{}, {0}, {5}, {3, 4}, {2, 0, 3}, {2, 3, 4, 5}};
  int k = 0;
  for (auto dtype : {at::kFloat, at::kDouble, at::kLong}) {
    for (const auto& shape : shapes) {
      at::Tensor t = dtype == at::kLong ? at::randint(-1000000000000LL, 1000000000000LL, shape,
                                                      at::TensorOptions().dtype(at::kLong))
                                        : at::randn(shape, at::TensorOptions().dtype(dtype));
      std::string path = TmpPath("rt" + std::to_string(k++) + ".npy");
      ASSERT_TRUE(WriteNpy(path, t).ok());
      auto r = ReadNpy(path);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->scalar_type(), dtype);
      EXPECT_EQ(r->sizes(), t.sizes());
      EXPECT_TRUE(at::equal(*r, t));
    }
  }
}

TEST(NpyTest, WrittenBytesMatchNumpyLayout) {
  // What numpy 1.24 writes for np.arange(6, dtype='<f4').reshape(2, 3).
  at::Tensor t = at::arange(6, at::TensorOptions().dtype(at::kFloat)).reshape({2, 3});
  std::string path = TmpPath("layout.npy");
  ASSERT_TRUE(WriteNpy(path, t).ok());
  auto bytes = ReadFileToString(path);
  ASSERT_TRUE(bytes.ok());
  std::vector<float> data = {0, 1, 2, 3, 4, 5};
  EXPECT_EQ(*bytes, NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                             Bytes(data)));
  EXPECT_EQ(bytes->size() - data.size() * 4, 128u);  // 64-byte aligned data
}

TEST(NpyTest, NonContiguousTensorIsWrittenInLogicalOrder) {
  at::Tensor t = at::arange(12, at::TensorOptions().dtype(at::kDouble)).reshape({3, 4}).t();
  ASSERT_FALSE(t.is_contiguous());
  std::string path = TmpPath("transposed.npy");
  ASSERT_TRUE(WriteNpy(path, t).ok());
  auto r = ReadNpy(path);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(at::equal(*r, t));
  EXPECT_EQ((*r)[0][1].item<double>(), 4.0);
}

TEST(NpyTest, LargeHeaderIsWrittenAsVersion2) {
  // 40000 dimensions of size 1 need a header of more than 65535 bytes.
  std::vector<int64_t> shape(40000, 1);
  at::Tensor t = at::full(shape, 3.5, at::TensorOptions().dtype(at::kDouble));
  std::string path = TmpPath("v2.npy");
  ASSERT_TRUE(WriteNpy(path, t).ok());
  auto bytes = ReadFileToString(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ((*bytes)[6], 2);
  auto r = ReadNpy(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dim(), 40000);
  EXPECT_EQ(r->item<double>(), 3.5);
}

TEST(NpyTest, ReadsVersion2And3Headers) {
  std::vector<int64_t> data = {1, -2, 3};
  for (int major : {2, 3}) {
    std::string path = WriteBytes("v" + std::to_string(major) + "_in.npy",
                                  NpyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                                           Bytes(data), major));
    auto r = ReadNpy(path);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->scalar_type(), at::kLong);
    EXPECT_EQ((*r)[1].item<int64_t>(), -2);
  }
}

TEST(NpyTest, ReadsUnpaddedHeaderWithOtherKeyOrderAndZeroDim) {
  std::vector<double> data = {2.25};
  std::string path = WriteBytes(
      "odd.npy", NpyBytes("{\"shape\": (), \"fortran_order\": False, \"descr\": \"<f8\"}", Bytes(data),
                          1, /*pad=*/false));
  auto r = ReadNpy(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dim(), 0);
  EXPECT_EQ(r->item<double>(), 2.25);
}

TEST(NpyTest, MalformedFilesGiveErrorsNamingTheFile) {
  const std::string f4 = Bytes(std::vector<float>{1, 2, 3});
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  std::string bad_magic = NpyBytes(ok_dict, f4);
  bad_magic[1] = 'X';
  ExpectError("bad_magic.npy", bad_magic, "bad magic");
  ExpectError("short.npy", std::string("\x93NUM", 4), "bad magic");
  std::string bad_version = NpyBytes(ok_dict, f4);
  bad_version[6] = 4;
  ExpectError("bad_version.npy", bad_version, "version 4.0");
  ExpectError("fortran.npy",
              NpyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }", f4), "Fortran");
  ExpectError("object.npy",
              NpyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", std::string(24, '\0')),
              "'|O'");
  ExpectError("bigendian.npy",
              NpyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", f4), "big-endian");
  ExpectError("int32.npy",
              NpyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", f4),
              "unsupported dtype '<i4'");
  ExpectError("structured.npy",
              NpyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", f4),
              "structured");
  ExpectError("truncated.npy", NpyBytes(ok_dict, f4.substr(0, 10)), "truncated");
  ExpectError("trailing.npy", NpyBytes(ok_dict, f4 + "xx"), "trailing bytes");
  ExpectError("syntax.npy", NpyBytes("{'descr': '<f4' 'fortran_order': False, 'shape': (3,), }", f4),
              "malformed .npy header");
  ExpectError("shape_syntax.npy",
              NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -1), }", f4),
              "malformed .npy header");
  ExpectError("missing_key.npy", NpyBytes("{'descr': '<f4', 'shape': (3,), }", f4), "'fortran_order'");
  // Header length pointing past the end of the file.
  std::string long_header = NpyBytes(ok_dict, "");
  long_header[8] = '\xff';
  long_header[9] = '\x7f';
  ExpectError("header_len.npy", long_header, "past the end");
}

TEST(NpyTest, MissingFileAndUnsupportedWriteDtype) {
  auto r = ReadNpy(TmpPath("does_not_exist.npy"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  std::string path = TmpPath("int32_out.npy");
  auto st = WriteNpy(path, at::zeros({2}, at::TensorOptions().dtype(at::kInt)));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("Int"), std::string::npos) << st;
  EXPECT_NE(st.message().find(path), std::string::npos) << st;
  EXPECT_FALSE(ReadNpy(path).ok());  // nothing was written
}

TEST(NpyTest, FailedWriteLeavesOldFileIntact) {
  std::string path = TmpPath("keep.npy");
  at::Tensor t = at::ones({4});
  ASSERT_TRUE(WriteNpy(path, t).ok());
  EXPECT_FALSE(WriteNpy(path, at::zeros({2}, at::TensorOptions().dtype(at::kInt))).ok());
  EXPECT_FALSE(WriteNpy(TmpPath("no_such_dir/x.npy"), t).ok());
  auto r = ReadNpy(path);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(at::equal(*r, t));
}

}  // namespace
}  // namespace otgan::io

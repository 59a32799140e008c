#include "lib/io/atomic_file.h"

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace otgan::io {
namespace {

namespace fs = std::filesystem;

std::string FreshDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

TEST(AtomicFileTest, WritesAndReplacesWithoutLeavingTempFiles) {
  std::string dir = FreshDir("atomic_ok");
  std::string path = dir + "/a.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, std::vector<std::string_view>{"sec", "", "ond"}).ok());
  auto back = ReadFileToString(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "second");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(AtomicFileTest, FailingWriterKeepsOldContentAndRemovesTemp) {
  std::string dir = FreshDir("atomic_fail");
  std::string path = dir + "/b.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  std::string seen_tmp;
  auto st = WriteViaTempFile(path, [&](const std::string& tmp) {
    seen_tmp = tmp;
    EXPECT_TRUE(WriteFileAtomically(tmp, "partial").ok());
    return absl::InternalError("encoder failed");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(fs::path(seen_tmp).parent_path(), fs::path(path).parent_path());
  EXPECT_FALSE(fs::exists(seen_tmp));
  EXPECT_EQ(*ReadFileToString(path), "old");
}

TEST(AtomicFileTest, ErrorsNameThePath) {
  std::string missing_dir = ::testing::TempDir() + "/no/such/dir/c.txt";
  auto st = WriteFileAtomically(missing_dir, "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(missing_dir), std::string::npos) << st;
  auto r = ReadFileToString(::testing::TempDir() + "/absent.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("absent.txt"), std::string::npos);
  auto nowriter = WriteViaTempFile(::testing::TempDir() + "/d.txt",
                                   [](const std::string&) { return absl::OkStatus(); });
  EXPECT_FALSE(nowriter.ok());  // the callback created no file
}

}  // namespace
}  // namespace otgan::io

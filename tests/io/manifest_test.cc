#include "lib/io/manifest.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/io/json.h"
#include "lib/util/runtime.h"
#include <torch/version.h>

namespace otgan::io {
namespace {

namespace fs = std::filesystem;

RunManifest Example() {
  RunManifest m;
  m.program = "replications/wgan_mnist";
  m.flags = {{"batch", "64"}, {"lr", "5e-05"}, {"out", "results/wgan"}};
  m.seed = 1234;
  m.threads = 2;
  m.device = "cpu";
  m.command_line = "wgan_mnist --batch=64 --lr=5e-05";
  return m;
}

bool IsRevision(const std::string& s) {
  std::string rev = s;
  if (rev.size() > 6 && rev.compare(rev.size() - 6, 6, "-dirty") == 0) rev.resize(rev.size() - 6);
  return rev.size() == 40 && rev.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(ManifestTest, HasRequiredKeysInOrder) {
  RunManifest m = Example();
  m.extra = Json::Object().Set("settings_source", "code");
  Json j = ManifestToJson(m);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.keys(), (std::vector<std::string>{"program", "command_line", "seed", "threads", "device",
                                                "flags", "git_revision", "libtorch_version", "hostname",
                                                "cpu_cores", "start_time", "extra"}));
  EXPECT_EQ(*j.GetString("program"), "replications/wgan_mnist");
  EXPECT_EQ(*j.GetString("command_line"), m.command_line);
  EXPECT_EQ(*j.GetNumber("seed"), 1234);
  EXPECT_EQ(*j.GetNumber("threads"), 2);
  EXPECT_EQ(*j.GetString("device"), "cpu");
  const Json* flags = j.Get("flags");
  ASSERT_NE(flags, nullptr);
  EXPECT_EQ(flags->keys(), (std::vector<std::string>{"batch", "lr", "out"}));
  EXPECT_EQ(*flags->GetString("lr"), "5e-05");
  EXPECT_EQ(*j.GetString("libtorch_version"), TORCH_VERSION);
  EXPECT_FALSE(j.GetString("hostname")->empty());
  EXPECT_EQ(*j.GetNumber("cpu_cores"), otgan::NumCores());
  std::string git = *j.GetString("git_revision");
  EXPECT_TRUE(git == "unknown" || IsRevision(git)) << git;
  EXPECT_EQ(*j.Get("extra")->GetString("settings_source"), "code");
  // start_time: ISO 8601 UTC, within a minute of now.
  std::string start = *j.GetString("start_time");
  absl::Time t;
  std::string err;
  ASSERT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", start, absl::UTCTimeZone(), &t, &err)) << start << err;
  EXPECT_LT(absl::AbsDuration(absl::Now() - t), absl::Seconds(60));
  EXPECT_EQ(start.size(), 20u);
}

TEST(ManifestTest, NoExtraKeyWhenUnsetAndLargeSeedsStayExact) {
  RunManifest m = Example();
  m.seed = 18446744073709551557ull;  // > 2^53: a double would round it
  Json j = ManifestToJson(m);
  EXPECT_EQ(j.Get("extra"), nullptr);
  EXPECT_EQ(*j.GetString("seed"), "18446744073709551557");
  m.seed = uint64_t{1} << 53;
  EXPECT_EQ(*ManifestToJson(m).GetNumber("seed"), 9007199254740992.0);
}

TEST(ManifestTest, WriteManifestWritesParsableJson) {
  std::string path = ::testing::TempDir() + "/manifest.json";
  ASSERT_TRUE(WriteManifest(path, Example()).ok());
  auto back = ReadJsonFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back->GetString("program"), "replications/wgan_mnist");
  EXPECT_EQ(back->Get("flags")->size(), 3u);
  auto bad = WriteManifest(::testing::TempDir() + "/no/such/dir/m.json", Example());
  EXPECT_FALSE(bad.ok());
}

TEST(ManifestTest, GitRevisionCleanDirtyAndUnknown) {
  EXPECT_EQ(GitRevision(""), "unknown");
  fs::path plain = fs::path(::testing::TempDir()) / "not_a_repo";
  fs::create_directories(plain);
  EXPECT_EQ(GitRevision(plain.string()), "unknown");
  EXPECT_EQ(GitRevision((plain / "missing").string()), "unknown");
  if (std::system("git --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "git is not installed";
  fs::path repo = fs::path(::testing::TempDir()) / "repo";
  fs::remove_all(repo);
  fs::create_directories(repo);
  const std::string git = "git -C '" + repo.string() + "' -c user.name=t -c user.email=t@example.com ";
  ASSERT_EQ(std::system((git + "init -q >/dev/null 2>&1").c_str()), 0);
  std::system(("echo a > '" + (repo / "f.txt").string() + "'").c_str());
  ASSERT_EQ(std::system((git + "add f.txt && " + git + "commit -q -m init >/dev/null 2>&1").c_str()), 0);
  std::string clean = GitRevision(repo.string());
  EXPECT_TRUE(IsRevision(clean)) << clean;
  EXPECT_EQ(clean.find("-dirty"), std::string::npos) << clean;
  std::system(("echo b > '" + (repo / "g.txt").string() + "'").c_str());
  EXPECT_EQ(GitRevision(repo.string()), clean + "-dirty");
}

}  // namespace
}  // namespace otgan::io

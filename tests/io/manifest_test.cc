#include "lib/io/manifest.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/version.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/io/atomic_file.h"
#include "lib/io/json.h"
#include "lib/util/runtime.h"

namespace otgan::io {
namespace {

namespace fs = std::filesystem;

RunManifest Example() {
  RunManifest m;
  m.program = "wgan_mnist";
  m.flags = {{"batch", "64"}, {"lr", "5e-05"}, {"out", "results/wgan"}};
  m.facts = {{"eval_dataset", "mnist"}, {"settings_source", "code"}};
  m.seed = 1234;
  m.threads = 2;
  m.device = "cpu";
  m.command_line = "bazel-bin/replications/wgan_mnist --batch_size=64 --lr=5e-05";
  return m;
}

std::vector<std::string> Keys(const Json& j) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  return keys;
}

bool IsRevision(const std::string& s) {
  std::string rev = s;
  if (rev.size() > 6 && rev.compare(rev.size() - 6, 6, "-dirty") == 0) rev.resize(rev.size() - 6);
  return rev.size() == 40 && rev.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(ManifestTest, KeysInOrderFlagsAndFactsApart) {
  const Json j = ToJson(Example());
  EXPECT_EQ(Keys(j), (std::vector<std::string>{"program", "command_line", "seed", "threads", "device",
                                               "flags", "facts", "git_revision", "libtorch_version",
                                               "hostname", "cpu_cores", "start_time"}));
  EXPECT_EQ(Keys(j["flags"]), (std::vector<std::string>{"batch", "lr", "out"}));
  EXPECT_EQ(Keys(j["facts"]), (std::vector<std::string>{"eval_dataset", "settings_source"}));
  EXPECT_EQ(j["seed"], 1234);
  EXPECT_EQ(j["flags"]["lr"], "5e-05");
}

TEST(ManifestTest, WriteStampsTheEnvironmentAndReadsBack) {
  const std::string path = ::testing::TempDir() + "/manifest.json";
  ASSERT_TRUE(WriteManifest(path, Example()).ok());
  absl::StatusOr<RunManifest> back = ReadManifest(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->program, "wgan_mnist");
  EXPECT_EQ(back->command_line, Example().command_line);
  EXPECT_EQ(back->flags, Example().flags);
  EXPECT_EQ(back->facts, Example().facts);
  EXPECT_EQ(back->Flag("lr"), "5e-05");
  EXPECT_EQ(back->Fact("eval_dataset"), "mnist");
  EXPECT_EQ(back->Flag("eval_dataset"), "");  // a fact is not a flag
  EXPECT_EQ(back->seed, 1234u);
  EXPECT_EQ(back->libtorch_version, TORCH_VERSION);
  EXPECT_FALSE(back->hostname.empty());
  EXPECT_EQ(back->cpu_cores, otgan::NumCores());
  EXPECT_TRUE(back->git_revision == "unknown" || IsRevision(back->git_revision)) << back->git_revision;
  absl::Time t;
  std::string err;
  ASSERT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", back->start_time, absl::UTCTimeZone(), &t, &err))
      << back->start_time << err;
  EXPECT_LT(absl::AbsDuration(absl::Now() - t), absl::Seconds(60));
  EXPECT_FALSE(WriteManifest(::testing::TempDir() + "/no/such/dir/m.json", Example()).ok());
}

TEST(ManifestTest, LargeSeedsStayExact) {
  RunManifest m = Example();
  m.seed = 18446744073709551557ull;  // > 2^53: a double would round it
  Json j = ToJson(m);
  EXPECT_EQ(j["seed"], "18446744073709551557");
  absl::StatusOr<RunManifest> back = RunManifestFromJson(j, "m.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->seed, 18446744073709551557ull);
  m.seed = uint64_t{1} << 53;
  EXPECT_EQ(ToJson(m)["seed"].get<double>(), 9007199254740992.0);
}

TEST(ManifestTest, MalformedManifestsNameFileAndKey) {
  Json j = ToJson(Example());
  j["facts"]["total_steps"] = 350;  // facts are strings
  absl::StatusOr<RunManifest> r = RunManifestFromJson(j, "m.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "m.json: facts.total_steps: expected a string, found number 350");
  j = ToJson(Example());
  j.erase("flags");
  r = RunManifestFromJson(j, "m.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "m.json: flags: missing");
  j = ToJson(Example());
  j["program"] = "";
  EXPECT_FALSE(RunManifestFromJson(j, "m.json").ok());
}

TEST(ManifestTest, WorkspaceRelativePaths) {
  EXPECT_EQ(WorkspaceRelative("/w/main/runs/x", "/w/main"), "runs/x");
  EXPECT_EQ(WorkspaceRelative("/w/main", "/w/main/"), ".");
  EXPECT_EQ(WorkspaceRelative("--data_dir=/w/main/data --out=/w/main/runs/a", "/w/main"),
            "--data_dir=data --out=runs/a");
  EXPECT_EQ(WorkspaceRelative("/w/mainline/x", "/w/main"), "/w/mainline/x");  // not under the root
  EXPECT_EQ(WorkspaceRelative("/tmp/run", "/w/main"), "/tmp/run");
}

TEST(ManifestTest, CurrentCommandLineNamesThisProgram) {
  const std::string c = CurrentCommandLine();
  EXPECT_NE(c.find("manifest_test"), std::string::npos) << c;
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

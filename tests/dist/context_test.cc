#include "lib/dist/context.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "lib/util/status.h"
#include "tests/dist/rank_threads.h"

extern char** environ;

namespace otgan::dist {
namespace {

using testing::RunRankThreads;

class DistContextTest : public ::testing::Test {
 protected:
  void SetUp() override { at::set_num_threads(1); }
};

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST_F(DistContextTest, EnvWithoutRankIsAWorldOfOne) {
  absl::StatusOr<DistConfig> c = DistConfigFromEnv(FakeEnv({}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->world_size, 1);
  EXPECT_EQ(c->rank, 0);
}

TEST_F(DistContextTest, EnvReadsTorchrunVariables) {
  absl::StatusOr<DistConfig> c = DistConfigFromEnv(FakeEnv({{"RANK", "3"},
                                                            {"WORLD_SIZE", "4"},
                                                            {"MASTER_ADDR", "10.0.0.7"},
                                                            {"MASTER_PORT", "29611"},
                                                            {"GLOO_SOCKET_IFNAME", "eth1"},
                                                            {"OTGAN_DIST_TIMEOUT_S", "12.5"}}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->rank, 3);
  EXPECT_EQ(c->world_size, 4);
  EXPECT_EQ(c->master_addr, "10.0.0.7");
  EXPECT_EQ(c->master_port, 29611);
  EXPECT_EQ(c->interface, "eth1");
  EXPECT_EQ(c->timeout, absl::Milliseconds(12500));
}

TEST_F(DistContextTest, EnvErrorsNameTheVariable) {
  auto msg = [](std::map<std::string, std::string> vars) {
    absl::StatusOr<DistConfig> c = DistConfigFromEnv(FakeEnv(vars));
    EXPECT_FALSE(c.ok());
    return c.ok() ? std::string() : std::string(c.status().message());
  };
  EXPECT_NE(msg({{"RANK", "0"}}).find("WORLD_SIZE is not"), std::string::npos);
  EXPECT_NE(msg({{"RANK", "x"}, {"WORLD_SIZE", "2"}}).find("RANK=\"x\""), std::string::npos);
  EXPECT_NE(msg({{"RANK", "2"}, {"WORLD_SIZE", "2"}}).find("rank=2"), std::string::npos);
  EXPECT_NE(msg({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}})
                .find("master_port=70000"),
            std::string::npos);
  EXPECT_NE(msg({{"OTGAN_DIST_TIMEOUT_S", "0"}}).find("OTGAN_DIST_TIMEOUT_S"), std::string::npos);
}

TEST_F(DistContextTest, WorldOfOneCollectivesAreTheIdentity) {
  absl::StatusOr<DistContext> d = DistContext::Create(DistConfig());
  ASSERT_TRUE(d.ok()) << d.status();
  at::Tensor t = at::arange(5, at::kFloat);
  ASSERT_TRUE(d->AllReduce(t, ReduceOp::kSum).ok());
  ASSERT_TRUE(d->Broadcast(t, 0).ok());
  EXPECT_TRUE(at::equal(t, at::arange(5, at::kFloat)));
  absl::StatusOr<std::vector<at::Tensor>> g = d->AllGather(t);
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->size(), 1u);
  EXPECT_TRUE(d->Barrier().ok());
  EXPECT_FALSE(d->Broadcast(t, 1).ok());  // no rank 1
}

TEST_F(DistContextTest, ThreeRanksReduceBroadcastAndGather) {
  const int world = 3;  // not a power of two: Gloo's ring and halving-doubling both covered
  std::vector<absl::Status> st = RunRankThreads(world, [&](DistContext& d) -> absl::Status {
    const int r = d.rank();
    at::Tensor s = at::full({2, 3}, static_cast<double>(r + 1));
    OTGAN_RETURN_IF_ERROR(d.AllReduce(s, ReduceOp::kSum));
    if (!at::allclose(s, at::full({2, 3}, 6.0))) return absl::InternalError("sum");
    at::Tensor a = at::full({4}, static_cast<double>(r + 1));
    OTGAN_RETURN_IF_ERROR(d.AllReduce(a, ReduceOp::kAverage));
    if (!at::allclose(a, at::full({4}, 2.0))) return absl::InternalError("average");
    at::Tensor m = at::tensor({static_cast<double>(r), -static_cast<double>(r)});
    OTGAN_RETURN_IF_ERROR(d.AllReduce(m, ReduceOp::kMax));
    if (!at::allclose(m, at::tensor({2.0, 0.0}))) return absl::InternalError("max");
    at::Tensor b = at::full({3}, static_cast<double>(r));
    OTGAN_RETURN_IF_ERROR(d.Broadcast(b, 2));
    if (!at::allclose(b, at::full({3}, 2.0))) return absl::InternalError("broadcast");
    at::Tensor nc = at::arange(6, at::kFloat).view({2, 3}).t() * (r + 1);  // non-contiguous
    OTGAN_RETURN_IF_ERROR(d.AllReduce(nc, ReduceOp::kSum));
    if (!at::allclose(nc, at::arange(6, at::kFloat).view({2, 3}).t() * 6)) {
      return absl::InternalError("non-contiguous sum");
    }
    absl::StatusOr<std::vector<at::Tensor>> g = d.AllGather(at::full({2}, r * 10.0));
    if (!g.ok()) return g.status();
    for (int q = 0; q < world; ++q) {
      if (!at::allclose((*g)[q], at::full({2}, q * 10.0))) return absl::InternalError("gather");
    }
    OTGAN_RETURN_IF_ERROR(d.Barrier());
    const DistContext::Traffic t = d.traffic();
    if (t.all_reduce_calls != 4 || t.all_gather_calls != 1 || t.broadcast_calls != 1 ||
        t.all_gather_bytes != 2 * 4) {
      return absl::InternalError("traffic counters");
    }
    return absl::OkStatus();
  });
  for (int r = 0; r < world; ++r) EXPECT_TRUE(st[r].ok()) << "rank " << r << ": " << st[r];
}

// Rank 0 starts the store and waits for a rank 1 that never comes.
TEST_F(DistContextTest, RankThatNeverJoinsTimesOutWithAClearMessage) {
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  DistConfig c;
  c.rank = 0;
  c.world_size = 2;
  c.master_port = *port;
  c.timeout = absl::Seconds(2);
  const auto t0 = std::chrono::steady_clock::now();
  absl::StatusOr<DistContext> d = DistContext::Create(c);
  const double s = Since(t0);
  ASSERT_FALSE(d.ok());
  EXPECT_GE(s, 1.5);
  EXPECT_LT(s, 15.0);
  const std::string msg(d.status().message());
  EXPECT_NE(msg.find("dist rank 0/2: waiting for every rank to join"), std::string::npos) << msg;
  EXPECT_NE(msg.find("MASTER_PORT"), std::string::npos) << msg;
}

// Rank 1 looks for a rank 0 that never starts its store.
TEST_F(DistContextTest, MissingMasterTimesOutWithAClearMessage) {
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  DistConfig c;
  c.rank = 1;
  c.world_size = 2;
  c.master_port = *port;
  c.timeout = absl::Seconds(2);
  const auto t0 = std::chrono::steady_clock::now();
  absl::StatusOr<DistContext> d = DistContext::Create(c);
  const double s = Since(t0);
  ASSERT_FALSE(d.ok());
  EXPECT_LT(s, 15.0);
  const std::string msg(d.status().message());
  EXPECT_NE(msg.find("dist rank 1/2: connecting to the rendezvous store at 127.0.0.1:"),
            std::string::npos)
      << msg;
}

// Rank 1 joins, then never calls the collective: rank 0 fails after the timeout.
TEST_F(DistContextTest, HungPeerMakesTheCollectiveFailAfterTheTimeout) {
  absl::Notification rank0_done;
  double rank0_seconds = 0;
  std::vector<absl::Status> st = RunRankThreads(
      2,
      [&](DistContext& d) -> absl::Status {
        if (d.rank() == 1) {
          rank0_done.WaitForNotificationWithTimeout(absl::Seconds(60));
          return absl::OkStatus();
        }
        at::Tensor t = at::ones({8});
        const auto t0 = std::chrono::steady_clock::now();
        absl::Status s = d.AllReduce(t, ReduceOp::kSum);
        rank0_seconds = Since(t0);
        rank0_done.Notify();
        return s;
      },
      absl::Seconds(2));
  EXPECT_TRUE(st[1].ok());
  ASSERT_FALSE(st[0].ok());
  EXPECT_GE(rank0_seconds, 1.5);
  EXPECT_LT(rank0_seconds, 15.0);
  EXPECT_NE(st[0].message().find("dist rank 0/2: all_reduce failed after"), std::string::npos)
      << st[0];
}

// --- Separate processes (tests/dist/dist_worker) -------------------------------

struct Proc {
  pid_t pid = -1;
  std::string out, err;  // files
};

std::string Worker() {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") +
         "/tests/dist/dist_worker";
}

Proc Spawn(const std::string& mode, int rank, int world, int port, const std::string& timeout_s) {
  Proc p;
  const std::string dir = std::getenv("TEST_TMPDIR");
  p.out = dir + "/" + mode + "_rank" + std::to_string(rank) + ".out";
  p.err = dir + "/" + mode + "_rank" + std::to_string(rank) + ".err";
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.push_back(*e);
  env_strings.push_back("RANK=" + std::to_string(rank));
  env_strings.push_back("WORLD_SIZE=" + std::to_string(world));
  env_strings.push_back("MASTER_ADDR=127.0.0.1");
  env_strings.push_back("MASTER_PORT=" + std::to_string(port));
  env_strings.push_back("OTGAN_DIST_TIMEOUT_S=" + timeout_s);
  env_strings.push_back("OMP_NUM_THREADS=1");
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  const std::string exe = Worker();
  std::vector<std::string> args = {exe, mode};
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, p.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, p.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (posix_spawn(&p.pid, exe.c_str(), &fa, nullptr, argv.data(), envp.data()) != 0) p.pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return p;
}

// Exit code, or -1 if it had to be killed after `limit_s`.
int WaitFor(const Proc& p, double limit_s) {
  const auto t0 = std::chrono::steady_clock::now();
  while (true) {
    int status = 0;
    const pid_t r = waitpid(p.pid, &status, WNOHANG);
    if (r == p.pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (Since(t0) > limit_s) {
      kill(p.pid, SIGKILL);
      waitpid(p.pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST_F(DistContextTest, TwoProcessesAllReduceFromTheEnvironment) {
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  Proc p0 = Spawn("allreduce", 0, 2, *port, "30");
  Proc p1 = Spawn("allreduce", 1, 2, *port, "30");
  ASSERT_GT(p0.pid, 0);
  ASSERT_GT(p1.pid, 0);
  EXPECT_EQ(WaitFor(p1, 60), 0) << Slurp(p1.err);
  EXPECT_EQ(WaitFor(p0, 60), 0) << Slurp(p0.err);
  EXPECT_NE(Slurp(p0.out).find("rank 0/2: all_reduce ok (3)"), std::string::npos);
}

// Rank 1's process exits right after joining. Its sockets close with it, so
// rank 0's collective fails at once, well inside the (long) timeout.
TEST_F(DistContextTest, DeadProcessMakesThePeerFailFast) {
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  Proc p0 = Spawn("die", 0, 2, *port, "60");
  Proc p1 = Spawn("die", 1, 2, *port, "60");
  ASSERT_GT(p0.pid, 0);
  ASSERT_GT(p1.pid, 0);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(WaitFor(p1, 90), 3) << Slurp(p1.err);
  const int rc0 = WaitFor(p0, 90);
  const double s = Since(t0);
  EXPECT_EQ(rc0, 2) << Slurp(p0.err);
  EXPECT_LT(s, 30.0) << "rank 0 waited for the timeout instead of seeing the closed socket";
  const std::string err = Slurp(p0.err);
  EXPECT_NE(err.find("dist rank 0/2: all_reduce failed after"), std::string::npos) << err;
  std::printf("rank 0 output: %s", Slurp(p0.out).c_str());
}

}  // namespace
}  // namespace otgan::dist

// Test helper: runs a function as `world` ranks of one process group, one
// thread per rank, each with its own DistContext joined over loopback (c10d
// supports several process groups in one process; each rank's thread issues
// its own collectives, as separate processes would).
//
//   std::vector<absl::Status> st = otgan::dist::testing::RunRankThreads(
//       2, [](otgan::dist::DistContext& dist) -> absl::Status { ... });
//   for (const auto& s : st) EXPECT_TRUE(s.ok()) << s;
#ifndef OTGAN_TESTS_DIST_RANK_THREADS_H_
#define OTGAN_TESTS_DIST_RANK_THREADS_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lib/dist/context.h"

namespace otgan::dist::testing {

// Each rank's status: the join's error, or fn's result. LibTorch's intra-op
// pool is shared by the threads; tests set it to one thread. If another
// process took the picked port before rank 0 could listen on it, the ranks
// are started once more on a new port.
inline std::vector<absl::Status> RunRankThreadsOnce(
    int world, const std::function<absl::Status(DistContext&)>& fn, absl::Duration timeout) {
  std::vector<absl::Status> out(world);
  absl::StatusOr<int> port = PickFreePort();
  if (!port.ok()) {
    for (auto& s : out) s = port.status();
    return out;
  }
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      DistConfig c;
      c.rank = r;
      c.world_size = world;
      c.master_addr = "127.0.0.1";
      c.master_port = *port;
      c.timeout = timeout;
      absl::StatusOr<DistContext> dist = DistContext::Create(c);
      if (!dist.ok()) {
        out[r] = dist.status();
        return;
      }
      out[r] = fn(*dist);
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

inline std::vector<absl::Status> RunRankThreads(
    int world, const std::function<absl::Status(DistContext&)>& fn,
    absl::Duration timeout = absl::Seconds(30)) {
  std::vector<absl::Status> out = RunRankThreadsOnce(world, fn, timeout);
  if (!out[0].ok() && out[0].message().find("starting the rendezvous store") != std::string::npos) {
    out = RunRankThreadsOnce(world, fn, timeout);
  }
  return out;
}

}  // namespace otgan::dist::testing

#endif  // OTGAN_TESTS_DIST_RANK_THREADS_H_

// A rank process for the multi-process tests and the launcher test: reads
// RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT (lib/dist/context.h), joins,
// and runs one scenario given as the only argument:
//   allreduce   all-reduce (rank + 1) and check the sum W (W + 1) / 2; exit 0
//   die         rank 1 exits with code 3 right after joining; the others
//               all-reduce, which must fail (exit 2 with the error on stderr)
//   fail        rank 1 exits with code 4 before joining; the others try to
//               join (exit 1 when that fails)
// Prints one line per rank; exit 1 on any unexpected error.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include <ATen/ATen.h>

#include "lib/dist/context.h"

int main(int argc, char** argv) {
  const std::string mode = argc == 2 ? argv[1] : "";
  if (mode != "allreduce" && mode != "die" && mode != "fail") {
    std::fprintf(stderr, "usage: dist_worker allreduce|die|fail (got \"%s\")\n", mode.c_str());
    return 1;
  }
  auto cfg = otgan::dist::DistConfigFromEnv();
  if (!cfg.ok()) {
    std::fprintf(stderr, "%s\n", std::string(cfg.status().message()).c_str());
    return 1;
  }
  if (mode == "fail" && cfg->rank == 1) return 4;
  auto dist = otgan::dist::DistContext::Create(*cfg);
  if (!dist.ok()) {
    std::fprintf(stderr, "%s\n", std::string(dist.status().message()).c_str());
    return 1;
  }
  if (mode == "die" && cfg->rank == 1) _exit(3);  // no goodbye: sockets close with the process
  at::Tensor t = at::full({4}, static_cast<double>(cfg->rank + 1));
  const auto t0 = std::chrono::steady_clock::now();
  absl::Status st = dist->AllReduce(t, otgan::dist::ReduceOp::kSum);
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    std::printf("rank %d: all_reduce failed after %.2f s\n", cfg->rank, s);
    return 2;
  }
  const double want = cfg->world_size * (cfg->world_size + 1) / 2.0;
  if (!at::allclose(t, at::full({4}, want))) {
    std::fprintf(stderr, "rank %d: all_reduce gave %f, expected %f\n", cfg->rank,
                 t[0].item<double>(), want);
    return 1;
  }
  st = dist->Barrier();
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  std::printf("rank %d/%d: all_reduce ok (%g)\n", cfg->rank, cfg->world_size, want);
  return 0;
}

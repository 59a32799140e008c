// Benchmark of OT-GAN's data-parallel step on c10d/Gloo (lib/dist): 1, 2, 4
// ranks, one LibTorch thread each, as threads of this process with one Gloo
// process group per rank over loopback, at otgan_mnist's nets (OtganGenerator
// dim 32, OtganCritic dim 64: 6272-d embeddings) and loss settings (cosine
// cost, Sinkhorn eps 1/500, 500 iterations, envelope gradient), global batch
// --batch split evenly over the ranks. Images are random in [-1, 1] (the cost
// does not depend on the pixels), so no dataset is needed.
//
//   bazel run //bench:distributed -- --ranks=1,2,4 --batch=64
//   bazel run //bench:distributed -- --quick   # 1 repeat, smaller probes
//
// Prints JSON lines:
//  - kind "measured", one per rank count: median seconds of a critic update
//    (embed the rank's shards of X, X', Y, Y', all-gather, minibatch energy
//    distance on the global batch, backward, gradient all-reduce, Adam) and of
//    a generator update (also generating Y, Y'), the replicated Sinkhorn part
//    (the loss forward on the gathered embeddings, no autograd), and the bytes
//    this rank handed to each collective per update (payload; the all-gather
//    delivers (ranks - 1) x that payload to each rank); *_cpu_s: rank 0's
//    thread CPU seconds for the same work, which other processes on the
//    machine do not inflate the way they inflate wall time;
//  - kind "probe": cosine cost matrix and one Sinkhorn iteration at n =
//    --probe_n with all threads (this machine: 2 cores), wall and process CPU;
//  - kind "estimate", one per machine count: a paper-scale estimate (batch
//    --paper_batch in each of X, X', Y, Y') built from the measured numbers
//    with the assumptions stated in the line.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/optim/adam.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/dist/context.h"
#include "lib/dist/data_parallel.h"
#include "lib/dist/otgan_loss.h"
#include "lib/nn/otgan_nets.h"
#include "lib/ot/cost.h"
#include "lib/ot/divergence.h"
#include "lib/ot/sinkhorn.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

ABSL_FLAG(std::string, ranks, "1,2,4", "rank counts to measure (one LibTorch thread each)");
ABSL_FLAG(int64_t, batch, 64, "global batch: rows of each of X, X', Y, Y' (otgan_mnist's cpu batch)");
ABSL_FLAG(int, repeats, 3, "timed critic + generator updates per rank count (median reported)");
ABSL_FLAG(int, sinkhorn_iters, 500, "Sinkhorn iterations per problem (paper and code: 500)");
ABSL_FLAG(int64_t, critic_dim, 64, "OtganCritic width (otgan_mnist default 64: 6272-d embedding)");
ABSL_FLAG(int64_t, gen_dim, 32, "OtganGenerator width (otgan_mnist default)");
ABSL_FLAG(int64_t, probe_n, 2000, "points of the cost-matrix and Sinkhorn-iteration probes");
ABSL_FLAG(int64_t, paper_batch, 8000, "batch of the paper-scale estimate (paper: 8000)");
ABSL_FLAG(double, network_gbit, 10, "assumed network bandwidth per machine for the estimate, Gbit/s");
ABSL_FLAG(bool, quick, false, "one repeat and a 1000-point probe (smoke use)");

namespace otgan {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
// CPU seconds of the calling thread (a rank's compute, whatever else runs on
// the machine) and of the whole process.
double ThreadCpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
double ProcessCpu() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}
double LoadAverage() {
  std::ifstream f("/proc/loadavg");
  double l = -1;
  f >> l;
  return l;
}

struct Settings {
  int64_t batch, critic_dim, gen_dim;
  int repeats;
  ot::SinkhornOptions sinkhorn;
};

struct RankResult {
  absl::Status status;
  std::vector<double> critic_s, gen_s, sinkhorn_s;           // wall
  std::vector<double> critic_cpu, gen_cpu, sinkhorn_cpu;     // this rank's thread CPU
  dist::DistContext::Traffic critic_traffic, gen_traffic;
};

// One rank's part: nets at rank 0's weights, then warm-up + timed updates.
RankResult RunRank(const dist::DistContext& d, const Settings& s) {
  RankResult out;
  auto fail = [&](absl::Status st) {
    out.status = st;
    return out;
  };
  const int64_t b = s.batch / d.world_size();
  nn::OtganGenerator gen(s.gen_dim, 100);
  nn::OtganCritic critic(s.critic_dim);
  absl::Status st = dist::BroadcastParameters(d, *gen);
  if (st.ok()) st = dist::BroadcastParameters(d, *critic);
  if (!st.ok()) return fail(st);
  torch::optim::Adam gen_opt(gen->parameters(), torch::optim::AdamOptions(3e-4).betas({0.5, 0.999}));
  torch::optim::Adam critic_opt(critic->parameters(),
                                torch::optim::AdamOptions(3e-4).betas({0.5, 0.999}));
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(dist::RankSeed(1, d.rank()));
  auto real = [&] { return at::rand({b, 1, 28, 28}, g) * 2 - 1; };
  auto latents = [&] { return at::rand({b, 100}, g) * 2 - 1; };
  auto loss = [&](const at::Tensor& x, const at::Tensor& x2, const at::Tensor& y,
                  const at::Tensor& y2) {
    return dist::GlobalMinibatchEnergyDistance(d, critic(x), critic(x2), critic(y), critic(y2),
                                               ot::CostKind::kCosine, s.sinkhorn,
                                               ot::GradMode::kEnvelope);
  };
  for (int it = 0; it <= s.repeats; ++it) {  // it 0: warm-up
    // Critic update.
    if (!(st = d.Barrier()).ok()) return fail(st);
    d.ResetTraffic();
    auto t0 = Clock::now();
    double c0 = ThreadCpu();
    at::Tensor y, y2;
    {
      at::NoGradGuard no_grad;
      y = gen(latents());
      y2 = gen(latents());
    }
    absl::StatusOr<at::Tensor> l = loss(real(), real(), y, y2);
    if (!l.ok()) return fail(l.status());
    critic_opt.zero_grad();
    (-*l).backward();
    if (!(st = dist::AllReduceGradients(d, critic->parameters())).ok()) return fail(st);
    critic_opt.step();
    const double critic_cpu = ThreadCpu() - c0;
    if (!(st = d.Barrier()).ok()) return fail(st);
    const double critic_s = Since(t0);
    out.critic_traffic = d.traffic();
    // Generator update.
    d.ResetTraffic();
    t0 = Clock::now();
    c0 = ThreadCpu();
    l = loss(real(), real(), gen(latents()), gen(latents()));
    if (!l.ok()) return fail(l.status());
    gen_opt.zero_grad();
    l->backward();
    if (!(st = dist::AllReduceGradients(d, gen->parameters())).ok()) return fail(st);
    gen_opt.step();
    const double gen_cpu = ThreadCpu() - c0;
    if (!(st = d.Barrier()).ok()) return fail(st);
    const double gen_s = Since(t0);
    out.gen_traffic = d.traffic();
    // The replicated part alone: the loss on gathered embeddings, no autograd.
    double sk_s = 0, sk_cpu = 0;
    {
      at::NoGradGuard no_grad;
      const at::Tensor e = at::rand({s.batch, critic->embed_size()}, g);
      const at::Tensor u = e / e.norm(2, {1}, true);
      const auto t1 = Clock::now();
      const double c1 = ThreadCpu();
      ot::MinibatchEnergyDistance(u, u.roll(1, 0), u.flip(0), u.roll(2, 0), ot::CostKind::kCosine,
                                  s.sinkhorn, ot::GradMode::kEnvelope);
      sk_cpu = ThreadCpu() - c1;
      sk_s = Since(t1);
    }
    if (it > 0) {
      out.critic_s.push_back(critic_s);
      out.gen_s.push_back(gen_s);
      out.sinkhorn_s.push_back(sk_s);
      out.critic_cpu.push_back(critic_cpu);
      out.gen_cpu.push_back(gen_cpu);
      out.sinkhorn_cpu.push_back(sk_cpu);
    }
  }
  return out;
}

absl::StatusOr<RankResult> Measure(int world, const Settings& s) {
  OTGAN_ASSIGN_OR_RETURN(int port, dist::PickFreePort());
  std::vector<RankResult> results(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      dist::DistConfig c;
      c.rank = r;
      c.world_size = world;
      c.master_port = port;
      c.timeout = absl::Seconds(600);
      absl::StatusOr<dist::DistContext> d = dist::DistContext::Create(c);
      if (!d.ok()) {
        results[r].status = d.status();
        return;
      }
      results[r] = RunRank(*d, s);
    });
  }
  for (auto& t : threads) t.join();
  for (const RankResult& r : results) OTGAN_RETURN_IF_ERROR(r.status);
  return results[0];
}

absl::Status Main() {
  const bool quick = absl::GetFlag(FLAGS_quick);
  Settings s;
  s.batch = absl::GetFlag(FLAGS_batch);
  s.critic_dim = absl::GetFlag(FLAGS_critic_dim);
  s.gen_dim = absl::GetFlag(FLAGS_gen_dim);
  s.repeats = quick ? 1 : absl::GetFlag(FLAGS_repeats);
  s.sinkhorn.eps = 1.0 / 500;
  s.sinkhorn.max_iter = absl::GetFlag(FLAGS_sinkhorn_iters);
  s.sinkhorn.tol = 0;
  OTGAN_RETURN_IF_ERROR(ot::ValidateSinkhornOptions(s.sinkhorn));
  if (s.repeats < 1) return absl::InvalidArgumentError("--repeats: expected >= 1");
  if (s.critic_dim < 4 || s.critic_dim % 4 != 0) {
    return absl::InvalidArgumentError("--critic_dim: expected a multiple of 4");
  }
  std::vector<int> worlds;
  for (absl::string_view w : absl::StrSplit(absl::GetFlag(FLAGS_ranks), ',')) {
    int v = 0;
    if (!absl::SimpleAtoi(w, &v) || v < 1) {
      return absl::InvalidArgumentError(absl::StrCat("--ranks: \"", w, "\" is not a rank count"));
    }
    OTGAN_RETURN_IF_ERROR(dist::LocalBatchSize(s.batch, v).status());
    worlds.push_back(v);
  }
  at::set_num_threads(1);
  const int64_t embed = 2 * s.critic_dim * 49;
  const int cores = NumCores();

  double one_rank_critic = 0, one_rank_sk = 0;  // thread CPU seconds
  int64_t params_bytes = 0;
  for (int w : worlds) {
    OTGAN_ASSIGN_OR_RETURN(RankResult r, Measure(w, s));
    const double c = Median(r.critic_s), g = Median(r.gen_s), sk = Median(r.sinkhorn_s);
    const double cc = Median(r.critic_cpu), gc = Median(r.gen_cpu), skc = Median(r.sinkhorn_cpu);
    if (w == 1) one_rank_critic = cc, one_rank_sk = skc;
    params_bytes = std::max(params_bytes, r.critic_traffic.all_reduce_bytes);
    std::printf(
        "{\"bench\": \"distributed\", \"kind\": \"measured\", \"ranks\": %d, \"threads_per_rank\": 1, "
        "\"cores\": %d, \"global_batch\": %ld, \"local_batch\": %ld, \"critic_dim\": %ld, "
        "\"embed\": %ld, \"sinkhorn_iters\": %d, \"eps\": %g, \"repeats\": %d, "
        "\"critic_update_s\": %.4f, \"gen_update_s\": %.4f, \"replicated_sinkhorn_s\": %.4f, "
        "\"images_per_s\": %.1f, \"critic_update_cpu_s\": %.4f, \"gen_update_cpu_s\": %.4f, "
        "\"replicated_sinkhorn_cpu_s\": %.4f, \"critic_all_gather_payload_bytes\": %ld, "
        "\"critic_all_gather_received_bytes\": %ld, \"critic_all_reduce_bytes\": %ld, "
        "\"gen_all_gather_payload_bytes\": %ld, \"gen_all_reduce_bytes\": %ld, "
        "\"load_avg_1m\": %.2f}\n",
        w, cores, s.batch, s.batch / w, s.critic_dim, embed, s.sinkhorn.max_iter, s.sinkhorn.eps,
        s.repeats, c, g, sk, 8.0 * s.batch / (c + g), cc, gc, skc, r.critic_traffic.all_gather_bytes,
        r.critic_traffic.all_gather_bytes * (w - 1), r.critic_traffic.all_reduce_bytes,
        r.gen_traffic.all_gather_bytes, r.gen_traffic.all_reduce_bytes, LoadAverage());
    std::fflush(stdout);
  }

  // Probes at all threads: a cosine cost matrix and one Sinkhorn iteration.
  const int64_t n = quick ? 1000 : absl::GetFlag(FLAGS_probe_n);
  at::set_num_threads(cores);
  double cost_s = 0, iter_s = 0, cost_cpu = 0, iter_cpu = 0;
  {
    at::NoGradGuard no_grad;
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(3);
    const at::Tensor x = at::rand({n, embed}, g), y = at::rand({n, embed}, g);
    ot::PairwiseCost(x, y, ot::CostKind::kCosine);  // warm-up
    auto t0 = Clock::now();
    double c0 = ProcessCpu();
    const at::Tensor cost = ot::PairwiseCost(x, y, ot::CostKind::kCosine);
    cost_s = Since(t0);
    cost_cpu = ProcessCpu() - c0;
    ot::SinkhornOptions o = s.sinkhorn;
    o.max_iter = 10;
    ot::SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);  // warm-up
    t0 = Clock::now();
    c0 = ProcessCpu();
    ot::SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
    iter_s = Since(t0) / o.max_iter;
    iter_cpu = (ProcessCpu() - c0) / o.max_iter;
  }
  std::printf("{\"bench\": \"distributed\", \"kind\": \"probe\", \"threads\": %d, \"n\": %ld, "
              "\"embed\": %ld, \"cosine_cost_s\": %.4f, \"sinkhorn_iter_s\": %.5f, "
              "\"cosine_cost_cpu_s\": %.4f, \"sinkhorn_iter_cpu_s\": %.5f, \"load_avg_1m\": %.2f}\n",
              cores, n, embed, cost_s, iter_s, cost_cpu, iter_cpu, LoadAverage());

  // Paper-scale estimate per critic update, batch P in each of X, X', Y, Y',
  // on M machines like this one (one rank per machine using its `cores`).
  if (one_rank_critic > 0) {
    const int64_t P = absl::GetFlag(FLAGS_paper_batch);
    const double scale = static_cast<double>(P) * P / (static_cast<double>(n) * n);
    // Six transport problems, each a cost matrix plus max_iter iterations,
    // replicated on every rank.
    // CPU seconds spread over `cores` threads (ideal parallel wall time).
    const double sinkhorn = 6 * scale * (cost_cpu + s.sinkhorn.max_iter * iter_cpu) / cores;
    // Nets: the 1-rank critic update minus its Sinkhorn part, per image, at one
    // thread; assumed to speed up `cores` x with all cores (optimistic).
    const double net_per_image = std::max(0.0, one_rank_critic - one_rank_sk) / (4.0 * s.batch);
    const double gbyte_s = absl::GetFlag(FLAGS_network_gbit) / 8.0;
    for (int m : {1, 2, 4, 8, 16}) {
      const double nets = net_per_image * 4.0 * P / m / cores;
      // All-gather: each machine receives (m - 1) / m of the 4 P x embed fp32
      // embeddings; the backward all-reduce (ring) moves 2 (m - 1) / m of them
      // (kSumOverRanks; kReplicatedLoss skips it). Gradients: small (critic).
      const double gathered = 4.0 * P * embed * 4;
      const double comm_gather = m == 1 ? 0 : gathered * (m - 1) / m / (gbyte_s * 1e9);
      const double comm_backward = m == 1 ? 0 : 2 * gathered * (m - 1) / m / (gbyte_s * 1e9);
      std::printf(
          "{\"bench\": \"distributed\", \"kind\": \"estimate\", \"machines\": %d, "
          "\"batch_each_of_4\": %ld, \"embed\": %ld, \"critic_update_s\": %.1f, "
          "\"replicated_sinkhorn_s\": %.1f, \"nets_s\": %.2f, \"all_gather_s\": %.2f, "
          "\"backward_all_reduce_s\": %.2f, \"gathered_bytes\": %.0f, \"assumptions\": \"six "
          "%ldx%ld Sinkhorn problems (cosine cost matrix + %d iterations each) solved on every "
          "machine, scaled n^2 from the %ld-point probe's CPU time at %d threads, divided by the cores; "
          "nets scaled linearly from the 1-rank measurement's CPU time at one thread, "
          "assumed %dx faster with %d cores; "
          "%.0f Gbit/s network, ring collectives, no overlap of communication and compute; "
          "critic update only (a generator update adds the generator's passes)\"}\n",
          m, P, embed, sinkhorn + nets + comm_gather + comm_backward, sinkhorn, nets, comm_gather,
          comm_backward, gathered, P, P, s.sinkhorn.max_iter, n, cores, cores, cores,
          absl::GetFlag(FLAGS_network_gbit));
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace otgan

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Status st = otgan::Main();
  if (!st.ok()) {
    std::fprintf(stderr, "bench/distributed: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  return 0;
}

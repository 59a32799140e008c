// Benchmark of one log-domain Sinkhorn iteration (both half-iterations, i.e.
// both potentials updated) for the softmin implementations of lib/ot:
// tensorized LibTorch, fused CPU kernel on a precomputed cost matrix, and the
// online kernel that computes squared Euclidean costs from the points.
//
//   bazel run //bench:sinkhorn -- --threads=2
//   bazel run //bench:sinkhorn -- --quick        # fewer repeats (smoke use)
//   bazel run //bench:sinkhorn -- --configs=exp,online
//
// Prints one JSON object per line: first the vectorised exp's throughput (one
// thread and all threads), then one line per configuration and implementation
// with n, m, d, eps, impl, threads, ms_per_iter (median over repeats) and
// exp_per_s (2 n m exps per iteration / time), plus cpu_ms_per_iter (process
// CPU time, all threads: about threads x ms_per_iter on an idle machine; a
// smaller ratio means other processes took the cores).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "lib/ot/fused_softmin.h"
#include "lib/ot/softmin.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

ABSL_FLAG(int, threads, 0, "LibTorch intra-op threads (0 = all cores)");
ABSL_FLAG(bool, quick, false, "fewer repeats and no tensorized run at n = 4096 (smoke use)");
ABSL_FLAG(int64_t, seed, 0, "random seed for the point clouds");
ABSL_FLAG(std::string, configs, "exp,1024,4096,online",
          "comma-separated subset of: exp (exp throughput), 1024 and 4096 (dense, d = 784), "
          "online (65536 points, d = 2)");

namespace {

struct Config {
  int threads = 0;
  bool quick = false;
  int64_t seed = 0;
  std::vector<std::string> configs;
  bool Has(const std::string& name) const {
    return std::find(configs.begin(), configs.end(), name) != configs.end();
  }
};

absl::Status Validate(const Config& config) {
  if (config.threads < 0) {
    return absl::InvalidArgumentError("--threads must be >= 0 (0 = all cores), got " +
                                      std::to_string(config.threads));
  }
  for (const std::string& c : config.configs) {
    if (c != "exp" && c != "1024" && c != "4096" && c != "online") {
      return absl::InvalidArgumentError("--configs: expected a comma-separated subset of "
                                        "exp,1024,4096,online, got '" + c + "'");
    }
  }
  return absl::OkStatus();
}

double NowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ProcessCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

struct Timing {
  double wall_ms;  // median wall time
  double cpu_ms;   // median process CPU time (all threads together)
};

// Median wall and CPU times in ms of `repeats` calls of fn, after `warmup`
// untimed calls. CPU time / threads estimates the wall time on an idle
// machine when other processes compete for the cores.
Timing Median(const std::function<void()>& fn, int repeats, int warmup) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> wall, cpu;
  for (int i = 0; i < repeats; ++i) {
    const double t0 = NowMs();
    const double c0 = ProcessCpuMs();
    fn();
    cpu.push_back(ProcessCpuMs() - c0);
    wall.push_back(NowMs() - t0);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

double MedianMs(const std::function<void()>& fn, int repeats, int warmup) {
  return Median(fn, repeats, warmup).wall_ms;
}

// Median of a random sample of the entries of c (cost scale for eps).
double SampleMedian(const at::Tensor& c) {
  at::Tensor flat = c.reshape({-1});
  at::Tensor idx = at::randint(flat.numel(), {100000}, at::kLong);
  return flat.index_select(0, idx).median().item<double>();
}

void PrintLine(int64_t n, int64_t m, int64_t d, double eps, const char* impl, Timing t) {
  std::printf(
      "{\"bench\": \"sinkhorn_iteration\", \"n\": %lld, \"m\": %lld, \"d\": %lld, \"eps\": %.6g, "
      "\"impl\": \"%s\", \"threads\": %d, \"ms_per_iter\": %.3f, \"exp_per_s\": %.4g, "
      "\"cpu_ms_per_iter\": %.3f}\n",
      static_cast<long long>(n), static_cast<long long>(m), static_cast<long long>(d), eps, impl,
      at::get_num_threads(), t.wall_ms, 2.0 * n * m / (t.wall_ms * 1e-3), t.cpu_ms);
  std::fflush(stdout);
}

// Throughput of the vectorised exp on cache-resident data (16K floats per
// thread, recomputed many times), i.e. the compute ceiling of the kernels,
// with one thread and with all threads.
void BenchExp(const Config& config) {
  const int64_t chunk = 16384;
  const int64_t rounds = config.quick ? 1024 : 4096;
  const int threads = at::get_num_threads();
  at::Tensor x = at::rand({threads, chunk}) * -20.0;  // the range LSE feeds it: z - max <= 0
  at::Tensor y = at::empty_like(x);
  auto run = [&](int workers) {
    at::parallel_for(0, workers, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const float* xp = x.data_ptr<float>() + t * chunk;
        float* yp = y.data_ptr<float>() + t * chunk;
        for (int64_t r = 0; r < rounds; ++r) otgan::ot::FastExp(xp, yp, chunk);
      }
    });
  };
  const int repeats = config.quick ? 3 : 7;
  const double one = MedianMs([&] { run(1); }, repeats, 1);
  const double all = MedianMs([&] { run(threads); }, repeats, 1);
  std::printf(
      "{\"bench\": \"fast_exp\", \"isa\": \"%s\", \"in_cache_floats_per_thread\": %lld, "
      "\"exp_per_s_1_thread\": %.4g, \"threads\": %d, \"exp_per_s_all_threads\": %.4g}\n",
      otgan::ot::SimdIsaName(otgan::ot::BestSimdIsa()), static_cast<long long>(chunk),
      chunk * rounds / (one * 1e-3), threads, threads * chunk * rounds / (all * 1e-3));
  std::fflush(stdout);
}

// n x n clouds in d = 784 with pixel-like values (multiples of 1/255 in [0, 1]),
// precomputed squared Euclidean cost; tensorized and fused softmin.
void BenchDense(const Config& config, int64_t n) {
  const int64_t d = 784;
  at::manual_seed(config.seed + n);
  at::Tensor x = at::round(at::rand({n, d}) * 255.0) / 255.0;
  at::Tensor y = at::round(at::rand({n, d}) * 255.0) / 255.0;
  at::Tensor c = (x.pow(2).sum(1).unsqueeze(1) + y.pow(2).sum(1).unsqueeze(0) -
                  2.0 * at::matmul(x, y.t()))
                     .clamp_min(0.0)
                     .contiguous();
  at::Tensor ct = c.t().contiguous();
  const double eps = 0.05 * SampleMedian(c);
  at::Tensor log_w = at::full({n}, -std::log(static_cast<double>(n)));
  at::NoGradGuard no_grad;  // envelope mode: the solver's fast path
  for (auto [impl, name] : {std::pair{otgan::ot::SoftminImpl::kTensorized, "tensorized"},
                            std::pair{otgan::ot::SoftminImpl::kFused, "fused"}}) {
    const bool tensorized = impl == otgan::ot::SoftminImpl::kTensorized;
    if (tensorized && config.quick && n > 1024) continue;
    at::Tensor f = at::zeros({n});
    at::Tensor g = at::zeros({n});
    auto iteration = [&] {
      f = otgan::ot::Softmin(c, g, log_w, eps, impl);
      g = otgan::ot::Softmin(ct, f, log_w, eps, impl);
    };
    const int repeats = tensorized ? (config.quick ? 1 : 3) : (config.quick ? 5 : 30);
    PrintLine(n, n, d, eps, name, Median(iteration, repeats, 1));
  }
}

// n x n clouds in the unit square, costs computed on the fly (online kernel);
// no tensorized run (it would need an n x n matrix: 16 GiB at n = 65536).
void BenchOnline(const Config& config, int64_t n, int64_t d) {
  at::manual_seed(config.seed + n + d);
  at::Tensor x = at::rand({n, d});
  at::Tensor y = at::rand({n, d});
  const int64_t s = std::min<int64_t>(n, 2000);
  at::Tensor xs = x.slice(0, 0, s), ys = y.slice(0, 0, s);
  const double eps = 0.05 * SampleMedian((xs.unsqueeze(1) - ys.unsqueeze(0)).pow(2).sum(2));
  at::Tensor log_w = at::full({n}, -std::log(static_cast<double>(n)));
  at::NoGradGuard no_grad;
  at::Tensor f = at::zeros({n});
  at::Tensor g = at::zeros({n});
  auto iteration = [&] {
    f = otgan::ot::SoftminOnline(x, y, g, log_w, eps);
    g = otgan::ot::SoftminOnline(y, x, f, log_w, eps);
  };
  PrintLine(n, n, d, eps, "online", Median(iteration, config.quick ? 1 : 3, config.quick ? 0 : 1));
}

absl::Status Run(const Config& config) {
  OTGAN_RETURN_IF_ERROR(Validate(config));
  OTGAN_ASSIGN_OR_RETURN(int threads, otgan::ConfigureThreads(config.threads));
  (void)threads;
  if (config.Has("exp")) BenchExp(config);
  for (int64_t n : {1024, 4096}) {
    if (config.Has(std::to_string(n))) BenchDense(config, n);
  }
  if (config.Has("online")) BenchOnline(config, 65536, 2);
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  Config config;
  config.threads = absl::GetFlag(FLAGS_threads);
  config.quick = absl::GetFlag(FLAGS_quick);
  config.seed = absl::GetFlag(FLAGS_seed);
  config.configs = absl::StrSplit(absl::GetFlag(FLAGS_configs), ',', absl::SkipEmpty());
  absl::Status status = Run(config);
  if (!status.ok()) {
    std::fprintf(stderr, "bench/sinkhorn: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

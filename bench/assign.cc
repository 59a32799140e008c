// Benchmark of the semi-discrete assignment of the Laschos assigner GAN
// (lib/ot/semidiscrete.h, squared Euclidean cost): N generated points against
// M = 5000 real points in 1024-d (32 x 32 images), argmin_j 0.1 |x_i - y_j|^2
// + psi_j for every i. The work is one [N, d] x [d, M] matrix product
// (2 N M d flops) plus a row argmin, so the rate is compared with a bare
// at::mm of the same chunks.
//
//   bazel run //bench:assign -- --threads=1
//   bazel run //bench:assign -- --threads=2 --n=5000,20000,130000 --repeats=3
//
// Prints one JSON object per line: n, m, d, threads, seconds (median over
// repeats of one full assignment), gflops (2 n m d / seconds), gemm_seconds
// and gemm_gflops (the bare matrix products over the same chunks), and
// cpu_seconds (process CPU time per assignment, mean over the repeats: about
// threads x seconds on an idle machine; less means other processes took the
// cores) with gflops_per_cpu_second, the rate per core actually received, and
// the same two for the bare products (gemm_cpu_seconds,
// gemm_gflops_per_cpu_second), so that the two rates compare on a shared
// machine too.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/ot/semidiscrete.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

ABSL_FLAG(int, threads, 1, "LibTorch intra-op threads (0 = all cores)");
ABSL_FLAG(std::string, n, "5000,20000,130000", "comma-separated numbers of generated points");
ABSL_FLAG(int64_t, m, 5000, "real points");
ABSL_FLAG(int64_t, d, 1024, "dimension (32 x 32 images)");
ABSL_FLAG(int, repeats, 3, "timed repeats per size (the median is reported)");
ABSL_FLAG(uint64_t, seed, 0, "random seed for the points");

namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

absl::Status Run() {
  const int repeats = absl::GetFlag(FLAGS_repeats);
  const int64_t m = absl::GetFlag(FLAGS_m), d = absl::GetFlag(FLAGS_d);
  if (repeats < 1) return absl::InvalidArgumentError("--repeats must be >= 1");
  if (m < 1 || d < 1) return absl::InvalidArgumentError("--m and --d must be >= 1");
  std::vector<int64_t> sizes;
  for (absl::string_view part : absl::StrSplit(absl::GetFlag(FLAGS_n), ',', absl::SkipEmpty())) {
    int64_t v = 0;
    if (!absl::SimpleAtoi(part, &v) || v < 1) {
      return absl::InvalidArgumentError(absl::StrCat("--n: \"", std::string(part), "\" is not a positive integer"));
    }
    sizes.push_back(v);
  }
  if (sizes.empty()) return absl::InvalidArgumentError("--n: no sizes given");
  OTGAN_ASSIGN_OR_RETURN(int threads, otgan::ConfigureThreads(absl::GetFlag(FLAGS_threads)));

  at::manual_seed(absl::GetFlag(FLAGS_seed));
  const at::Tensor y = at::rand({m, d}) * 2 - 1;
  const at::Tensor psi = at::randn({m});
  const at::Tensor yt = y.t();
  // The chunk the library picks by default (its [rows, M] block is ~16 MB).
  const int64_t chunk = std::max<int64_t>(1, (int64_t{16} << 20) / (m * 4));
  for (int64_t n : sizes) {
    const at::Tensor x = at::rand({n, d}) * 2 - 1;
    const double flops = 2.0 * static_cast<double>(n) * m * d;
    otgan::ot::AssignSemiDiscrete(x.narrow(0, 0, std::min<int64_t>(n, chunk)), y, psi,
                                  otgan::ot::CostKind::kSqEuclidean, 0.1);  // warm-up
    std::vector<double> t_assign, t_gemm;
    const std::clock_t c0 = std::clock();
    int64_t checksum = 0;
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      otgan::ot::SemiDiscreteAssignment a =
          otgan::ot::AssignSemiDiscrete(x, y, psi, otgan::ot::CostKind::kSqEuclidean, 0.1);
      t_assign.push_back(Seconds(t0));
      checksum += a.counts.max().item<int64_t>();
    }
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / repeats;
    at::Tensor block;
    const std::clock_t g0 = std::clock();
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int64_t i0 = 0; i0 < n; i0 += chunk) {
        block = at::mm(x.narrow(0, i0, std::min(chunk, n - i0)), yt);
      }
      t_gemm.push_back(Seconds(t0));
    }
    const double gemm_cpu = static_cast<double>(std::clock() - g0) / CLOCKS_PER_SEC / repeats;
    const double s = Median(t_assign), g = Median(t_gemm);
    std::printf(
        "{\"bench\": \"assign\", \"n\": %lld, \"m\": %lld, \"d\": %lld, \"threads\": %d, "
        "\"chunk_rows\": %lld, \"seconds\": %.4f, \"gflops\": %.1f, \"gemm_seconds\": %.4f, "
        "\"gemm_gflops\": %.1f, \"cpu_seconds\": %.4f, \"gflops_per_cpu_second\": %.1f, "
        "\"gemm_cpu_seconds\": %.4f, \"gemm_gflops_per_cpu_second\": %.1f, "
        "\"max_count_sum\": %lld}\n",
        static_cast<long long>(n), static_cast<long long>(m), static_cast<long long>(d), threads,
        static_cast<long long>(chunk), s, flops / s / 1e9, g, flops / g / 1e9, cpu,
        flops / cpu / 1e9, gemm_cpu, flops / gemm_cpu / 1e9, static_cast<long long>(checksum));
    std::fflush(stdout);
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::Status s = Run();
  if (!s.ok()) {
    std::fprintf(stderr, "assign: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

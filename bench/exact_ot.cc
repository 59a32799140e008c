// Benchmark of the evaluation's exact W1: n vs n points in d dimensions,
// Euclidean ground cost, float64 cost matrix + Jonker-Volgenant assignment.
// Prints one JSON object per line (one per data kind).
//
//   bazel run //bench:exact_ot                      # 5000 vs 5000 in 1024-d
//   bazel run //bench:exact_ot -- --n=2000 --data=uniform
//
// Data: "uniform" = i.i.d. uniform in [-1, 1]^d; "clusters" = image-like
// points: 10 random centres tanh(2 N(0, I)) plus N(0, 0.5^2) noise, clamped to
// [-1, 1] (most coordinates saturate near +-1 like MNIST backgrounds).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "lib/ot/assignment.h"
#include "lib/ot/cost.h"
#include "lib/ot/exact.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

ABSL_FLAG(int64_t, n, 5000, "points per cloud (n vs n)");
ABSL_FLAG(int64_t, d, 1024, "dimension");
ABSL_FLAG(int64_t, seed, 0, "random seed");
ABSL_FLAG(int, threads, 0, "LibTorch intra-op threads (0 = all cores)");
ABSL_FLAG(std::string, data, "uniform,clusters", "comma-separated: uniform | clusters");

namespace {

struct Config {
  int64_t n;
  int64_t d;
  int64_t seed;
  int threads;
  std::vector<std::string> data;
};

absl::StatusOr<Config> ReadConfig() {
  Config c{absl::GetFlag(FLAGS_n), absl::GetFlag(FLAGS_d), absl::GetFlag(FLAGS_seed),
           absl::GetFlag(FLAGS_threads), {}};
  if (c.n < 1) return absl::InvalidArgumentError("--n must be >= 1");
  if (c.d < 1) return absl::InvalidArgumentError("--d must be >= 1");
  for (absl::string_view s : absl::StrSplit(absl::GetFlag(FLAGS_data), ',')) {
    if (s != "uniform" && s != "clusters") {
      return absl::InvalidArgumentError(
          absl::StrCat("--data: expected uniform or clusters, got '", s, "'"));
    }
    c.data.emplace_back(s);
  }
  return c;
}

at::Tensor Sample(const std::string& kind, int64_t n, int64_t d, at::Generator& gen,
                  const at::Tensor& centres) {
  if (kind == "uniform") return at::rand({n, d}, gen, at::kFloat) * 2 - 1;
  at::Tensor which = at::randint(centres.size(0), {n}, gen, at::kLong);
  at::Tensor noise = at::randn({n, d}, gen, at::kFloat) * 0.5;
  return (centres.index_select(0, which) + noise).clamp(-1, 1);
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

absl::Status Run(const Config& c) {
  OTGAN_ASSIGN_OR_RETURN(int threads, otgan::ConfigureThreads(c.threads));
  for (const std::string& kind : c.data) {
    at::Generator gen = at::detail::createCPUGenerator(c.seed);
    at::Tensor centres = at::tanh(2 * at::randn({10, c.d}, gen, at::kFloat));
    at::Tensor x = Sample(kind, c.n, c.d, gen, centres);
    at::Tensor y = Sample(kind, c.n, c.d, gen, centres);
    auto t0 = std::chrono::steady_clock::now();
    OTGAN_ASSIGN_OR_RETURN(at::Tensor cost, otgan::ot::EuclideanCostMatrix(x, y));
    const double t_cost = Seconds(t0);
    // Reference: the generic differentiable PairwiseCost path (float64, chunked,
    // masked sqrt), timed in the same run, and its largest deviation.
    auto tr = std::chrono::steady_clock::now();
    at::Tensor reference;
    {
      at::NoGradGuard no_grad;
      reference = otgan::ot::PairwiseCost(x.to(at::kDouble), y.to(at::kDouble),
                                          otgan::ot::CostKind::kEuclidean);
    }
    const double t_reference = Seconds(tr);
    const double max_dev = (reference - cost).abs().max().item<double>();
    reference = at::Tensor();
    auto t1 = std::chrono::steady_clock::now();
    OTGAN_ASSIGN_OR_RETURN(otgan::ot::AssignmentResult r, otgan::ot::SolveAssignment(cost));
    const double t_solve = Seconds(t1);
    const double t_total = t_cost + t_solve;  // the reference timing is not part of it
    std::printf(
        "{\"data\": \"%s\", \"n\": %lld, \"d\": %lld, \"seconds_cost_matrix\": %.3f, "
        "\"seconds_cost_matrix_pairwise_reference\": %.3f, \"max_abs_deviation\": %.3g, "
        "\"seconds_solve\": %.3f, \"seconds_total\": %.3f, \"value\": %.10g, "
        "\"verified\": %s, \"max_reduced_cost_violation\": %.3g, \"augmentations\": %lld, "
        "\"threads\": %d}\n",
        kind.c_str(), static_cast<long long>(c.n), static_cast<long long>(c.d), t_cost,
        t_reference, max_dev, t_solve,
        t_total, r.mean_cost, r.verified ? "true" : "false", r.max_reduced_cost_violation,
        static_cast<long long>(r.augmentations), threads);
    std::fflush(stdout);
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto config = ReadConfig();
  absl::Status s = config.ok() ? Run(*config) : config.status();
  if (!s.ok()) {
    std::fprintf(stderr, "exact_ot: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

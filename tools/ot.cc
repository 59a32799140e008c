// `ot`: optimal-transport values between point clouds stored as .npy files.
//
//   bazel run //tools:ot -- sinkhorn --x=a.npy --y=b.npy --cost=sqeuclidean --eps=0.1
//   bazel run //tools:ot -- exact --x=a.npy --y=b.npy --cost=euclidean
//   bazel run //tools:ot -- divergence --x=a.npy --y=b.npy --eps=1
//   bazel run //tools:ot -- energy --x=a.npy --x2=a2.npy --y=b.npy --y2=b2.npy --cost=cosine
//
// Prints one JSON object on stdout: mode, value, iterations, marginal_error,
// converged, seconds, n, m, d, cost, eps (null for exact), dtype. Values:
//   exact       exact OT cost (lib/ot/exact.h), uniform weights
//   sinkhorn    <P_eps, C> (as POT's sinkhorn2), plus dual_value = <f,a> + <g,b>
//   divergence  2 W(x,y) - W(x,x) - W(y,y), W = <P_eps, C> (twice POT's
//               empirical_sinkhorn_divergence)
//   energy      W(x,y) + W(x,y2) + W(x2,y) + W(x2,y2) - 2 W(x,x2) - 2 W(y,y2)
// For several solves, iterations and marginal_error are the worst over the
// solves and converged means all converged. Computation runs in the dtype of
// the .npy data (float32 or float64) unless --dtype says otherwise. Relative
// paths resolve against the invoking directory (BUILD_WORKING_DIRECTORY under
// `bazel run`). Bad flags or files (float flags must be finite), and a
// non-finite result (overflow: the message suggests a larger --eps or
// --dtype=float64): one line on stderr, exit status 1.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/io/flag_values.h"
#include "lib/io/npy.h"
#include "lib/ot/cost.h"
#include "lib/ot/divergence.h"
#include "lib/ot/exact.h"
#include "lib/ot/sinkhorn.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

ABSL_FLAG(std::string, x, "", "first point cloud, .npy [n, d]");
ABSL_FLAG(std::string, y, "", "second point cloud, .npy [m, d]");
ABSL_FLAG(std::string, x2, "", "energy only: second batch of x, .npy [n2, d]");
ABSL_FLAG(std::string, y2, "", "energy only: second batch of y, .npy [m2, d]");
ABSL_FLAG(std::string, cost, "sqeuclidean", "sqeuclidean | euclidean | cosine");
ABSL_FLAG(double, eps, 1.0, "entropic regularisation (Sinkhorn modes), in cost units");
ABSL_FLAG(int, max_iter, 1000, "Sinkhorn iterations at most (per solve)");
ABSL_FLAG(double, tol, 1e-6, "stop when the L1 marginal error is below; 0 = run max_iter");
ABSL_FLAG(int, check_every, 10, "iterations between marginal-error checks");
ABSL_FLAG(bool, eps_scaling, false, "anneal eps from the cost spread down to --eps");
ABSL_FLAG(bool, symmetric, true,
          "divergence: symmetric (averaged) updates for the self-transport terms W(x,x), W(y,y)");
ABSL_FLAG(std::string, dtype, "auto", "auto (as stored) | float32 | float64");
ABSL_FLAG(int, threads, 0, "intra-op threads; 0 = all cores");

namespace otgan::tools {
namespace {

struct Config {
  std::string mode;
  std::string x, y, x2, y2;
  ot::CostKind cost = ot::CostKind::kSqEuclidean;
  ot::SinkhornOptions sinkhorn;
  std::string dtype;
  int threads = 0;
};

std::string ResolveInput(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (wd != nullptr && *wd != '\0') return absl::StrCat(wd, "/", path);
  return path;
}

absl::StatusOr<Config> ConfigFromFlags(const std::vector<char*>& args) {
  Config c;
  if (args.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected exactly one mode (exact | sinkhorn | divergence | energy), got ",
        args.size() - 1, " positional arguments"));
  }
  c.mode = args[1];
  if (c.mode != "exact" && c.mode != "sinkhorn" && c.mode != "divergence" && c.mode != "energy") {
    return absl::InvalidArgumentError(absl::StrCat(
        "mode \"", c.mode, "\": expected exact, sinkhorn, divergence or energy"));
  }
  c.x = ResolveInput(absl::GetFlag(FLAGS_x));
  c.y = ResolveInput(absl::GetFlag(FLAGS_y));
  c.x2 = ResolveInput(absl::GetFlag(FLAGS_x2));
  c.y2 = ResolveInput(absl::GetFlag(FLAGS_y2));
  if (c.x.empty() || c.y.empty()) return absl::InvalidArgumentError("--x and --y are required");
  if (c.mode == "energy" && (c.x2.empty() || c.y2.empty())) {
    return absl::InvalidArgumentError("energy needs --x2 and --y2 as well");
  }
  if (c.mode != "energy" && (!c.x2.empty() || !c.y2.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--x2/--y2 are only used by energy, not ", c.mode));
  }
  auto cost = ot::ParseCostKind(absl::GetFlag(FLAGS_cost));
  if (!cost.ok()) return absl::InvalidArgumentError(absl::StrCat("--", cost.status().message()));
  c.cost = *cost;
  c.sinkhorn.eps = absl::GetFlag(FLAGS_eps);
  c.sinkhorn.max_iter = absl::GetFlag(FLAGS_max_iter);
  c.sinkhorn.tol = absl::GetFlag(FLAGS_tol);
  c.sinkhorn.check_every = absl::GetFlag(FLAGS_check_every);
  c.sinkhorn.eps_scaling = absl::GetFlag(FLAGS_eps_scaling);
  // Only SinkhornDivergence's self terms use it (cross terms never do).
  c.sinkhorn.symmetric = absl::GetFlag(FLAGS_symmetric);
  if (absl::Status s = ot::ValidateSinkhornOptions(c.sinkhorn); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("flag ", s.message()));
  }
  c.dtype = absl::GetFlag(FLAGS_dtype);
  if (c.dtype != "auto" && c.dtype != "float32" && c.dtype != "float64") {
    return absl::InvalidArgumentError(
        absl::StrCat("--dtype=", c.dtype, ": expected auto, float32 or float64"));
  }
  c.threads = absl::GetFlag(FLAGS_threads);
  return c;
}

absl::StatusOr<at::Tensor> LoadCloud(const std::string& path, const std::string& flag,
                                     const std::string& dtype) {
  OTGAN_ASSIGN_OR_RETURN(at::Tensor t, io::ReadNpy(path));
  if (t.dim() != 2 || t.size(0) == 0 || t.size(1) == 0) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, "=", path,
                                                   ": expected a non-empty [n, d] array, got shape [",
                                                   absl::StrJoin(t.sizes(), ", "), "]"));
  }
  if (!t.is_floating_point() && dtype == "auto") t = t.to(at::kDouble);
  if (dtype == "float32") t = t.to(at::kFloat);
  if (dtype == "float64") t = t.to(at::kDouble);
  if (!at::isfinite(t).all().item<bool>()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", path, ": contains NaN or infinite values"));
  }
  return t;
}

std::string Number(double v) {
  return std::isfinite(v) ? absl::StrFormat("%.17g", v) : std::string("null");
}

absl::Status Run(const Config& c) {
  OTGAN_RETURN_IF_ERROR(ConfigureThreads(c.threads).status());
  OTGAN_ASSIGN_OR_RETURN(at::Tensor x, LoadCloud(c.x, "x", c.dtype));
  OTGAN_ASSIGN_OR_RETURN(at::Tensor y, LoadCloud(c.y, "y", c.dtype));
  at::Tensor x2, y2;
  if (c.mode == "energy") {
    OTGAN_ASSIGN_OR_RETURN(x2, LoadCloud(c.x2, "x2", c.dtype));
    OTGAN_ASSIGN_OR_RETURN(y2, LoadCloud(c.y2, "y2", c.dtype));
  }
  // One dtype and one dimension for all clouds.
  const at::ScalarType type = x.scalar_type();
  std::vector<std::pair<std::string, at::Tensor*>> clouds = {{"y", &y}};
  if (c.mode == "energy") clouds.insert(clouds.end(), {{"x2", &x2}, {"y2", &y2}});
  for (auto& [flag, t] : clouds) {
    if (t->size(1) != x.size(1)) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, ": dimension ", t->size(1),
                                                     " differs from --x's ", x.size(1)));
    }
    *t = t->to(type);
  }

  at::NoGradGuard no_grad;
  double value = 0, marginal_error = 0, dual_value = NAN;
  int64_t iterations = 0;
  bool converged = true;
  const auto start = std::chrono::steady_clock::now();
  OTGAN_RETURN_IF_ERROR(TorchCall(c.mode, [&] {
    if (c.mode == "exact") {
      return;  // handled below: ExactOt returns a Status of its own
    }
    if (c.mode == "sinkhorn") {
      at::Tensor cost = ot::PairwiseCost(x, y, c.cost);
      ot::SinkhornOptions o = c.sinkhorn;
      o.symmetric = false;
      ot::SinkhornResult r = ot::SolveSinkhorn(cost, at::Tensor(), at::Tensor(), o);
      value = (ot::SinkhornPlan(cost, r, at::Tensor(), at::Tensor(), c.sinkhorn.eps) * cost)
                  .sum()
                  .item<double>();
      dual_value = (r.f.mean() + r.g.mean()).item<double>();
      iterations = r.iterations;
      marginal_error = r.marginal_error;
      converged = r.converged;
      return;
    }
    ot::SinkhornStats stats;
    at::Tensor v = c.mode == "divergence"
                       ? ot::SinkhornDivergence(x, y, c.cost, c.sinkhorn, ot::GradMode::kEnvelope,
                                                &stats)
                       : ot::MinibatchEnergyDistance(x, x2, y, y2, c.cost, c.sinkhorn,
                                                     ot::GradMode::kEnvelope, &stats);
    value = v.item<double>();
    iterations = stats.max_iterations;
    marginal_error = stats.max_marginal_error;
    converged = stats.all_converged;
  }));
  if (c.mode == "exact") {
    OTGAN_ASSIGN_OR_RETURN(at::Tensor cost, TorchCall("cost", [&] {
                             return ot::PairwiseCost(x.to(at::kDouble), y.to(at::kDouble), c.cost);
                           }));
    OTGAN_ASSIGN_OR_RETURN(ot::ExactOtResult r, ot::ExactOt(cost));
    value = r.value;
    iterations = r.iterations;
    const double n = static_cast<double>(x.size(0)), m = static_cast<double>(y.size(0));
    marginal_error = ((r.plan.sum(1) - 1 / n).abs().sum() + (r.plan.sum(0) - 1 / m).abs().sum())
                         .item<double>();
    converged = true;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A non-finite result is an overflow / underflow of the computation, not an
  // answer: refuse it (exit 1) instead of printing null.
  std::vector<std::string> bad;
  if (!std::isfinite(value)) bad.push_back(absl::StrCat("value = ", value));
  if (!std::isfinite(marginal_error)) bad.push_back(absl::StrCat("marginal error = ", marginal_error));
  if (c.mode == "sinkhorn" && !std::isfinite(dual_value)) {
    bad.push_back(absl::StrCat("dual value = ", dual_value));
  }
  if (!bad.empty()) {
    const std::string dtype = type == at::kFloat ? "float32" : "float64";
    return absl::OutOfRangeError(absl::StrCat(
        c.mode, " result is not finite (", absl::StrJoin(bad, ", "), ") in ",
        c.mode == "exact" ? "float64" : dtype,
        c.mode == "exact" ? "" : absl::StrCat(" with eps = ", c.sinkhorn.eps),
        ": the costs overflow or cost/eps exceeds the floating-point range; ",
        c.mode == "exact" ? "rescale the inputs"
                          : (type == at::kFloat ? "try --dtype=float64, a larger --eps, or rescaled inputs"
                                                : "try a larger --eps or rescaled inputs")));
  }

  std::string json = absl::StrCat(
      "{\"mode\": \"", c.mode, "\", \"value\": ", Number(value), ", \"iterations\": ", iterations,
      ", \"marginal_error\": ", Number(marginal_error),
      ", \"converged\": ", converged ? "true" : "false", ", \"seconds\": ", absl::StrFormat("%.6g", seconds),
      ", \"n\": ", x.size(0), ", \"m\": ", y.size(0), ", \"d\": ", x.size(1), ", \"cost\": \"",
      ot::CostKindName(c.cost), "\", \"eps\": ", c.mode == "exact" ? "null" : Number(c.sinkhorn.eps),
      ", \"dtype\": \"", type == at::kFloat ? "float32" : "float64", "\"");
  if (c.mode == "sinkhorn") absl::StrAppend(&json, ", \"dual_value\": ", Number(dual_value));
  if (c.mode == "energy") absl::StrAppend(&json, ", \"n2\": ", x2.size(0), ", \"m2\": ", y2.size(0));
  absl::StrAppend(&json, "}\n");
  std::fputs(json.c_str(), stdout);
  return absl::OkStatus();
}

}  // namespace
}  // namespace otgan::tools

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "ot <exact|sinkhorn|divergence|energy> --x=A.npy --y=B.npy [--x2= --y2=] "
      "[--cost= --eps= --max_iter= --tol= --threads=]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (absl::Status finite = otgan::io::CheckFloatFlagsFinite({"tools/"}); !finite.ok()) {
    std::fprintf(stderr, "ot: %s\n", std::string(finite.message()).c_str());
    return 1;
  }
  auto config = otgan::tools::ConfigFromFlags(args);
  absl::Status status = config.ok() ? otgan::tools::Run(*config) : config.status();
  if (!status.ok()) {
    std::fprintf(stderr, "ot: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}

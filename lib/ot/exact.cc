#include "lib/ot/exact.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/ot/assignment.h"
#include "lib/ot/cost.h"
#include "lib/util/status.h"

namespace otgan::ot {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Reads weights `w` ([len], undefined = uniform 1/len) into doubles.
absl::StatusOr<std::vector<double>> ReadWeights(const at::Tensor& w, int64_t len,
                                                const char* name) {
  if (!w.defined()) return std::vector<double>(len, 1.0 / static_cast<double>(len));
  if (w.dim() != 1 || w.size(0) != len || !at::isFloatingType(w.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ExactOt: weights ", name, " must be a floating 1-D tensor of length ", len, ", got ",
        c10::toString(w.scalar_type()), " ", c10::str(w.sizes())));
  }
  at::Tensor w64 = w.detach().to(at::kCPU, at::kDouble).contiguous();
  const double* p = w64.data_ptr<double>();
  std::vector<double> out(p, p + len);
  for (int64_t i = 0; i < len; ++i) {
    if (!std::isfinite(out[i]) || out[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat("ExactOt: weights ", name, "[", i,
                                                     "] = ", out[i],
                                                     "; expected finite and nonnegative"));
    }
  }
  return out;
}

bool AllEqual(const std::vector<double>& w) {
  const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
  return *hi - *lo <= 1e-12 * *hi;
}

// Successive shortest paths on the transportation network: sources i (supply
// a_i), sinks j (demand b_j), arcs i -> j with cost C_ij and unbounded
// capacity, residual arcs j -> i with cost -C_ij while P_ij > 0. Potentials
// keep reduced costs rc_ij = C_ij + pi_s[i] - pi_t[j] >= 0 (= 0 on arcs with
// flow), so Dijkstra applies; each augmentation empties a supply, a demand or
// a residual arc.
class SuccessiveShortestPaths {
 public:
  SuccessiveShortestPaths(const double* cost, int64_t n, int64_t m, std::vector<double> a,
                          std::vector<double> b, double* plan)
      : c_(cost), n_(n), m_(m), supply_(std::move(a)), demand_(std::move(b)), p_(plan) {}

  absl::Status Run(double total_mass, int64_t* iterations) {
    const double eps = 1e-13 * total_mass;
    for (double& s : supply_) s = s > eps ? s : 0.0;
    for (double& d : demand_) d = d > eps ? d : 0.0;
    pi_s_.assign(n_, 0.0);
    pi_t_.assign(m_, kInf);
    for (int64_t i = 0; i < n_; ++i) {
      for (int64_t j = 0; j < m_; ++j) pi_t_[j] = std::min(pi_t_[j], c_[i * m_ + j]);
    }
    dist_s_.resize(n_);
    dist_t_.resize(m_);
    pred_s_.resize(n_);
    pred_t_.resize(m_);
    done_s_.resize(n_);
    done_t_.resize(m_);
    const int64_t max_iterations = 4 * n_ * m_ + 1000;
    *iterations = 0;
    while (true) {
      double remaining = 0;
      for (double s : supply_) remaining += s;
      if (remaining == 0) return absl::OkStatus();
      if (*iterations >= max_iterations) {
        return absl::InternalError(absl::StrCat(
            "ExactOt: no convergence after ", *iterations, " augmentations on an ", n_, " x ",
            m_, " problem (remaining mass ", remaining, ")"));
      }
      int64_t target = -1;
      double dist = 0;
      ShortestPath(&target, &dist);
      if (target < 0) {
        if (remaining <= 1e-9 * total_mass) return absl::OkStatus();
        return absl::InternalError(absl::StrCat(
            "ExactOt: supply ", remaining, " left with no reachable demand (masses differ?)"));
      }
      for (int64_t i = 0; i < n_; ++i) pi_s_[i] += std::min(dist_s_[i], dist);
      for (int64_t j = 0; j < m_; ++j) pi_t_[j] += std::min(dist_t_[j], dist);
      AugmentTo(target, eps);
      ++*iterations;
    }
  }

  const std::vector<double>& pi_s() const { return pi_s_; }
  const std::vector<double>& pi_t() const { return pi_t_; }

 private:
  // Dijkstra from every source with supply left, stopping at the first sink
  // with demand left. Nodes: sources 0..n-1, sinks n..n+m-1.
  void ShortestPath(int64_t* target, double* target_dist) {
    using Entry = std::pair<double, int64_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    std::fill(dist_s_.begin(), dist_s_.end(), kInf);
    std::fill(dist_t_.begin(), dist_t_.end(), kInf);
    std::fill(pred_s_.begin(), pred_s_.end(), -1);
    std::fill(pred_t_.begin(), pred_t_.end(), -1);
    std::fill(done_s_.begin(), done_s_.end(), 0);
    std::fill(done_t_.begin(), done_t_.end(), 0);
    for (int64_t i = 0; i < n_; ++i) {
      if (supply_[i] > 0) {
        dist_s_[i] = 0;
        heap.push({0.0, i});
      }
    }
    while (!heap.empty()) {
      const auto [d, node] = heap.top();
      heap.pop();
      if (node < n_) {
        const int64_t i = node;
        if (done_s_[i] || d > dist_s_[i]) continue;
        done_s_[i] = 1;
        const double* row = c_ + i * m_;
        for (int64_t j = 0; j < m_; ++j) {
          if (done_t_[j]) continue;
          const double nd = d + std::max(0.0, row[j] + pi_s_[i] - pi_t_[j]);
          if (nd < dist_t_[j]) {
            dist_t_[j] = nd;
            pred_t_[j] = i;
            heap.push({nd, n_ + j});
          }
        }
      } else {
        const int64_t j = node - n_;
        if (done_t_[j] || d > dist_t_[j]) continue;
        done_t_[j] = 1;
        if (demand_[j] > 0) {
          *target = j;
          *target_dist = d;
          return;
        }
        for (int64_t i = 0; i < n_; ++i) {
          if (done_s_[i] || p_[i * m_ + j] <= 0) continue;
          const double nd = d + std::max(0.0, pi_t_[j] - pi_s_[i] - c_[i * m_ + j]);
          if (nd < dist_s_[i]) {
            dist_s_[i] = nd;
            pred_s_[i] = j;
            heap.push({nd, i});
          }
        }
      }
    }
  }

  void AugmentTo(int64_t target, double eps) {
    // Bottleneck: the root's supply, the target's demand, residual arcs' flow.
    double delta = demand_[target];
    int64_t j = target;
    int64_t i = pred_t_[j];
    while (pred_s_[i] >= 0) {
      const int64_t back = pred_s_[i];
      delta = std::min(delta, p_[i * m_ + back]);
      j = back;
      i = pred_t_[j];
    }
    const int64_t root = i;
    delta = std::min(delta, supply_[root]);
    j = target;
    i = pred_t_[j];
    while (true) {
      p_[i * m_ + j] += delta;
      const int64_t back = pred_s_[i];
      if (back < 0) break;
      double& f = p_[i * m_ + back];
      f -= delta;
      if (f <= eps) f = 0;
      j = back;
      i = pred_t_[j];
    }
    supply_[root] -= delta;
    if (supply_[root] <= eps) supply_[root] = 0;
    demand_[target] -= delta;
    if (demand_[target] <= eps) demand_[target] = 0;
  }

  const double* c_;
  int64_t n_, m_;
  std::vector<double> supply_, demand_;
  double* p_;
  std::vector<double> pi_s_, pi_t_, dist_s_, dist_t_;
  std::vector<int64_t> pred_s_, pred_t_;
  std::vector<char> done_s_, done_t_;
};

}  // namespace

int64_t ExactOtMemoryEstimate(int64_t n, int64_t m) {
  // float64 cost copy + float64 plan + O(n + m) node arrays (+ heap).
  return 16 * n * m + 64 * (n + m);
}

absl::StatusOr<ExactOtResult> ExactOt(const at::Tensor& cost, const at::Tensor& a,
                                      const at::Tensor& b, const ExactOtOptions& options) {
  if (!cost.defined() || cost.dim() != 2 || !at::isFloatingType(cost.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ExactOt: expected a floating [n, m] cost matrix, got ",
        cost.defined() ? c10::toString(cost.scalar_type()) + std::string(" ") +
                             c10::str(cost.sizes())
                       : std::string("an undefined tensor")));
  }
  const int64_t n = cost.size(0);
  const int64_t m = cost.size(1);
  if (n == 0 || m == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ExactOt: empty cost matrix ", c10::str(cost.sizes())));
  }
  OTGAN_ASSIGN_OR_RETURN(std::vector<double> wa, ReadWeights(a, n, "a"));
  OTGAN_ASSIGN_OR_RETURN(std::vector<double> wb, ReadWeights(b, m, "b"));
  long double sa = 0, sb = 0;
  for (double w : wa) sa += w;
  for (double w : wb) sb += w;
  if (!(sa > 0) || !(sb > 0) ||
      std::abs(static_cast<double>(sa - sb)) >
          options.mass_tolerance * static_cast<double>(std::max(sa, sb))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ExactOt: weights must be positive in total and have equal totals (relative "
        "tolerance ",
        options.mass_tolerance, "); got sum a = ", static_cast<double>(sa),
        ", sum b = ", static_cast<double>(sb)));
  }
  const double total = static_cast<double>(sa);
  for (double& w : wb) w *= static_cast<double>(sa / sb);

  ExactOtResult result;
  if (n == m && AllEqual(wa) && AllEqual(wb)) {
    AssignmentOptions aopt;
    aopt.max_bytes = options.max_bytes;
    aopt.relative_tolerance = options.relative_tolerance;
    OTGAN_ASSIGN_OR_RETURN(AssignmentResult r, SolveAssignment(cost, aopt));
    const double mass = total / static_cast<double>(n);
    result.plan = at::zeros({n, m}, at::kDouble);
    double* p = result.plan.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) p[i * m + r.row_to_col[i]] = mass;
    result.value = mass * r.total_cost;
    result.f = at::tensor(r.row_potential, at::kDouble);
    result.g = at::tensor(r.col_potential, at::kDouble);
    result.dual_value = mass * (r.total_cost - r.duality_gap);
    result.max_dual_violation = r.max_reduced_cost_violation;
    result.iterations = r.augmentations;
    result.used_assignment = true;
    return result;
  }

  const int64_t need = ExactOtMemoryEstimate(n, m);
  if (n * m > options.max_general_cells || need > options.max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "ExactOt: the general (non-uniform or n != m) solver refuses an ", n, " x ", m,
        " problem: it would need about ", FormatBytes(need),
        " of memory and O((n + m) n m) time; limits are options.max_general_cells = ",
        options.max_general_cells, " cells and options.max_bytes = ",
        FormatBytes(options.max_bytes),
        " (uniform n vs n problems use the assignment solver instead)"));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor c64, TorchCall("ExactOt: copy cost", [&] {
                           return cost.detach().to(at::kCPU, at::kDouble).contiguous();
                         }));
  const double* c = c64.data_ptr<double>();
  double max_abs = 0;
  for (int64_t k = 0; k < n * m; ++k) {
    if (!std::isfinite(c[k])) {
      return absl::InvalidArgumentError(absl::StrCat("ExactOt: cost entry (", k / m, ", ",
                                                     k % m, ") is ", c[k],
                                                     "; expected finite values"));
    }
    max_abs = std::max(max_abs, std::abs(c[k]));
  }
  result.plan = at::zeros({n, m}, at::kDouble);
  double* p = result.plan.data_ptr<double>();
  SuccessiveShortestPaths ssp(c, n, m, wa, wb, p);
  OTGAN_RETURN_IF_ERROR(ssp.Run(total, &result.iterations));

  // Certificate: f = -pi_s, g = pi_t.
  result.f = at::empty({n}, at::kDouble);
  result.g = at::empty({m}, at::kDouble);
  double* f = result.f.data_ptr<double>();
  double* g = result.g.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) f[i] = -ssp.pi_s()[i];
  for (int64_t j = 0; j < m; ++j) g[j] = ssp.pi_t()[j];
  long double primal = 0, dual = 0;
  double violation = -kInf, slack = 0;
  for (int64_t i = 0; i < n; ++i) {
    dual += static_cast<long double>(wa[i]) * f[i];
    for (int64_t j = 0; j < m; ++j) {
      const double r = f[i] + g[j] - c[i * m + j];
      violation = std::max(violation, r);
      if (p[i * m + j] > 0) {
        primal += static_cast<long double>(p[i * m + j]) * c[i * m + j];
        slack = std::max(slack, std::abs(r));
      }
    }
  }
  for (int64_t j = 0; j < m; ++j) dual += static_cast<long double>(wb[j]) * g[j];
  result.value = static_cast<double>(primal);
  result.dual_value = static_cast<double>(dual);
  result.max_dual_violation = violation;
  const double tol = options.relative_tolerance * std::max(max_abs, 1e-300);
  const double gap = std::abs(result.value - result.dual_value);
  if (violation > tol || slack > tol || gap > tol * total * 10 + 1e-9 * std::abs(result.value)) {
    return absl::InternalError(absl::StrCat(
        "ExactOt: optimality certificate failed on an ", n, " x ", m,
        " problem: dual violation ", violation, ", slackness ", slack, ", primal ",
        result.value, " vs dual ", result.dual_value, " (tolerance ", tol, ")"));
  }
  return result;
}

absl::StatusOr<at::Tensor> EuclideanCostMatrix(const at::Tensor& x, const at::Tensor& y) {
  if (!x.defined() || !y.defined() || x.dim() != 2 || y.dim() != 2 || x.size(1) != y.size(1) ||
      !at::isFloatingType(x.scalar_type()) || !at::isFloatingType(y.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "EuclideanCostMatrix: expected floating point clouds x [n, d] and y [m, d], got ",
        x.defined() ? c10::str(x.sizes()) : "undefined", " and ",
        y.defined() ? c10::str(y.sizes()) : "undefined"));
  }
  // One float64 GEMM (OpenBLAS, multithreaded) and one fused pass over the
  // [n, m] result: d_ij = sqrt(|x_i|^2 + |y_j|^2 - 2 <x_i, y_j>), with entries
  // below the expansion's rounding noise (~8 eps_mach (|x_i|^2 + |y_j|^2), the
  // same threshold as PairwiseCost) set to exactly 0. No autograd, no [n, m]
  // temporaries besides the result.
  return TorchCall("EuclideanCostMatrix", [&] {
    at::NoGradGuard no_grad;
    at::Tensor xd = x.detach().to(at::kCPU, at::kDouble).contiguous();
    at::Tensor yd = y.detach().to(at::kCPU, at::kDouble).contiguous();
    at::Tensor x2 = (xd * xd).sum(1).contiguous();
    at::Tensor y2 = (yd * yd).sum(1).contiguous();
    at::Tensor d = at::mm(xd, yd.t()).contiguous();  // <x_i, y_j>
    const int64_t n = d.size(0);
    const int64_t m = d.size(1);
    double* p = d.data_ptr<double>();
    const double* px = x2.data_ptr<double>();
    const double* py = y2.data_ptr<double>();
    constexpr double kNoise = 8 * 2.220446049250313e-16;
    at::parallel_for(0, n, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        double* row = p + i * m;
        const double xi = px[i];
        for (int64_t j = 0; j < m; ++j) {
          const double base = xi + py[j];
          const double d2 = base - 2.0 * row[j];
          row[j] = d2 > base * kNoise ? std::sqrt(d2) : 0.0;
        }
      }
    });
    return d;
  });
}

absl::StatusOr<double> ExactW1Points(const at::Tensor& x, const at::Tensor& y) {
  if (!x.defined() || !y.defined() || x.dim() != 2 || y.dim() != 2 || x.size(1) != y.size(1) ||
      !at::isFloatingType(x.scalar_type()) || !at::isFloatingType(y.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ExactW1Points: expected floating point clouds x [n, d] and y [m, d], got ",
        x.defined() ? c10::str(x.sizes()) : "undefined", " and ",
        y.defined() ? c10::str(y.sizes()) : "undefined"));
  }
  const int64_t n = x.size(0);
  const int64_t m = y.size(0);
  // Refuse before allocating the [n, m] float64 matrix.
  const int64_t need = n == m ? 8 * n * n + AssignmentMemoryEstimate(n, false)
                              : ExactOtMemoryEstimate(n, m);
  const int64_t limit = AssignmentOptions().max_bytes;
  if (need > limit) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "ExactW1Points: ", n, " vs ", m, " points need about ", FormatBytes(need),
        " of memory, more than ", FormatBytes(limit)));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor cost, EuclideanCostMatrix(x, y));
  if (n == m) {
    OTGAN_ASSIGN_OR_RETURN(AssignmentResult r, SolveAssignment(cost));
    return r.mean_cost;
  }
  OTGAN_ASSIGN_OR_RETURN(ExactOtResult r, ExactOt(cost));
  return r.value;
}

}  // namespace otgan::ot

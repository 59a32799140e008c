#include "lib/ot/assignment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status.h"

namespace otgan::ot {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The Jonker-Volgenant (1987) dense solver. Invariant after every phase: each
// assigned row i has x[i] = argmin_j C_ij - v_j (up to rounding), so the
// potentials (u_i = C_i,x[i] - v_x[i], v) certify optimality once all rows are
// assigned. x: row -> column, y: column -> row (-1 = free).
class JonkerVolgenant {
 public:
  JonkerVolgenant(const double* cost, int n, int arr_passes)
      : c_(cost), n_(n), arr_passes_(arr_passes), x_(n, -1), y_(n, -1), v_(n, 0.0),
        free_rows_(n) {}

  void Solve() {
    int num_free = ColumnReduction();
    for (int pass = 0; pass < arr_passes_ && num_free > 0; ++pass) {
      num_free = AugmentingRowReduction(num_free);
    }
    augmentations_ = num_free;
    if (num_free > 0) Augment(num_free);
  }

  const std::vector<int>& x() const { return x_; }
  const std::vector<double>& v() const { return v_; }
  int64_t augmentations() const { return augmentations_; }

 private:
  const double* Row(int i) const { return c_ + static_cast<int64_t>(i) * n_; }

  // Column reduction (v_j = min_i C_ij, each column given to its argmin row if
  // that row is still free) and reduction transfer. Returns the free rows.
  int ColumnReduction() {
    std::vector<int> argmin(n_, 0);
    std::fill(v_.begin(), v_.end(), kInf);
    for (int i = 0; i < n_; ++i) {
      const double* row = Row(i);
      for (int j = 0; j < n_; ++j) {
        if (row[j] < v_[j]) {
          v_[j] = row[j];
          argmin[j] = i;
        }
      }
    }
    std::vector<char> unique(n_, 1);
    for (int j = n_ - 1; j >= 0; --j) {
      const int i = argmin[j];
      if (x_[i] < 0) {
        x_[i] = j;
        y_[j] = i;
      } else {
        unique[i] = 0;
        y_[j] = -1;
      }
    }
    int num_free = 0;
    for (int i = 0; i < n_; ++i) {
      if (x_[i] < 0) {
        free_rows_[num_free++] = i;
      } else if (unique[i] && n_ > 1) {
        // Reduction transfer: lower v of the row's column until the row's
        // second-best column ties with it.
        const int j = x_[i];
        const double* row = Row(i);
        double best = kInf;
        for (int k = 0; k < n_; ++k) {
          if (k == j) continue;
          best = std::min(best, row[k] - v_[k]);
        }
        v_[j] -= best;
      }
    }
    return num_free;
  }

  // Augmenting row reduction: each free row takes its best column, lowering
  // that column's price by the gap to its second best; the displaced row
  // becomes free. Returns the rows still free.
  int AugmentingRowReduction(int num_free) {
    int current = 0;
    int new_free = 0;
    int64_t count = 0;
    while (current < num_free) {
      ++count;
      const int free_i = free_rows_[current++];
      const double* row = Row(free_i);
      int j1 = 0;
      double u1 = row[0] - v_[0];
      int j2 = -1;
      double u2 = kInf;
      for (int j = 1; j < n_; ++j) {
        const double h = row[j] - v_[j];
        if (h < u2) {
          if (h >= u1) {
            u2 = h;
            j2 = j;
          } else {
            u2 = u1;
            u1 = h;
            j2 = j1;
            j1 = j;
          }
        }
      }
      int i0 = y_[j1];
      const double v1_new = v_[j1] - (u2 - u1);
      const bool v1_lowers = v1_new < v_[j1];
      if (count < static_cast<int64_t>(current) * n_) {
        if (v1_lowers) {
          v_[j1] = v1_new;
        } else if (i0 >= 0 && j2 >= 0) {
          j1 = j2;
          i0 = y_[j2];
        }
        if (i0 >= 0) {
          if (v1_lowers) {
            free_rows_[--current] = i0;
          } else {
            free_rows_[new_free++] = i0;
          }
        }
      } else if (i0 >= 0) {
        free_rows_[new_free++] = i0;
      }
      x_[free_i] = j1;
      y_[j1] = free_i;
      if (i0 >= 0 && x_[i0] == j1) x_[i0] = -1;
    }
    return new_free;
  }

  // Dijkstra shortest augmenting path from each remaining free row.
  void Augment(int num_free) {
    std::vector<int> pred(n_);
    std::vector<int> cols(n_);
    std::vector<double> d(n_);
    for (int f = 0; f < num_free; ++f) {
      const int start = free_rows_[f];
      int j = FindPath(start, pred, cols, d);
      int i = -1;
      while (i != start) {
        i = pred[j];
        y_[j] = i;
        std::swap(j, x_[i]);
      }
    }
  }

  // Moves the columns of cols[lo..n) with the smallest d to cols[lo..hi).
  int FindMin(int lo, const std::vector<double>& d, std::vector<int>& cols) const {
    int hi = lo + 1;
    double mind = d[cols[lo]];
    for (int k = hi; k < n_; ++k) {
      const int j = cols[k];
      if (d[j] <= mind) {
        if (d[j] < mind) {
          hi = lo;
          mind = d[j];
        }
        cols[k] = cols[hi];
        cols[hi++] = j;
      }
    }
    return hi;
  }

  // Scans the rows of the SCAN columns cols[lo..hi), relaxing the TODO
  // columns cols[hi..n). Returns a free column at the minimum distance, or -1.
  int Scan(int& lo, int& hi, std::vector<double>& d, std::vector<int>& cols,
           std::vector<int>& pred) const {
    while (lo != hi) {
      int j = cols[lo++];
      const int i = y_[j];
      const double mind = d[j];
      const double* row = Row(i);
      const double h = row[j] - v_[j] - mind;
      for (int k = hi; k < n_; ++k) {
        j = cols[k];
        const double cred = row[j] - v_[j] - h;
        if (cred < d[j]) {
          d[j] = cred;
          pred[j] = i;
          if (cred == mind) {
            if (y_[j] < 0) return j;
            cols[k] = cols[hi];
            cols[hi++] = j;
          }
        }
      }
    }
    return -1;
  }

  int FindPath(int start, std::vector<int>& pred, std::vector<int>& cols,
               std::vector<double>& d) {
    const double* row = Row(start);
    for (int j = 0; j < n_; ++j) {
      cols[j] = j;
      pred[j] = start;
      d[j] = row[j] - v_[j];
    }
    int lo = 0;
    int hi = 0;
    int n_ready = 0;
    int final_j = -1;
    while (final_j == -1) {
      if (lo == hi) {
        n_ready = lo;
        hi = FindMin(lo, d, cols);
        for (int k = lo; k < hi; ++k) {
          if (y_[cols[k]] < 0) {
            final_j = cols[k];
            break;
          }
        }
      }
      if (final_j == -1) final_j = Scan(lo, hi, d, cols, pred);
    }
    // d[final_j] is the length of the shortest augmenting path.
    const double mind = d[final_j];
    for (int k = 0; k < n_ready; ++k) {
      const int j = cols[k];
      v_[j] += d[j] - mind;
    }
    return final_j;
  }

  const double* c_;
  int n_;
  int arr_passes_;
  std::vector<int> x_;
  std::vector<int> y_;
  std::vector<double> v_;
  std::vector<int> free_rows_;
  int64_t augmentations_ = 0;
};

}  // namespace

std::string FormatBytes(int64_t bytes) {
  char buf[64];
  const double b = static_cast<double>(bytes);
  if (b >= double{1 << 30}) {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", b / double{1 << 30});
  } else if (b >= double{1 << 20}) {
    std::snprintf(buf, sizeof(buf), "%.2f MiB", b / double{1 << 20});
  } else {
    std::snprintf(buf, sizeof(buf), "%lld bytes", static_cast<long long>(bytes));
  }
  return buf;
}

int64_t AssignmentMemoryEstimate(int64_t n, bool copy_cost) {
  // x, y, free rows, pred, cols, argmin (int32) + v, d (double) + result
  // vectors (row_to_col int64, two potentials double).
  const int64_t work = n * (6 * 4 + 2 * 8 + 3 * 8);
  return (copy_cost ? n * n * 8 : 0) + work;
}

absl::StatusOr<AssignmentResult> SolveAssignmentDense(const double* cost, int64_t n,
                                                      const AssignmentOptions& options) {
  if (n < 0 || n > std::numeric_limits<int>::max() / 2) {
    return absl::InvalidArgumentError(absl::StrCat("SolveAssignment: bad size n = ", n));
  }
  if (options.augmenting_row_reduction_passes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("SolveAssignment: options.augmenting_row_reduction_passes must be >= 0, got ",
                     options.augmenting_row_reduction_passes));
  }
  const int64_t need = AssignmentMemoryEstimate(n, /*copy_cost=*/false);
  if (need > options.max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "SolveAssignment: an ", n, " x ", n, " problem needs about ", FormatBytes(need),
        " of working memory, more than options.max_bytes = ", FormatBytes(options.max_bytes)));
  }
  double max_abs = 0;
  for (int64_t k = 0; k < n * n; ++k) {
    const double c = cost[k];
    if (!std::isfinite(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SolveAssignment: cost matrix entry (", k / n, ", ", k % n, ") is ", c,
          "; expected finite values"));
    }
    max_abs = std::max(max_abs, std::abs(c));
  }
  AssignmentResult result;
  result.tolerance = options.relative_tolerance * max_abs;
  if (n == 0) {
    result.verified = true;
    return result;
  }
  const int ni = static_cast<int>(n);
  JonkerVolgenant solver(cost, ni, options.augmenting_row_reduction_passes);
  solver.Solve();
  const std::vector<int>& x = solver.x();
  const std::vector<double>& v = solver.v();

  // Check that x is a permutation before reading the certificate.
  std::vector<char> used(n, 0);
  for (int i = 0; i < ni; ++i) {
    if (x[i] < 0 || x[i] >= ni || used[x[i]]) {
      return absl::InternalError(
          absl::StrCat("SolveAssignment: the solver returned no permutation (row ", i,
                       " -> column ", x[i], ") on an ", n, " x ", n, " problem"));
    }
    used[x[i]] = 1;
  }

  result.row_to_col.resize(n);
  result.row_potential.resize(n);
  result.col_potential.assign(v.begin(), v.end());
  long double total = 0;
  long double dual = 0;
  double max_violation = -kInf;
  double max_slack = 0;
  for (int i = 0; i < ni; ++i) {
    const double* row = cost + static_cast<int64_t>(i) * n;
    const int j = x[i];
    const double u = row[j] - v[j];
    result.row_to_col[i] = j;
    result.row_potential[i] = u;
    total += row[j];
    dual += static_cast<long double>(u) + v[i];
    double row_viol = -kInf;
    for (int k = 0; k < ni; ++k) row_viol = std::max(row_viol, u + v[k] - row[k]);
    max_violation = std::max(max_violation, row_viol);
    max_slack = std::max(max_slack, std::abs(u + v[j] - row[j]));
  }
  result.total_cost = static_cast<double>(total);
  result.mean_cost = static_cast<double>(total / n);
  result.duality_gap = static_cast<double>(total - dual);
  result.max_reduced_cost_violation = max_violation;
  result.max_slackness_violation = max_slack;
  result.augmentations = solver.augmentations();
  result.verified = max_violation <= result.tolerance && max_slack <= result.tolerance &&
                    std::abs(result.duality_gap) <= result.tolerance * static_cast<double>(n);
  if (!result.verified) {
    return absl::InternalError(absl::StrCat(
        "SolveAssignment: optimality certificate failed on an ", n, " x ", n,
        " problem: max reduced-cost violation ", max_violation, ", slackness violation ",
        max_slack, ", duality gap ", result.duality_gap, " (tolerance ", result.tolerance, ")"));
  }
  return result;
}

absl::StatusOr<AssignmentResult> SolveAssignment(const at::Tensor& cost,
                                                 const AssignmentOptions& options) {
  if (!cost.defined() || cost.dim() != 2 || cost.size(0) != cost.size(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SolveAssignment: expected a square [n, n] cost matrix, got ",
        cost.defined() ? c10::str(cost.sizes()) : std::string("an undefined tensor")));
  }
  if (!at::isFloatingType(cost.scalar_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SolveAssignment: expected a float32 or float64 cost matrix, got ",
        c10::toString(cost.scalar_type())));
  }
  const int64_t n = cost.size(0);
  const bool copy = !(cost.device().is_cpu() && cost.scalar_type() == at::kDouble &&
                      cost.is_contiguous());
  const int64_t need = AssignmentMemoryEstimate(n, copy);
  if (need > options.max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "SolveAssignment: an ", n, " x ", n, " problem needs about ", FormatBytes(need),
        " of memory (a float64 copy of the cost matrix plus O(n) work arrays), more than "
        "options.max_bytes = ",
        FormatBytes(options.max_bytes)));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor c64, TorchCall("SolveAssignment: copy cost", [&] {
                           return cost.detach().to(at::kCPU, at::kDouble).contiguous();
                         }));
  return SolveAssignmentDense(c64.data_ptr<double>(), n, options);
}

}  // namespace otgan::ot

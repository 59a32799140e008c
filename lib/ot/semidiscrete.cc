#include "lib/ot/semidiscrete.h"

#include <algorithm>
#include <tuple>

#include <c10/util/Exception.h>

namespace otgan::ot {
namespace {

// A chunk's [rows, M] block stays below glibc's largest dynamic mmap
// threshold (32 MB), so the allocator reuses it instead of mapping fresh,
// page-faulting memory for every chunk.
constexpr int64_t kDefaultChunkBytes = int64_t{16} << 20;

int64_t DefaultChunkRows(int64_t m, int64_t element_size) {
  const int64_t bytes_per_row = m * std::max<int64_t>(element_size, 4);
  return std::max<int64_t>(1, kDefaultChunkBytes / bytes_per_row);
}

// `cost_is_fresh`: the cost block may be modified in place (it is a new
// tensor we own), which saves one [rows, M] temporary per chunk.
SemiDiscreteAssignment Assign(const at::Tensor& x_in, const at::Tensor& y_in,
                              const at::Tensor& psi_in, const ChunkCostFn& cost,
                              int64_t chunk_rows, bool cost_is_fresh) {
  TORCH_CHECK(x_in.defined() && y_in.defined() && psi_in.defined(),
              "AssignSemiDiscrete: undefined input");
  TORCH_CHECK(x_in.dim() >= 1 && y_in.dim() >= 1, "AssignSemiDiscrete: x and y need a ",
              "leading point dimension, got ", x_in.sizes(), " and ", y_in.sizes());
  const int64_t n = x_in.size(0);
  const int64_t m = y_in.size(0);
  TORCH_CHECK(m >= 1, "AssignSemiDiscrete: no real points");
  TORCH_CHECK(psi_in.dim() == 1 && psi_in.size(0) == m, "AssignSemiDiscrete: psi must be [",
              m, "], got ", psi_in.sizes());
  TORCH_CHECK(chunk_rows >= 0, "AssignSemiDiscrete: chunk_rows must be >= 0, got ", chunk_rows);
  at::NoGradGuard no_grad;
  const at::Tensor x = x_in.detach();
  const at::Tensor y = y_in.detach();
  if (chunk_rows == 0) chunk_rows = DefaultChunkRows(m, x.element_size());
  SemiDiscreteAssignment out;
  out.index = at::empty({n}, x.options().dtype(at::kLong));
  at::Tensor psi_row;
  for (int64_t i0 = 0; i0 < n; i0 += chunk_rows) {
    const int64_t rows = std::min(chunk_rows, n - i0);
    at::Tensor c = cost(x.narrow(0, i0, rows), y);
    TORCH_CHECK(c.dim() == 2 && c.size(0) == rows && c.size(1) == m,
                "AssignSemiDiscrete: the cost callback returned ", c.sizes(), " for ", rows,
                " x ", m, " points");
    if (!psi_row.defined()) {
      psi_row = psi_in.detach().to(c.options()).unsqueeze(0);
      out.min_value = at::empty({n}, c.options());
    }
    if (cost_is_fresh) {
      c.add_(psi_row);
    } else {
      c = c + psi_row;
    }
    at::Tensor values, indices;
    std::tie(values, indices) = c.min(/*dim=*/1);
    out.index.narrow(0, i0, rows).copy_(indices);
    out.min_value.narrow(0, i0, rows).copy_(values);
  }
  if (!out.min_value.defined()) out.min_value = at::empty({0}, psi_in.options());
  out.counts = at::bincount(out.index, /*weights=*/{}, /*minlength=*/m);
  return out;
}

// Squared Euclidean: s |x_i - y_j|^2 + psi_j = s |x_i|^2 + (s |y_j|^2 + psi_j)
// - 2 s x_i . y_j, and s |x_i|^2 does not change the argmin over j, so a chunk
// is one matrix product on top of the row b_j = s |y_j|^2 + psi_j, then a row
// minimum. The minimum's value is recomputed from the chosen pairs directly
// (no cancellation in |x|^2 + |y|^2 - 2 x.y).
SemiDiscreteAssignment AssignSquaredEuclidean(const at::Tensor& x_in, const at::Tensor& y_in,
                                              const at::Tensor& psi_in, double s,
                                              int64_t chunk_rows) {
  TORCH_CHECK(psi_in.defined() && psi_in.dim() == 1 && psi_in.size(0) == y_in.size(0),
              "AssignSemiDiscrete: psi must be [", y_in.size(0), "], got ",
              psi_in.defined() ? psi_in.sizes() : at::IntArrayRef{});
  TORCH_CHECK(y_in.size(0) >= 1, "AssignSemiDiscrete: no real points");
  TORCH_CHECK(chunk_rows >= 0, "AssignSemiDiscrete: chunk_rows must be >= 0, got ", chunk_rows);
  TORCH_CHECK(x_in.scalar_type() == y_in.scalar_type() && x_in.is_floating_point(),
              "AssignSemiDiscrete: x and y must share one floating dtype");
  at::NoGradGuard no_grad;
  const at::Tensor x = x_in.detach().contiguous();
  const at::Tensor y = y_in.detach().contiguous();
  const int64_t n = x.size(0), m = y.size(0);
  if (chunk_rows == 0) chunk_rows = DefaultChunkRows(m, x.element_size());
  const at::Tensor psi = psi_in.detach().to(x.options());
  const at::Tensor b = (s * (y * y).sum(1) + psi).unsqueeze(0);  // [1, M]
  const at::Tensor yt = y.t();                                    // [d, M]
  SemiDiscreteAssignment out;
  out.index = at::empty({n}, x.options().dtype(at::kLong));
  for (int64_t i0 = 0; i0 < n; i0 += chunk_rows) {
    const int64_t rows = std::min(chunk_rows, n - i0);
    at::Tensor c = at::addmm(b, x.narrow(0, i0, rows), yt, /*beta=*/1, /*alpha=*/-2 * s);
    out.index.narrow(0, i0, rows).copy_(c.argmin(/*dim=*/1));
  }
  const at::Tensor diff = x - y.index_select(0, out.index);
  out.min_value = s * (diff * diff).sum(1) + psi.index_select(0, out.index);
  out.counts = at::bincount(out.index, /*weights=*/{}, /*minlength=*/m);
  return out;
}

}  // namespace

SemiDiscreteAssignment AssignSemiDiscrete(const at::Tensor& x, const at::Tensor& y,
                                          const at::Tensor& psi, CostKind kind,
                                          double cost_scale, int64_t chunk_rows) {
  TORCH_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(1) == y.size(1),
              "AssignSemiDiscrete: expected x [N, d] and y [M, d], got ", x.sizes(), " and ",
              y.sizes());
  if (kind == CostKind::kSqEuclidean) {
    return AssignSquaredEuclidean(x, y, psi, cost_scale, chunk_rows);
  }
  ChunkCostFn fn = [kind, cost_scale](const at::Tensor& xc, const at::Tensor& yy) {
    at::Tensor c = PairwiseCost(xc, yy, kind);
    if (cost_scale != 1.0) c.mul_(cost_scale);
    return c;
  };
  return Assign(x, y, psi, fn, chunk_rows, /*cost_is_fresh=*/true);
}

SemiDiscreteAssignment AssignSemiDiscrete(const at::Tensor& x, const at::Tensor& y,
                                          const at::Tensor& psi, const ChunkCostFn& cost,
                                          int64_t chunk_rows) {
  return Assign(x, y, psi, cost, chunk_rows, /*cost_is_fresh=*/false);
}

double AssignmentVariance(const at::Tensor& counts, int64_t n_generated) {
  TORCH_CHECK(counts.defined() && counts.dim() == 1 && counts.size(0) >= 1,
              "AssignmentVariance: counts must be [M] with M >= 1");
  const double target = static_cast<double>(n_generated) / static_cast<double>(counts.size(0));
  return (counts.to(at::kDouble) - target).abs().mean().item<double>();
}

}  // namespace otgan::ot

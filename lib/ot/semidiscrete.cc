#include "lib/ot/semidiscrete.h"

#include <algorithm>
#include <tuple>

#include <c10/util/Exception.h>

namespace otgan::ot {
namespace {

constexpr int64_t kDefaultChunkBytes = int64_t{256} << 20;

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
  if (chunk_rows == 0) {
    const int64_t bytes_per_row = m * std::max<int64_t>(x.element_size(), 4);
    chunk_rows = std::max<int64_t>(1, kDefaultChunkBytes / bytes_per_row);
  }
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

}  // namespace

SemiDiscreteAssignment AssignSemiDiscrete(const at::Tensor& x, const at::Tensor& y,
                                          const at::Tensor& psi, CostKind kind,
                                          double cost_scale, int64_t chunk_rows) {
  TORCH_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(1) == y.size(1),
              "AssignSemiDiscrete: expected x [N, d] and y [M, d], got ", x.sizes(), " and ",
              y.sizes());
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

#include "lib/ot/cost.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/custom_function.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace otgan::ot {
namespace {

// Entries below this count as zero squared distance / zero norm. Representable
// in float32 and small enough that sqrt(kTiny) = 1e-10 is negligible.
constexpr double kTiny = 1e-20;
constexpr int64_t kDefaultChunkElements = int64_t{1} << 22;
constexpr int64_t kDefaultTileElements = int64_t{1} << 24;

void CheckClouds(const at::Tensor& x, const at::Tensor& y) {
  TORCH_CHECK(x.defined() && y.defined(), "PairwiseCost: undefined input");
  TORCH_CHECK((x.dim() == 2 || x.dim() == 3) && x.dim() == y.dim(),
              "PairwiseCost: expected x [n,d], y [m,d] or x [B,n,d], y [B,m,d], got ", x.sizes(),
              " and ", y.sizes());
  TORCH_CHECK(x.size(-1) == y.size(-1), "PairwiseCost: dimensions differ: ", x.sizes(), " vs ",
              y.sizes());
  TORCH_CHECK(x.dim() == 2 || x.size(0) == y.size(0), "PairwiseCost: batch sizes differ");
  TORCH_CHECK(x.is_floating_point() && x.scalar_type() == y.scalar_type(),
              "PairwiseCost: x and y must share one floating dtype");
}

int64_t ChunkRows(int64_t chunk_rows, int64_t batch, int64_t n, int64_t m) {
  if (chunk_rows > 0) return std::min(chunk_rows, std::max<int64_t>(n, 1));
  int64_t rows = kDefaultChunkElements / std::max<int64_t>(batch * m, 1);
  return std::clamp<int64_t>(rows, 1, std::max<int64_t>(n, 1));
}

// Applies `block(x_rows)` -> [..., rows, m] over row chunks of x and
// concatenates along the row dimension.
template <typename Fn>
at::Tensor OverRowChunks(const at::Tensor& x, int64_t rows, Fn&& block) {
  const int64_t n = x.size(-2);
  if (rows >= n) return block(x);
  std::vector<at::Tensor> parts;
  for (int64_t i0 = 0; i0 < n; i0 += rows) {
    parts.push_back(block(x.narrow(-2, i0, std::min(rows, n - i0))));
  }
  return at::cat(parts, -2);
}

at::Tensor SquaredDistances(const at::Tensor& x, const at::Tensor& y, int64_t chunk_rows) {
  const int64_t batch = x.dim() == 3 ? x.size(0) : 1;
  const int64_t rows = ChunkRows(chunk_rows, batch, x.size(-2), y.size(-2));
  at::Tensor x2 = (x * x).sum(-1, /*keepdim=*/true);  // [..., n, 1]
  at::Tensor y2 = (y * y).sum(-1).unsqueeze(-2);      // [..., 1, m]
  at::Tensor yt = y.transpose(-1, -2);                // [..., d, m]
  const double noise = 8 * (x.scalar_type() == at::kDouble ? 2.220446049250313e-16 : 1.1920929e-7);
  int64_t offset = 0;
  return OverRowChunks(x, rows, [&](const at::Tensor& xc) {
    at::Tensor x2c = x2.narrow(-2, offset, xc.size(-2));
    offset += xc.size(-2);
    at::Tensor base = x2c + y2;
    at::Tensor d2 = x.dim() == 2 ? at::addmm(base, xc, yt, /*beta=*/1, /*alpha=*/-2)
                                 : at::baddbmm(base, xc, yt, /*beta=*/1, /*alpha=*/-2);
    // The expansion loses ~eps_mach (|x|^2 + |y|^2) to cancellation: entries
    // below that are rounding noise (coincident points) and become exactly 0,
    // so sqrt(d2) has no spurious 1e-8-sized distances and kinks.
    return d2 * (d2 > base * noise);
  });
}

// sqrt with a zero (not infinite) gradient where d2 <= kTiny: the "double
// where" keeps NaN out of the backward pass.
at::Tensor SafeSqrt(const at::Tensor& d2) {
  at::Tensor positive = d2 > kTiny;
  at::Tensor safe = at::where(positive, d2, at::ones_like(d2));
  return at::where(positive, safe.sqrt(), at::zeros_like(d2));
}

// 1 / max(|v|, 1e-10) per row, [..., n, 1].
at::Tensor InverseRowNorms(const at::Tensor& v) {
  return (v * v).sum(-1, /*keepdim=*/true).clamp_min(kTiny).rsqrt();
}

// u = v * s with s = InverseRowNorms(v). Autograd's own backward of that
// formula runs ~6 passes over [n, d] (v * v's two products, the broadcast
// product and the accumulation of three paths into dv); this one runs three:
// dv = (du - u <du, u>) s, where <du, u> is one batched matrix-vector
// product. A row below the clamp (|v|^2 < kTiny) has u = 0 and dv = du s, as
// autograd gives for the formula (the clamp passes no gradient). Under
// create_graph (double backward) u and s are recomputed from v with
// autograd on, so second derivatives see s's dependence on v.
struct UnitRowsFunction : public torch::autograd::Function<UnitRowsFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& v) {
    at::Tensor s = InverseRowNorms(v);
    at::Tensor u = v * s;
    ctx->save_for_backward({v, u, s});
    return u;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    at::Tensor u = saved[1], s = saved[2];
    if (at::GradMode::is_enabled()) {
      s = InverseRowNorms(saved[0]);
      u = saved[0] * s;
    }
    const at::Tensor& du = grads[0];
    at::Tensor dot = at::matmul(du.unsqueeze(-2), u.unsqueeze(-1)).squeeze(-1);  // [..., n, 1]
    return {at::addcmul(du, u, dot, /*value=*/-1) * s};
  }
};

// x y^T ([..., n, m]) with a backward that returns contiguous gradients.
// Autograd's backward of matmul(x, y.transpose(-1, -2)) gives dy as the
// transpose of x^T dG, a strided view: every add that accumulates it with a
// cloud's other gradients (the energy distance's 4 clouds enter 6 costs)
// then reads across rows. For OT-GAN's 6 costs of 256 x 12544 embeddings the
// 12 matrix products and 8 accumulations took 1050 ms that way and 435 ms with
// contiguous gradients (PyTorch 1.13 microbench, one thread, fp32). Under
// create_graph the backward's products are recorded, so double backward works.
struct InnerProductsFunction : public torch::autograd::Function<InnerProductsFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x,
                            const at::Tensor& y) {
    ctx->save_for_backward({x, y});
    return at::matmul(x, y.transpose(-1, -2));
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& g = grads[0];
    at::Tensor dx, dy;
    if (ctx->needs_input_grad(0)) dx = at::matmul(g, saved[1]);
    if (ctx->needs_input_grad(1)) dy = at::matmul(g.transpose(-1, -2), saved[0]);
    return {dx, dy};
  }
};

}  // namespace

at::Tensor UnitRows(const at::Tensor& v) {
  TORCH_CHECK(v.defined() && v.dim() >= 1, "UnitRows: expected a tensor of rows");
  return UnitRowsFunction::apply(v);
}

at::Tensor CosineCostOfUnitRows(const at::Tensor& ux, const at::Tensor& uy, int64_t chunk_rows) {
  CheckClouds(ux, uy);
  const int64_t batch = ux.dim() == 3 ? ux.size(0) : 1;
  const int64_t rows = ChunkRows(chunk_rows, batch, ux.size(-2), uy.size(-2));
  return OverRowChunks(
      ux, rows, [&](const at::Tensor& xc) { return 1 - InnerProductsFunction::apply(xc, uy); });
}

namespace {

// TF's _fspecial_gauss: exp(-(u^2 + v^2) / (2 sigma^2)) on the coordinates
// k - (size - 1)/2, normalised by a softmax over all size^2 entries, which is
// the outer product of the normalised 1-d Gaussian with itself.
at::Tensor GaussianWindow(const SsimOptions& o, const at::TensorOptions& options) {
  std::vector<double> g(o.window);
  double total = 0;
  for (int64_t k = 0; k < o.window; ++k) {
    const double t = k - (o.window - 1) / 2.0;
    g[k] = std::exp(-t * t / (2 * o.sigma * o.sigma));
    total += g[k];
  }
  at::Tensor g1 = at::tensor(g, at::TensorOptions().dtype(at::kDouble)) / total;
  return at::outer(g1, g1).to(options);  // [window, window], sums to 1
}

void CheckImages(const char* what, const at::Tensor& x, const at::Tensor& y, double data_range,
                 const SsimOptions& o) {
  TORCH_CHECK(o.window >= 1 && o.sigma > 0, what, ": SSIM window must be >= 1 and sigma > 0, got ",
              o.window, " and ", o.sigma);
  TORCH_CHECK(x.defined() && y.defined(), what, ": undefined input");
  TORCH_CHECK(x.dim() == 4 && y.dim() == 4, what, ": expected images [N,C,H,W], got ", x.sizes(),
              " and ", y.sizes());
  TORCH_CHECK(x.sizes().slice(1) == y.sizes().slice(1), what, ": image shapes differ: ", x.sizes(),
              " vs ", y.sizes());
  TORCH_CHECK(x.size(2) >= o.window && x.size(3) >= o.window, what, ": images must be at least ",
              o.window, " x ", o.window, " (the SSIM window), got ", x.sizes());
  TORCH_CHECK(x.is_floating_point() && x.scalar_type() == y.scalar_type(), what,
              ": x and y must share one floating dtype");
  TORCH_CHECK(data_range > 0, what, ": data_range must be positive, got ", data_range);
}

// Local Gaussian means and variances of every image, flattened to [N, C*L]
// where L = (H-w+1)(W-w+1) is the number of valid window positions.
void LocalMoments(const at::Tensor& x, const at::Tensor& window, at::Tensor* mu, at::Tensor* var) {
  const int64_t n = x.size(0);
  at::Tensor flat = x.reshape({n * x.size(1), 1, x.size(2), x.size(3)});
  at::Tensor w = window.view({1, 1, window.size(0), window.size(1)});
  at::Tensor m = at::conv2d(flat, w);
  at::Tensor e2 = at::conv2d(flat * flat, w);
  *mu = m.reshape({n, -1});
  *var = (e2 - m * m).reshape({n, -1});
}

// Window patches scaled by sqrt(window): [C*L, N, 121], so that a batched
// product of two of them gives the Gaussian-weighted local E[x y].
at::Tensor WeightedPatches(const at::Tensor& x, const at::Tensor& sqrt_window) {
  const int64_t k = sqrt_window.size(0);
  at::Tensor p = x.unfold(2, k, 1).unfold(3, k, 1);  // [N,C,h,w,k,k]
  p = p.reshape({x.size(0), -1, k * k}) * sqrt_window.reshape({-1});
  return p.permute({1, 0, 2}).contiguous();
}

}  // namespace

absl::StatusOr<CostKind> ParseCostKind(const std::string& name) {
  if (name == "sqeuclidean") return CostKind::kSqEuclidean;
  if (name == "euclidean") return CostKind::kEuclidean;
  if (name == "cosine") return CostKind::kCosine;
  return absl::InvalidArgumentError(
      absl::StrCat("cost \"", name, "\": expected one of sqeuclidean, euclidean, cosine"));
}

std::string CostKindName(CostKind kind) {
  switch (kind) {
    case CostKind::kSqEuclidean:
      return "sqeuclidean";
    case CostKind::kEuclidean:
      return "euclidean";
    case CostKind::kCosine:
      return "cosine";
    case CostKind::kCosineOfUnitRows:
      return "cosine_of_unit_rows";
  }
  return "unknown";
}

at::Tensor PairwiseCost(const at::Tensor& x, const at::Tensor& y, CostKind kind,
                        int64_t chunk_rows) {
  CheckClouds(x, y);
  switch (kind) {
    case CostKind::kSqEuclidean:
      return SquaredDistances(x, y, chunk_rows);
    case CostKind::kEuclidean:
      return SafeSqrt(SquaredDistances(x, y, chunk_rows));
    case CostKind::kCosine:
      return CosineCostOfUnitRows(UnitRows(x), UnitRows(y), chunk_rows);
    case CostKind::kCosineOfUnitRows:
      return CosineCostOfUnitRows(x, y, chunk_rows);
  }
  TORCH_CHECK(false, "PairwiseCost: unknown cost kind");
}

at::Tensor SsimCost(const at::Tensor& x, const at::Tensor& y, double data_range,
                    int64_t tile_elements, const SsimOptions& options) {
  CheckImages("SsimCost", x, y, data_range, options);
  const double c1 = std::pow(options.k1 * data_range, 2);
  const double c2 = std::pow(options.k2 * data_range, 2);
  at::Tensor window = GaussianWindow(options, x.options().requires_grad(false));
  at::Tensor sqrt_window = window.sqrt();
  at::Tensor mu_x, var_x, mu_y, var_y;
  LocalMoments(x, window, &mu_x, &var_x);
  LocalMoments(y, window, &mu_y, &var_y);
  // [C*L, N, 1] and [C*L, 1, M] for broadcasting against [C*L, ti, tj].
  mu_x = mu_x.t().unsqueeze(2);
  var_x = var_x.t().unsqueeze(2);
  mu_y = mu_y.t().unsqueeze(1);
  var_y = var_y.t().unsqueeze(1);

  const int64_t n = x.size(0), m = y.size(0), positions = mu_x.size(0);
  const int64_t budget = tile_elements > 0 ? tile_elements : kDefaultTileElements;
  const int64_t per_pair = std::max<int64_t>(positions, 1);
  const int64_t tj = std::clamp<int64_t>(budget / per_pair, 1, std::min<int64_t>(m, 512));
  const int64_t ti = std::clamp<int64_t>(budget / (per_pair * tj), 1, std::max<int64_t>(n, 1));

  const int64_t row_tiles = (n + ti - 1) / ti;
  std::vector<std::vector<at::Tensor>> blocks(row_tiles);
  for (int64_t j0 = 0; j0 < m; j0 += tj) {
    const int64_t nj = std::min(tj, m - j0);
    at::Tensor py = WeightedPatches(y.narrow(0, j0, nj), sqrt_window).transpose(1, 2);
    at::Tensor my = mu_y.narrow(2, j0, nj), vy = var_y.narrow(2, j0, nj);
    for (int64_t i0 = 0, r = 0; i0 < n; i0 += ti, ++r) {
      const int64_t ni = std::min(ti, n - i0);
      at::Tensor px = WeightedPatches(x.narrow(0, i0, ni), sqrt_window);
      at::Tensor mx = mu_x.narrow(1, i0, ni), vx = var_x.narrow(1, i0, ni);
      at::Tensor mxy = mx * my;                // [C*L, ni, nj]
      at::Tensor cov = at::bmm(px, py) - mxy;  // Gaussian-weighted covariance
      at::Tensor num = (2 * mxy + c1) * (2 * cov + c2);
      at::Tensor den = (mx * mx + my * my + c1) * (vx + vy + c2);
      blocks[r].push_back(1 - (num / den).mean(0));
    }
  }
  std::vector<at::Tensor> rows;
  rows.reserve(blocks.size());
  for (auto& row : blocks) rows.push_back(row.size() == 1 ? row[0] : at::cat(row, 1));
  if (rows.empty()) return at::zeros({n, m}, x.options());
  return rows.size() == 1 ? rows[0] : at::cat(rows, 0);
}

at::Tensor SsimPaired(const at::Tensor& x, const at::Tensor& y, double data_range,
                      const SsimOptions& options) {
  CheckImages("SsimPaired", x, y, data_range, options);
  TORCH_CHECK(x.size(0) == y.size(0), "SsimPaired: batch sizes differ: ", x.size(0), " vs ",
              y.size(0));
  const double c1 = std::pow(options.k1 * data_range, 2);
  const double c2 = std::pow(options.k2 * data_range, 2);
  const int64_t n = x.size(0);
  at::Tensor w = GaussianWindow(options, x.options().requires_grad(false))
                     .view({1, 1, options.window, options.window});
  auto filter = [&](const at::Tensor& t) {
    return at::conv2d(t.reshape({-1, 1, t.size(2), t.size(3)}), w).reshape({n, -1});
  };
  at::Tensor mx = filter(x), my = filter(y);
  at::Tensor vx = filter(x * x) - mx * mx;
  at::Tensor vy = filter(y * y) - my * my;
  at::Tensor cov = filter(x * y) - mx * my;
  at::Tensor num = (2 * mx * my + c1) * (2 * cov + c2);
  at::Tensor den = (mx * mx + my * my + c1) * (vx + vy + c2);
  return 1 - (num / den).mean(1);
}

at::Tensor LaschosSsimPaired(const at::Tensor& x, const at::Tensor& y) {
  SsimOptions tf_code;
  tf_code.window = 4;  // filter_size=4; sigma, k1, k2 are TF's defaults
  return SsimPaired(x + 1, y + 1, /*data_range=*/2.0, tf_code);
}

at::Tensor PsnrCost(const at::Tensor& x, const at::Tensor& y, double data_range) {
  TORCH_CHECK(x.defined() && y.defined() && x.dim() >= 2 && y.dim() >= 2,
              "PsnrCost: expected x [n, ...] and y [m, ...]");
  TORCH_CHECK(data_range > 0, "PsnrCost: data_range must be positive, got ", data_range);
  at::Tensor xf = x.reshape({x.size(0), -1}), yf = y.reshape({y.size(0), -1});
  const double range2 = data_range * data_range;
  at::Tensor mse = PairwiseCost(xf, yf, CostKind::kSqEuclidean) / static_cast<double>(xf.size(1));
  return 10.0 * at::log10(mse.clamp_min(range2 * 1e-10) / range2);
}

}  // namespace otgan::ot

// Over ~400 lines on purpose: the fused soft-min kernel in three instruction
// sets (scalar, AVX2, AVX-512) with their exp approximations side by side, so
// that a change to one is made to all and the equivalence tests compare them
// in one place (tests/ot/fused_softmin_test.cc).
#include "lib/ot/fused_softmin.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/custom_function.h>

namespace otgan::ot {
namespace {

// ---- the exp: x = k ln2 + r, |r| <= ln2 / 2, exp(r) by the Cephes expf
// polynomial, 2^k through the exponent bits. Inputs are clamped to
// [kExpLo, kExpHi]: below kExpLo the result is 0 anyway, above it is +inf.
constexpr float kExpLo = -104.0f;
constexpr float kExpHi = 89.0f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;     // exact in 9 bits: k * kLn2Hi is exact
constexpr float kLn2Lo = -2.12194440e-4f;  // ln2 - kLn2Hi
constexpr float kP0 = 1.9875691500e-4f;
constexpr float kP1 = 1.3981999507e-3f;
constexpr float kP2 = 8.3334519073e-3f;
constexpr float kP3 = 4.1665795894e-2f;
constexpr float kP4 = 1.6666665459e-1f;
constexpr float kP5 = 5.0000001201e-1f;

inline float Pow2i(int32_t k) {  // 2^k for k in [-126, 127]
  uint32_t bits = static_cast<uint32_t>(k + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

float FastExpScalar(float x) {
  if (std::isnan(x)) return x;
  x = std::min(std::max(x, kExpLo), kExpHi);
  const float k = std::nearbyint(x * kLog2e);
  float r = x - k * kLn2Hi;
  r = r - k * kLn2Lo;
  float p = kP0;
  p = p * r + kP1;
  p = p * r + kP2;
  p = p * r + kP3;
  p = p * r + kP4;
  p = p * r + kP5;
  const float e = p * r * r + r + 1.0f;
  const int32_t ki = static_cast<int32_t>(k);
  const int32_t k1 = ki >> 1;  // two factors keep k in [-151, 129] representable
  return e * Pow2i(k1) * Pow2i(ki - k1);
}

namespace {
inline float ExpScalar(float x) { return FastExpScalar(x); }

// ---------------------------------------------------------------- AVX-512 ----
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
// GCC 12's avx512fintrin.h initialises its "undefined" vectors with themselves.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace avx512 {
using VF = __m512;
constexpr int64_t kW = 16;
inline VF Load(const float* p) { return _mm512_loadu_ps(p); }
inline void Store(float* p, VF v) { _mm512_storeu_ps(p, v); }
inline VF Set1(float x) { return _mm512_set1_ps(x); }
inline VF Add(VF a, VF b) { return _mm512_add_ps(a, b); }
inline VF Sub(VF a, VF b) { return _mm512_sub_ps(a, b); }
inline VF Mul(VF a, VF b) { return _mm512_mul_ps(a, b); }
inline VF Fma(VF a, VF b, VF c) { return _mm512_fmadd_ps(a, b, c); }
inline float FmaS(float a, float b, float c) { return std::fma(a, b, c); }
inline VF Max(VF a, VF b) { return _mm512_max_ps(a, b); }
inline float ReduceMax(VF v) { return _mm512_reduce_max_ps(v); }
inline float ReduceSum(VF v) { return _mm512_reduce_add_ps(v); }
// kNonPositive: the caller guarantees x <= 0 (or -inf, NaN), as inside the
// log-sum-exp; the upper clamp is then skipped.
template <bool kNonPositive = false>
inline VF Exp(VF x) {
  // max/min return their second operand when one is NaN: NaN propagates.
  x = _mm512_max_ps(Set1(kExpLo), x);
  if (!kNonPositive) x = _mm512_min_ps(Set1(kExpHi), x);
  const VF k = _mm512_roundscale_ps(Mul(x, Set1(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  VF r = _mm512_fnmadd_ps(k, Set1(kLn2Hi), x);
  r = _mm512_fnmadd_ps(k, Set1(kLn2Lo), r);
  VF p = Fma(Set1(kP0), r, Set1(kP1));
  p = Fma(p, r, Set1(kP2));
  p = Fma(p, r, Set1(kP3));
  p = Fma(p, r, Set1(kP4));
  p = Fma(p, r, Set1(kP5));
  const VF e = Fma(Fma(p, r, Set1(1.0f)), r, Set1(1.0f));  // p r^2 + r + 1
  // e * 2^k with correct overflow and subnormals (maskz: avoids GCC 12 warning).
  return _mm512_maskz_scalef_ps(static_cast<__mmask16>(0xFFFF), e, k);
}
#include "lib/ot/fused_softmin_simd.inc"
}  // namespace avx512
#pragma GCC diagnostic pop
#pragma GCC pop_options

// ------------------------------------------------------------------- AVX2 ----
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
using VF = __m256;
constexpr int64_t kW = 8;
inline VF Load(const float* p) { return _mm256_loadu_ps(p); }
inline void Store(float* p, VF v) { _mm256_storeu_ps(p, v); }
inline VF Set1(float x) { return _mm256_set1_ps(x); }
inline VF Add(VF a, VF b) { return _mm256_add_ps(a, b); }
inline VF Sub(VF a, VF b) { return _mm256_sub_ps(a, b); }
inline VF Mul(VF a, VF b) { return _mm256_mul_ps(a, b); }
inline VF Fma(VF a, VF b, VF c) { return _mm256_fmadd_ps(a, b, c); }
inline float FmaS(float a, float b, float c) { return std::fma(a, b, c); }
inline VF Max(VF a, VF b) { return _mm256_max_ps(a, b); }
inline float ReduceMax(VF v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}
inline float ReduceSum(VF v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}
template <bool kNonPositive = false>
inline VF Exp(VF x) {
  x = _mm256_max_ps(Set1(kExpLo), x);
  if (!kNonPositive) x = _mm256_min_ps(Set1(kExpHi), x);
  const VF k = _mm256_round_ps(Mul(x, Set1(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  VF r = _mm256_fnmadd_ps(k, Set1(kLn2Hi), x);
  r = _mm256_fnmadd_ps(k, Set1(kLn2Lo), r);
  VF p = Fma(Set1(kP0), r, Set1(kP1));
  p = Fma(p, r, Set1(kP2));
  p = Fma(p, r, Set1(kP3));
  p = Fma(p, r, Set1(kP4));
  p = Fma(p, r, Set1(kP5));
  const VF e = Fma(Fma(p, r, Set1(1.0f)), r, Set1(1.0f));  // p r^2 + r + 1
  // 2^k as 2^k1 * 2^k2 (k1 = k >> 1): both factors stay normal for k in [-151, 129].
  const __m256i ki = _mm256_cvtps_epi32(k);
  const __m256i k1 = _mm256_srai_epi32(ki, 1);
  const __m256i k2 = _mm256_sub_epi32(ki, k1);
  const __m256i bias = _mm256_set1_epi32(127);
  const VF s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, bias), 23));
  const VF s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, bias), 23));
  return Mul(Mul(e, s1), s2);
}
#include "lib/ot/fused_softmin_simd.inc"
}  // namespace avx2
#pragma GCC pop_options

// ----------------------------------------------------------------- scalar ----
namespace scalar {
using VF = float;
constexpr int64_t kW = 1;
inline VF Load(const float* p) { return *p; }
inline void Store(float* p, VF v) { *p = v; }
inline VF Set1(float x) { return x; }
inline VF Add(VF a, VF b) { return a + b; }
inline VF Sub(VF a, VF b) { return a - b; }
inline VF Mul(VF a, VF b) { return a * b; }
inline VF Fma(VF a, VF b, VF c) { return a * b + c; }  // std::fma is slow without FMA
inline float FmaS(float a, float b, float c) { return a * b + c; }
inline VF Max(VF a, VF b) { return a > b ? a : b; }
inline float ReduceMax(VF v) { return v; }
inline float ReduceSum(VF v) { return v; }
template <bool kNonPositive = false>
inline VF Exp(VF x) { return FastExpScalar(x); }
#include "lib/ot/fused_softmin_simd.inc"
}  // namespace scalar

SimdIsa DetectIsa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return SimdIsa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdIsa::kAvx2;
  return SimdIsa::kScalar;
}

void CheckIsa(SimdIsa isa) {
  TORCH_CHECK(static_cast<int>(isa) <= static_cast<int>(BestSimdIsa()), "fused softmin: ",
              SimdIsaName(isa), " requested but this CPU supports at most ",
              SimdIsaName(BestSimdIsa()));
}

void CheckFloatCpu(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.defined(), "fused softmin: ", what, " is undefined");
  TORCH_CHECK(t.device().is_cpu(), "fused softmin: ", what, " must be on the CPU, got ",
              t.device());
  TORCH_CHECK(t.scalar_type() == at::kFloat, "fused softmin: ", what,
              " must be float32, got ", t.scalar_type());
}

void CheckSoftminArgs(const at::Tensor& cost, const at::Tensor& g, const at::Tensor& log_b,
                      double eps) {
  CheckFloatCpu(cost, "cost");
  CheckFloatCpu(g, "g");
  CheckFloatCpu(log_b, "log_b");
  TORCH_CHECK(cost.dim() == 2, "fused softmin: cost must be [n, m], got ", cost.sizes());
  TORCH_CHECK(g.dim() == 1 && g.size(0) == cost.size(1), "fused softmin: g must be [m = ",
              cost.size(1), "], got ", g.sizes());
  TORCH_CHECK(log_b.dim() == 1 && log_b.size(0) == cost.size(1),
              "fused softmin: log_b must be [m = ", cost.size(1), "], got ", log_b.sizes());
  TORCH_CHECK(eps > 0 && std::isfinite(eps), "fused softmin: eps must be positive and finite, got ",
              eps);
}

// Rows per parallel task: about 32k cost entries, at least one row.
int64_t RowGrain(int64_t m) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(m, 1)); }

void DenseForward(SimdIsa isa, const float* c, const float* g, const float* lb, float eps,
                  int64_t n, int64_t m, float* out) {
  at::parallel_for(0, n, RowGrain(m), [&](int64_t begin, int64_t end) {
    switch (isa) {
      case SimdIsa::kAvx512: return avx512::DenseForwardRows(c, g, lb, eps, m, begin, end, out);
      case SimdIsa::kAvx2: return avx2::DenseForwardRows(c, g, lb, eps, m, begin, end, out);
      case SimdIsa::kScalar: return scalar::DenseForwardRows(c, g, lb, eps, m, begin, end, out);
    }
  });
}

// The fused softmin as a LibTorch autograd function (see FusedSoftmin).
struct FusedSoftminFunction : public torch::autograd::Function<FusedSoftminFunction> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const at::Tensor& cost, const at::Tensor& g,
                                                const at::Tensor& log_b, double eps) {
    at::Tensor out = FusedSoftminForward(cost, g, log_b, eps);
    ctx->save_for_backward({cost, g, log_b, out});
    ctx->saved_data["eps"] = eps;
    return {out};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& cost = saved[0];
    const at::Tensor& g = saved[1];
    const at::Tensor& log_b = saved[2];
    const at::Tensor& out = saved[3];
    const double eps = ctx->saved_data["eps"].toDouble();
    at::Tensor grad_out = grads[0];
    if (!grad_out.defined()) return {at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    const bool need_cost = ctx->needs_input_grad(0);
    const bool need_g = ctx->needs_input_grad(1);
    const bool need_log_b = ctx->needs_input_grad(2);
    at::Tensor grad_cost, grad_g;
    if (at::GradMode::is_enabled()) {
      // create_graph: differentiable tensor ops (materialises S, n x m).
      at::Tensor lse = -out / eps;
      at::Tensor z = (g.unsqueeze(0) - cost) / eps + log_b.unsqueeze(0);
      at::Tensor t = grad_out.unsqueeze(1) * at::exp(z - lse.unsqueeze(1));
      grad_cost = t;
      grad_g = -t.sum(0);
    } else {
      std::tie(grad_cost, grad_g) =
          FusedSoftminBackward(cost, g, log_b, eps, out, grad_out.contiguous(), need_cost);
    }
    at::Tensor grad_log_b = need_log_b ? grad_g * eps : at::Tensor();
    return {need_cost ? grad_cost : at::Tensor(), need_g ? grad_g : at::Tensor(), grad_log_b,
            at::Tensor()};
  }
};

}  // namespace

SimdIsa BestSimdIsa() {
  static const SimdIsa isa = DetectIsa();
  return isa;
}

std::vector<SimdIsa> SupportedSimdIsas() {
  std::vector<SimdIsa> isas;
  for (SimdIsa isa : {SimdIsa::kScalar, SimdIsa::kAvx2, SimdIsa::kAvx512}) {
    if (static_cast<int>(isa) <= static_cast<int>(BestSimdIsa())) isas.push_back(isa);
  }
  return isas;
}

const char* SimdIsaName(SimdIsa isa) {
  switch (isa) {
    case SimdIsa::kScalar: return "scalar";
    case SimdIsa::kAvx2: return "avx2";
    case SimdIsa::kAvx512: return "avx512";
  }
  return "unknown";
}

void FastExp(const float* x, float* y, int64_t n, SimdIsa isa) {
  CheckIsa(isa);
  switch (isa) {
    case SimdIsa::kAvx512: return avx512::ExpArray(x, y, n);
    case SimdIsa::kAvx2: return avx2::ExpArray(x, y, n);
    case SimdIsa::kScalar: return scalar::ExpArray(x, y, n);
  }
}

at::Tensor FusedSoftminForward(const at::Tensor& cost, const at::Tensor& g,
                               const at::Tensor& log_b, double eps, SimdIsa isa) {
  CheckSoftminArgs(cost, g, log_b, eps);
  CheckIsa(isa);
  at::NoGradGuard no_grad;
  const at::Tensor c = cost.contiguous();
  const at::Tensor gc = g.contiguous();
  const at::Tensor lb = log_b.contiguous();
  const int64_t n = c.size(0);
  const int64_t m = c.size(1);
  at::Tensor out = at::empty({n}, c.options());
  if (n == 0) return out;
  if (m == 0) return out.fill_(std::numeric_limits<float>::infinity());  // -eps * log 0
  DenseForward(isa, c.data_ptr<float>(), gc.data_ptr<float>(), lb.data_ptr<float>(),
               static_cast<float>(eps), n, m, out.data_ptr<float>());
  return out;
}

std::pair<at::Tensor, at::Tensor> FusedSoftminBackward(const at::Tensor& cost, const at::Tensor& g,
                                                       const at::Tensor& log_b, double eps,
                                                       const at::Tensor& out,
                                                       const at::Tensor& grad_out,
                                                       bool need_grad_cost, SimdIsa isa) {
  CheckSoftminArgs(cost, g, log_b, eps);
  CheckIsa(isa);
  const int64_t n = cost.size(0);
  const int64_t m = cost.size(1);
  CheckFloatCpu(out, "out");
  CheckFloatCpu(grad_out, "grad_out");
  TORCH_CHECK(out.dim() == 1 && out.size(0) == n, "fused softmin backward: out must be [n = ", n,
              "], got ", out.sizes());
  TORCH_CHECK(grad_out.dim() == 1 && grad_out.size(0) == n,
              "fused softmin backward: grad_out must be [n = ", n, "], got ", grad_out.sizes());
  at::NoGradGuard no_grad;
  const at::Tensor c = cost.contiguous();
  const at::Tensor gc = g.contiguous();
  const at::Tensor lb = log_b.contiguous();
  const at::Tensor o = out.contiguous();
  const at::Tensor go = grad_out.contiguous();
  at::Tensor grad_cost = need_grad_cost ? at::empty({n, m}, c.options()) : at::Tensor();
  // Rows go in blocks of kFlushRows, summed in float, then added in double; the
  // blocks do not depend on the thread count (chunks hold whole blocks), so
  // neither do the float sums.
  constexpr int64_t kFlushRows = 32;
  const int64_t blocks = (n + kFlushRows - 1) / kFlushRows;
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), blocks));
  at::Tensor partial = at::zeros({chunks, m}, c.options().dtype(at::kDouble));
  const float* cp = c.data_ptr<float>();
  const float* gp = gc.data_ptr<float>();
  const float* lbp = lb.data_ptr<float>();
  const float* op = o.data_ptr<float>();
  const float* gop = go.data_ptr<float>();
  float* gcp = need_grad_cost ? grad_cost.data_ptr<float>() : nullptr;
  double* pp = partial.data_ptr<double>();
  const float epsf = static_cast<float>(eps);
  at::parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
    std::vector<float> acc(static_cast<size_t>(m));
    for (int64_t chunk = cb; chunk < ce; ++chunk) {
      const int64_t r0 = std::min(n, kFlushRows * (blocks * chunk / chunks));
      const int64_t r1 = std::min(n, kFlushRows * (blocks * (chunk + 1) / chunks));
      double* dst = pp + chunk * m;
      for (int64_t b = r0; b < r1; b += kFlushRows) {
        const int64_t e = std::min(r1, b + kFlushRows);
        std::fill(acc.begin(), acc.end(), 0.0f);
        switch (isa) {
          case SimdIsa::kAvx512:
            avx512::DenseBackwardRows(cp, gp, lbp, epsf, m, op, gop, b, e, gcp, acc.data());
            break;
          case SimdIsa::kAvx2:
            avx2::DenseBackwardRows(cp, gp, lbp, epsf, m, op, gop, b, e, gcp, acc.data());
            break;
          case SimdIsa::kScalar:
            scalar::DenseBackwardRows(cp, gp, lbp, epsf, m, op, gop, b, e, gcp, acc.data());
            break;
        }
        for (int64_t j = 0; j < m; ++j) dst[j] += acc[j];
      }
    }
  });
  at::Tensor grad_g = (-partial.sum(0)).to(at::kFloat);
  return {grad_cost, grad_g};
}

at::Tensor FusedSoftmin(const at::Tensor& cost, const at::Tensor& g, const at::Tensor& log_b,
                        double eps) {
  CheckSoftminArgs(cost, g, log_b, eps);
  const bool needs_graph = at::GradMode::is_enabled() &&
                           (cost.requires_grad() || g.requires_grad() || log_b.requires_grad());
  if (!needs_graph) return FusedSoftminForward(cost, g, log_b, eps);
  // .contiguous() outside the function keeps the layout change differentiable.
  return FusedSoftminFunction::apply(cost.contiguous(), g.contiguous(), log_b.contiguous(), eps)[0];
}

at::Tensor SoftminOnline(const at::Tensor& x, const at::Tensor& y, const at::Tensor& g,
                         const at::Tensor& log_b, double eps, SimdIsa isa) {
  CheckFloatCpu(x, "x");
  CheckFloatCpu(y, "y");
  CheckFloatCpu(g, "g");
  CheckFloatCpu(log_b, "log_b");
  CheckIsa(isa);
  TORCH_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(1) == y.size(1),
              "SoftminOnline: x must be [n, d] and y [m, d] with the same d, got ", x.sizes(),
              " and ", y.sizes());
  const int64_t n = x.size(0);
  const int64_t m = y.size(0);
  const int64_t d = x.size(1);
  TORCH_CHECK(g.dim() == 1 && g.size(0) == m, "SoftminOnline: g must be [m = ", m, "], got ",
              g.sizes());
  TORCH_CHECK(log_b.dim() == 1 && log_b.size(0) == m, "SoftminOnline: log_b must be [m = ", m,
              "], got ", log_b.sizes());
  TORCH_CHECK(eps > 0 && std::isfinite(eps), "SoftminOnline: eps must be positive and finite, got ",
              eps);
  TORCH_CHECK(!(at::GradMode::is_enabled() &&
                (x.requires_grad() || y.requires_grad() || g.requires_grad() ||
                 log_b.requires_grad())),
              "SoftminOnline is not differentiable: call it under torch::NoGradGuard (envelope "
              "mode) or use Softmin on a cost matrix");
  at::NoGradGuard no_grad;
  const at::Tensor xc = x.contiguous();
  const at::Tensor yt = y.t().contiguous();  // [d, m]: one coordinate of many points per load
  const at::Tensor gc = g.contiguous();
  const at::Tensor lb = log_b.contiguous();
  at::Tensor out = at::empty({n}, x.options());
  if (n == 0) return out;
  if (m == 0) return out.fill_(std::numeric_limits<float>::infinity());
  const float* xp = xc.data_ptr<float>();
  const float* ytp = yt.data_ptr<float>();
  const float* gp = gc.data_ptr<float>();
  const float* lbp = lb.data_ptr<float>();
  float* outp = out.data_ptr<float>();
  const float epsf = static_cast<float>(eps);
  at::parallel_for(0, n, RowGrain(m * std::max<int64_t>(d, 1)), [&](int64_t begin, int64_t end) {
    switch (isa) {
      case SimdIsa::kAvx512:
        return avx512::OnlineForwardRows(xp, ytp, d, gp, lbp, epsf, m, begin, end, outp);
      case SimdIsa::kAvx2:
        return avx2::OnlineForwardRows(xp, ytp, d, gp, lbp, epsf, m, begin, end, outp);
      case SimdIsa::kScalar:
        return scalar::OnlineForwardRows(xp, ytp, d, gp, lbp, epsf, m, begin, end, outp);
    }
  });
  return out;
}

}  // namespace otgan::ot

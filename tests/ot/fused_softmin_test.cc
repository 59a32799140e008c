// Tests of the fused CPU softmin (lib/ot/fused_softmin.h) against std::exp and
// the tensorized LibTorch reference (lib/ot/softmin.h), on every instruction
// set this CPU supports.
#include "lib/ot/fused_softmin.h"

#include <cmath>
#include <limits>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include "lib/ot/softmin.h"

namespace otgan::ot {
namespace {

// max_i |a_i - b_i| / (|b_i| + floor): relative error with a floor for values near 0.
double MaxRelErr(const at::Tensor& a, const at::Tensor& b, double floor) {
  at::Tensor ad = a.to(at::kDouble);
  at::Tensor bd = b.to(at::kDouble);
  return ((ad - bd).abs() / (bd.abs() + floor)).max().item<double>();
}

at::Tensor RandomCost(int64_t n, int64_t m, double scale, uint64_t seed) {
  at::manual_seed(seed);
  return at::rand({n, m}, at::kFloat) * scale;
}

at::Tensor LogUniform(int64_t m) { return at::full({m}, -std::log(static_cast<double>(m)), at::kFloat); }

TEST(FastExpTest, RelativeErrorBelow2e7OnEveryIsa) {
  const int64_t count = int64_t{1} << 22;
  std::vector<float> x(count), y(count);
  for (int64_t i = 0; i < count; ++i) x[i] = -87.0f + 175.0f * static_cast<float>(i) / (count - 1);
  for (SimdIsa isa : SupportedSimdIsas()) {
    FastExp(x.data(), y.data(), count, isa);
    double worst = 0.0;
    float worst_x = 0.0f;
    for (int64_t i = 0; i < count; ++i) {
      const double ref = std::exp(static_cast<double>(x[i]));
      const double err = std::abs(y[i] - ref) / ref;
      if (err > worst) {
        worst = err;
        worst_x = x[i];
      }
    }
    std::printf("exp %-6s max relative error %.3g at x = %.6g\n", SimdIsaName(isa), worst, worst_x);
    EXPECT_LT(worst, 2e-7) << SimdIsaName(isa) << " at x = " << worst_x;
  }
  double worst = 0.0;
  for (int64_t i = 0; i < count; i += 7) {
    const double ref = std::exp(static_cast<double>(x[i]));
    worst = std::max(worst, std::abs(FastExpScalar(x[i]) - ref) / ref);
  }
  EXPECT_LT(worst, 2e-7) << "FastExpScalar";
}

TEST(FastExpTest, SpecialCases) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // 19 values, so that both the vector body and the scalar tail see them.
  std::vector<float> x = {-inf, -1e30f, -1000.0f, -200.0f, -104.0f, -103.0f, -95.0f,
                          -88.0f, -87.3f, 0.0f,   1.0f,     -1.0f,   88.7f,   88.8f,
                          100.0f, 1e30f,  inf,    nan,      0.5f};
  std::vector<float> y(x.size());
  for (SimdIsa isa : SupportedSimdIsas()) {
    for (size_t shift = 0; shift < 2; ++shift) {  // each value once in a vector, once in the tail
      std::vector<float> xs(x.begin() + shift, x.end());
      xs.insert(xs.end(), x.begin(), x.begin() + shift);
      FastExp(xs.data(), y.data(), static_cast<int64_t>(xs.size()), isa);
      for (size_t i = 0; i < xs.size(); ++i) {
        const float v = xs[i];
        SCOPED_TRACE(std::string(SimdIsaName(isa)) + " x = " + std::to_string(v));
        if (std::isnan(v)) {
          EXPECT_TRUE(std::isnan(y[i]));
        } else if (v <= -104.0f) {
          EXPECT_EQ(y[i], 0.0f);
        } else if (v < -87.34f) {  // subnormal range: tiny, non-negative, no NaN
          EXPECT_GE(y[i], 0.0f);
          EXPECT_LT(y[i], std::numeric_limits<float>::min());
          EXPECT_NEAR(y[i], std::exp(static_cast<double>(v)), 2e-45);
        } else if (v > 88.73f) {
          EXPECT_EQ(y[i], inf);
        } else {
          EXPECT_NEAR(y[i] / std::exp(static_cast<double>(v)), 1.0, 2e-7);
        }
      }
    }
  }
  EXPECT_EQ(FastExpScalar(0.0f), 1.0f);
  EXPECT_EQ(FastExpScalar(-inf), 0.0f);
  EXPECT_EQ(FastExpScalar(inf), inf);
  EXPECT_TRUE(std::isnan(FastExpScalar(nan)));
}

// Sinkhorn-like alternation: f = softmin(C, g, log_b), g = softmin(C^T, f, log_a).
std::pair<at::Tensor, at::Tensor> Alternate(const at::Tensor& c, double eps, int iters,
                                            SoftminImpl impl) {
  const int64_t n = c.size(0), m = c.size(1);
  at::Tensor ct = c.t().contiguous();
  at::Tensor log_a = LogUniform(n), log_b = LogUniform(m);
  at::Tensor f = at::zeros({n}), g = at::zeros({m});
  for (int it = 0; it < iters; ++it) {
    f = Softmin(c, g, log_b, eps, impl);
    g = Softmin(ct, f, log_a, eps, impl);
  }
  return {f, g};
}

TEST(FusedSoftminTest, MatchesTensorizedAfterAlternatingIterations) {
  for (auto [n, m] : std::vector<std::pair<int64_t, int64_t>>{{77, 53}, {256, 200}, {1, 33}}) {
    at::Tensor c = RandomCost(n, m, 2.0, 7 + n);
    const double eps = 0.05;
    auto [f_t, g_t] = Alternate(c, eps, 20, SoftminImpl::kTensorized);
    auto [f_f, g_f] = Alternate(c, eps, 20, SoftminImpl::kFused);
    EXPECT_LT(MaxRelErr(f_f, f_t, 1e-2), 1e-5) << n << "x" << m;
    EXPECT_LT(MaxRelErr(g_f, g_t, 1e-2), 1e-5) << n << "x" << m;
  }
}

TEST(FusedSoftminTest, EveryIsaMatchesTensorized) {
  at::Tensor c = RandomCost(45, 1037, 3.0, 11);  // 1037 = one full block + a ragged one
  at::manual_seed(12);
  at::Tensor g = at::randn({1037});
  at::Tensor lb = at::log_softmax(at::randn({1037}), 0);
  at::Tensor ref = SoftminTensorized(c.to(at::kDouble), g.to(at::kDouble), lb.to(at::kDouble), 0.1);
  for (SimdIsa isa : SupportedSimdIsas()) {
    at::Tensor out = FusedSoftminForward(c, g, lb, 0.1, isa);
    EXPECT_LT(MaxRelErr(out, ref, 1e-2), 2e-6) << SimdIsaName(isa);
  }
}

TEST(FusedSoftminTest, HugeCostsTinyEpsStayFinite) {
  const int64_t n = 40, m = 61;
  at::Tensor c = RandomCost(n, m, 100.0, 3) + 1000.0;  // costs in [1000, 1100]
  const double eps = 1e-3;                              // z ~ -1e6
  at::Tensor lb = LogUniform(m);
  for (SimdIsa isa : SupportedSimdIsas()) {
    at::Tensor out = FusedSoftminForward(c, at::zeros({m}), lb, eps, isa);
    ASSERT_TRUE(at::isfinite(out).all().item<bool>()) << SimdIsaName(isa);
    // With uniform b: min_j C_ij <= out_i <= min_j C_ij + eps log m.
    at::Tensor cmin = std::get<0>(c.min(1));
    EXPECT_TRUE((out >= cmin - 1e-4).all().item<bool>());
    EXPECT_TRUE((out <= cmin + eps * std::log(m) + 1e-4).all().item<bool>());
    at::Tensor ref = SoftminTensorized(c.to(at::kDouble), at::zeros({m}, at::kDouble),
                                       lb.to(at::kDouble), eps);
    EXPECT_LT(MaxRelErr(out, ref, 1.0), 1e-6) << SimdIsaName(isa);
  }
}

TEST(FusedSoftminTest, OddSizesAndNonContiguousInputs) {
  for (auto [n, m] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {5, 1}, {3, 15}, {17, 31}, {9, 16}, {2, 1025}}) {
    at::Tensor base = RandomCost(m, n, 1.0, 100 + n * m);
    at::Tensor c = base.t();  // strided view [n, m]
    ASSERT_TRUE(n == 1 || m == 1 || !c.is_contiguous());
    at::manual_seed(5);
    at::Tensor g2 = at::randn({m, 2});
    at::Tensor g = g2.select(1, 1);  // stride 2
    at::Tensor lb = LogUniform(m);
    at::Tensor ref = SoftminTensorized(c, g, lb, 0.2);
    for (SimdIsa isa : SupportedSimdIsas()) {
      EXPECT_LT(MaxRelErr(FusedSoftminForward(c, g, lb, 0.2, isa), ref, 1e-2), 2e-6)
          << SimdIsaName(isa) << " " << n << "x" << m;
    }
    EXPECT_LT(MaxRelErr(Softmin(c, g, lb, 0.2, SoftminImpl::kFused), ref, 1e-2), 2e-6);
  }
}

TEST(FusedSoftminTest, ZeroWeightColumnsAreIgnored) {
  at::Tensor c = RandomCost(20, 37, 1.0, 21);
  at::Tensor lb = LogUniform(37);
  lb.index_put_({at::indexing::Slice(0, 37, 3)}, -std::numeric_limits<float>::infinity());
  at::Tensor g = at::zeros({37});
  at::Tensor ref = SoftminTensorized(c, g, lb, 0.1);
  EXPECT_LT(MaxRelErr(FusedSoftminForward(c, g, lb, 0.1), ref, 1e-2), 2e-6);
}

TEST(SoftminOnlineTest, EqualsPrecomputedCostPath) {
  for (int64_t d : {1, 2, 3, 5}) {
    at::manual_seed(40 + d);
    at::Tensor x = at::rand({37, d});
    at::Tensor y = at::rand({45, d});
    at::Tensor c = (x.unsqueeze(1) - y.unsqueeze(0)).pow(2).sum(2);
    at::Tensor g = at::randn({45}) * 0.1;
    at::Tensor lb = LogUniform(45);
    at::Tensor ref = FusedSoftminForward(c, g, lb, 0.05);
    for (SimdIsa isa : SupportedSimdIsas()) {
      EXPECT_LT(MaxRelErr(SoftminOnline(x, y, g, lb, 0.05, isa), ref, 1e-2), 2e-6)
          << SimdIsaName(isa) << " d = " << d;
    }
    // The other half-iteration: SoftminOnline(y, x, ...) == softmin on C^T.
    at::Tensor f = at::randn({37}) * 0.1;
    at::Tensor la = LogUniform(37);
    EXPECT_LT(MaxRelErr(SoftminOnline(y, x, f, la, 0.05), FusedSoftminForward(c.t(), f, la, 0.05), 1e-2),
              2e-6);
  }
}

TEST(SoftminOnlineTest, RefusesToRecordAutograd) {
  at::Tensor x = at::rand({4, 2}).requires_grad_(true);
  at::Tensor y = at::rand({3, 2});
  EXPECT_THROW(SoftminOnline(x, y, at::zeros({3}), LogUniform(3), 0.1), c10::Error);
  at::NoGradGuard no_grad;
  EXPECT_NO_THROW(SoftminOnline(x, y, at::zeros({3}), LogUniform(3), 0.1));
}

// Gradients of sum_i w_i out_i for both implementations.
std::vector<at::Tensor> Grads(const at::Tensor& c0, const at::Tensor& g0, const at::Tensor& lb0,
                              const at::Tensor& w, double eps, SoftminImpl impl) {
  at::Tensor c = c0.clone().requires_grad_(true);
  at::Tensor g = g0.clone().requires_grad_(true);
  at::Tensor lb = lb0.clone().requires_grad_(true);
  at::Tensor loss = (Softmin(c, g, lb, eps, impl) * w).sum();
  return torch::autograd::grad({loss}, {c, g, lb});
}

TEST(FusedSoftminAutogradTest, BackwardMatchesTensorizedAutograd) {
  const int64_t n = 33, m = 70;
  at::Tensor c = RandomCost(n, m, 1.0, 31);
  at::manual_seed(32);
  at::Tensor g = at::randn({m}) * 0.3;
  at::Tensor lb = at::log_softmax(at::randn({m}), 0);
  at::Tensor w = at::randn({n});
  auto ref = Grads(c, g, lb, w, 0.1, SoftminImpl::kTensorized);
  auto got = Grads(c, g, lb, w, 0.1, SoftminImpl::kFused);
  for (int k = 0; k < 3; ++k) {
    const double scale = ref[k].abs().max().item<double>();
    EXPECT_LT((got[k] - ref[k]).abs().max().item<double>(), 1e-5 * scale) << "input " << k;
  }
}

TEST(FusedSoftminAutogradTest, UnrolledIterationsMatchTensorizedAutograd) {
  const int64_t n = 24, m = 19;
  at::Tensor c0 = RandomCost(n, m, 1.0, 51);
  std::vector<at::Tensor> grads;
  for (SoftminImpl impl : {SoftminImpl::kTensorized, SoftminImpl::kFused}) {
    at::Tensor c = c0.clone().requires_grad_(true);
    at::Tensor ct = c.t().contiguous();
    at::Tensor f = at::zeros({n}), g = at::zeros({m});
    for (int it = 0; it < 5; ++it) {
      f = Softmin(c, g, LogUniform(m), 0.1, impl);
      g = Softmin(ct, f, LogUniform(n), 0.1, impl);
    }
    at::Tensor loss = f.sum() + (g * g).sum();
    grads.push_back(torch::autograd::grad({loss}, {c})[0]);
  }
  const double scale = grads[0].abs().max().item<double>();
  EXPECT_LT((grads[1] - grads[0]).abs().max().item<double>(), 1e-5 * scale);
}

TEST(FusedSoftminAutogradTest, BackwardMatchesFiniteDifferences) {
  // Central differences of the float64 tensorized function: an independent
  // check of the signs and factors of the fused backward.
  const int64_t n = 4, m = 5;
  const double eps = 0.3, h = 1e-6;
  at::Tensor c = RandomCost(n, m, 1.0, 61).to(at::kDouble);
  at::manual_seed(62);
  at::Tensor g = at::randn({m}, at::kDouble) * 0.2;
  at::Tensor lb = at::log_softmax(at::randn({m}, at::kDouble), 0);
  at::Tensor w = at::randn({n}, at::kDouble);
  auto got = Grads(c.to(at::kFloat), g.to(at::kFloat), lb.to(at::kFloat), w.to(at::kFloat), eps,
                   SoftminImpl::kFused);
  std::vector<at::Tensor> inputs = {c, g, lb};
  for (int k = 0; k < 3; ++k) {
    at::Tensor flat = inputs[k].view({-1});
    for (int64_t e = 0; e < flat.numel(); ++e) {
      const double orig = flat[e].item<double>();
      flat[e] = orig + h;
      const double up = (SoftminTensorized(c, g, lb, eps) * w).sum().item<double>();
      flat[e] = orig - h;
      const double down = (SoftminTensorized(c, g, lb, eps) * w).sum().item<double>();
      flat[e] = orig;
      const double fd = (up - down) / (2 * h);
      EXPECT_NEAR(got[k].view({-1})[e].item<double>(), fd, 1e-5 * (1 + std::abs(fd)))
          << "input " << k << " entry " << e;
    }
  }
}

TEST(FusedSoftminAutogradTest, DoubleBackwardFallsBackToTensorOps) {
  const int64_t n = 6, m = 7;
  at::Tensor c0 = RandomCost(n, m, 1.0, 71);
  std::vector<at::Tensor> second;
  for (SoftminImpl impl : {SoftminImpl::kTensorized, SoftminImpl::kFused}) {
    at::Tensor c = c0.clone().requires_grad_(true);
    at::Tensor out = Softmin(c, at::zeros({m}), LogUniform(m), 0.2, impl);
    at::Tensor gc = torch::autograd::grad({out.pow(2).sum()}, {c}, {}, true, true)[0];
    second.push_back(torch::autograd::grad({gc.pow(2).sum()}, {c})[0]);
  }
  const double scale = second[0].abs().max().item<double>();
  EXPECT_LT((second[1] - second[0]).abs().max().item<double>(), 1e-5 * scale);
}

TEST(FusedSoftminThreadsTest, MultithreadedEqualsSingleThreaded) {
  const int64_t n = 301, m = 517;
  at::Tensor c = RandomCost(n, m, 1.0, 81);
  at::manual_seed(82);
  at::Tensor g = at::randn({m}) * 0.1;
  at::Tensor lb = LogUniform(m);
  at::Tensor w = at::randn({n});
  at::Tensor x = at::rand({n, 2}), y = at::rand({m, 2});
  const int saved = at::get_num_threads();
  std::vector<at::Tensor> fwd, online, gcost, gg;
  for (int threads : {1, 2, 3}) {
    at::set_num_threads(threads);
    fwd.push_back(FusedSoftminForward(c, g, lb, 0.05));
    online.push_back(SoftminOnline(x, y, g, lb, 0.05));
    at::Tensor out = fwd.back();
    auto [gc, ggr] = FusedSoftminBackward(c, g, lb, 0.05, out, w, true);
    gcost.push_back(gc);
    gg.push_back(ggr);
  }
  at::set_num_threads(saved);
  for (size_t k = 1; k < fwd.size(); ++k) {
    EXPECT_TRUE(at::equal(fwd[k], fwd[0])) << "forward, threads " << k + 1;
    EXPECT_TRUE(at::equal(online[k], online[0])) << "online, threads " << k + 1;
    EXPECT_TRUE(at::equal(gcost[k], gcost[0])) << "grad cost, threads " << k + 1;
    // Column sums are split per thread: equal up to float rounding.
    EXPECT_LT(MaxRelErr(gg[k], gg[0], 1e-3), 1e-6) << "grad g, threads " << k + 1;
  }
}

TEST(SoftminDispatchTest, AutoPicksFusedForCpuFloatOnly) {
  at::Tensor c = RandomCost(8, 9, 1.0, 91);
  at::Tensor g = at::zeros({9}), lb = LogUniform(9);
  EXPECT_TRUE(FusedSoftminApplies(c, g, lb));
  EXPECT_TRUE(at::equal(Softmin(c, g, lb, 0.1), FusedSoftminForward(c, g, lb, 0.1)));
  at::Tensor cd = c.to(at::kDouble), gd = g.to(at::kDouble), lbd = lb.to(at::kDouble);
  EXPECT_FALSE(FusedSoftminApplies(cd, gd, lbd));
  EXPECT_TRUE(at::equal(Softmin(cd, gd, lbd, 0.1), SoftminTensorized(cd, gd, lbd, 0.1)));
  EXPECT_THROW(Softmin(cd, gd, lbd, 0.1, SoftminImpl::kFused), c10::Error);
  EXPECT_THROW(FusedSoftminForward(c, at::zeros({8}), lb, 0.1), c10::Error);  // wrong m
  EXPECT_THROW(FusedSoftminForward(c, g, lb, 0.0), c10::Error);               // eps <= 0
}

}  // namespace
}  // namespace otgan::ot

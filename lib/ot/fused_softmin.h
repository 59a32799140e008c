// Fused CPU kernels for the log-domain Sinkhorn half-iteration (softmin.h).
//
//   out_i = -eps * log sum_j exp((g_j - C_ij) / eps + log_b_j)
//
// One streaming pass per row of C (online maximum + rescaled sum, blocked so
// that each entry costs one exp and no n x m temporary exists), a vectorised
// exp written here (AVX-512, AVX2+FMA or scalar, chosen at run time with
// __builtin_cpu_supports; the file is not compiled with -march, so the binary
// runs on any x86-64), and rows split across at::get_num_threads() threads
// with at::parallel_for. Two cost sources:
//   - a precomputed float32 cost matrix (read once per call), FusedSoftmin;
//   - squared Euclidean costs computed on the fly from two point clouds of low
//     dimension, SoftminOnline: memory O(n + m), for clouds too large for C.
//
// Exp accuracy (measured by tests/ot/fused_softmin_test.cc against std::exp in
// double over 2^22 points of [-87, 88], on every ISA this CPU supports): max
// relative error 7.4e-8 (AVX-512 and AVX2; 8.2e-8 scalar), i.e. about 1 ulp;
// the test asserts < 2e-7. Inputs above ln(FLT_MAX) = 88.72
// give +inf, inputs below ln(FLT_MIN) = -87.34 give gradual underflow
// (AVX-512: correctly scaled subnormals; AVX2/scalar: a product of two powers
// of two, also subnormal) and exactly 0 below about -103.9; -inf gives 0 and
// NaN gives NaN.
//
// Usually called through otgan::ot::Softmin (softmin.h), whose kAuto picks
// this kernel for CPU float32 tensors:
//
//   at::Tensor f = otgan::ot::FusedSoftmin(C, g, log_b, /*eps=*/0.05);
//   at::Tensor f2 = otgan::ot::SoftminOnline(x, y, g, log_b, 0.05);  // C from points
#ifndef OTGAN_LIB_OT_FUSED_SOFTMIN_H_
#define OTGAN_LIB_OT_FUSED_SOFTMIN_H_

#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

namespace otgan::ot {

// Instruction sets of the kernels, from slowest to fastest.
enum class SimdIsa { kScalar, kAvx2, kAvx512 };

// The fastest instruction set this CPU supports (detected once).
SimdIsa BestSimdIsa();
// All instruction sets this CPU can run, kScalar first (for tests).
std::vector<SimdIsa> SupportedSimdIsas();
const char* SimdIsaName(SimdIsa isa);  // "scalar", "avx2", "avx512"

// The vectorised exp: y[i] = exp(x[i]) for i < n (one thread). Requesting an
// ISA the CPU lacks throws c10::Error.
void FastExp(const float* x, float* y, int64_t n, SimdIsa isa = BestSimdIsa());
// The same exp on one value (the scalar path; used for ragged ends).
float FastExpScalar(float x);

// Differentiable fused softmin. Shapes: cost [n, m], g [m], log_b [m]; all
// float32 on the CPU (other layouts are made contiguous first); returns [n].
// When autograd is recording and an input requires grad, this is a custom
// autograd function whose backward is fused too (S recomputed from the saved
// output, no n x m tensor kept between forward and backward):
//   grad_C_ij = grad_out_i S_ij,  grad_g_j = -sum_i grad_out_i S_ij,
//   grad_log_b_j = eps * grad_g_j,  S_ij = exp(z_ij - lse_i).
// Double backward (create_graph=true) falls back to tensor ops.
at::Tensor FusedSoftmin(const at::Tensor& cost, const at::Tensor& g, const at::Tensor& log_b,
                        double eps);

// The raw forward kernel (no autograd). Same contract as FusedSoftmin.
at::Tensor FusedSoftminForward(const at::Tensor& cost, const at::Tensor& g,
                               const at::Tensor& log_b, double eps, SimdIsa isa = BestSimdIsa());

// The raw backward kernel: given out = FusedSoftminForward(cost, g, log_b, eps)
// and grad_out [n], returns {grad_cost [n, m] (undefined unless
// need_grad_cost), grad_g [m]}. Column sums are accumulated per thread in
// float over blocks of 32 rows, then in double.
std::pair<at::Tensor, at::Tensor> FusedSoftminBackward(const at::Tensor& cost, const at::Tensor& g,
                                                       const at::Tensor& log_b, double eps,
                                                       const at::Tensor& out,
                                                       const at::Tensor& grad_out,
                                                       bool need_grad_cost,
                                                       SimdIsa isa = BestSimdIsa());

// Softmin with C_ij = |x_i - y_j|^2 computed on the fly: x [n, d], y [m, d],
// g [m], log_b [m], float32 CPU; returns [n]. Memory O((n + m) d); work
// O(n m d), so meant for low dimension (d = 1, 2, 3 have specialised loops).
// The other half-iteration is SoftminOnline(y, x, f, log_a, eps). Not
// differentiable: call it with autograd off (envelope mode, NoGradGuard); it
// throws if an input requires grad while grad mode is on.
at::Tensor SoftminOnline(const at::Tensor& x, const at::Tensor& y, const at::Tensor& g,
                         const at::Tensor& log_b, double eps, SimdIsa isa = BestSimdIsa());

}  // namespace otgan::ot

#endif  // OTGAN_LIB_OT_FUSED_SOFTMIN_H_

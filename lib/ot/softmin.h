// The log-domain Sinkhorn half-iteration ("softmin"), the hot loop of lib/ot.
//
//   out_i = -eps * log sum_j exp((g_j - C_ij) / eps + log_b_j)
//
// for a cost matrix C [n, m], potential g [m] and log-weights log_b [m]. The
// other half-iteration is the same call on C^T. Both paths are differentiable
// (LibTorch autograd) with respect to C, g and log_b; the fused path through a
// custom autograd function with a fused backward. The fused path reads C
// row-major: pass C^T as a contiguous tensor (a strided view is copied first).
//
//   torch::Tensor f = otgan::ot::Softmin(C, g, log_b, /*eps=*/0.1);
#ifndef OTGAN_LIB_OT_SOFTMIN_H_
#define OTGAN_LIB_OT_SOFTMIN_H_

#include <ATen/ATen.h>

namespace otgan::ot {

enum class SoftminImpl {
  kAuto,        // kFused for CPU float32 tensors, kTensorized otherwise (CUDA, float64...)
  kTensorized,  // plain LibTorch ops (any device, any floating dtype)
  kFused,       // fused CPU float32 kernel (fused_softmin.h); other inputs throw
};

// See the file comment. Shapes: cost [n, m], g [m], log_b [m]; returns [n].
at::Tensor Softmin(const at::Tensor& cost, const at::Tensor& g, const at::Tensor& log_b,
                   double eps, SoftminImpl impl = SoftminImpl::kAuto);

// True when kAuto takes the fused path: all three tensors CPU float32.
bool FusedSoftminApplies(const at::Tensor& cost, const at::Tensor& g, const at::Tensor& log_b);

// The tensorized reference implementation (LibTorch logsumexp).
at::Tensor SoftminTensorized(const at::Tensor& cost, const at::Tensor& g,
                             const at::Tensor& log_b, double eps);

}  // namespace otgan::ot

#endif  // OTGAN_LIB_OT_SOFTMIN_H_

#include "lib/ot/softmin.h"

#include <c10/util/Exception.h>

#include "lib/ot/fused_softmin.h"

namespace otgan::ot {

at::Tensor SoftminTensorized(const at::Tensor& cost, const at::Tensor& g,
                             const at::Tensor& log_b, double eps) {
  TORCH_CHECK(cost.dim() == 2, "Softmin: cost must be [n, m], got ", cost.sizes());
  TORCH_CHECK(g.dim() == 1 && g.size(0) == cost.size(1), "Softmin: g must be [m]");
  TORCH_CHECK(log_b.dim() == 1 && log_b.size(0) == cost.size(1), "Softmin: log_b must be [m]");
  TORCH_CHECK(eps > 0, "Softmin: eps must be positive, got ", eps);
  at::Tensor z = (g.unsqueeze(0) - cost) / eps + log_b.unsqueeze(0);
  return -eps * at::logsumexp(z, /*dim=*/{1});
}

bool FusedSoftminApplies(const at::Tensor& cost, const at::Tensor& g, const at::Tensor& log_b) {
  for (const at::Tensor* t : {&cost, &g, &log_b}) {
    if (!t->defined() || !t->device().is_cpu() || t->scalar_type() != at::kFloat) return false;
  }
  return true;
}

at::Tensor Softmin(const at::Tensor& cost, const at::Tensor& g, const at::Tensor& log_b,
                   double eps, SoftminImpl impl) {
  switch (impl) {
    case SoftminImpl::kAuto:
      return FusedSoftminApplies(cost, g, log_b) ? FusedSoftmin(cost, g, log_b, eps)
                                                 : SoftminTensorized(cost, g, log_b, eps);
    case SoftminImpl::kTensorized:
      return SoftminTensorized(cost, g, log_b, eps);
    case SoftminImpl::kFused:
      return FusedSoftmin(cost, g, log_b, eps);
  }
  TORCH_CHECK(false, "Softmin: unknown implementation");
}

}  // namespace otgan::ot

#include "lib/ot/softmin.h"

#include <c10/util/Exception.h>

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

at::Tensor Softmin(const at::Tensor& cost, const at::Tensor& g, const at::Tensor& log_b,
                   double eps, SoftminImpl impl) {
  switch (impl) {
    case SoftminImpl::kAuto:
    case SoftminImpl::kTensorized:
      return SoftminTensorized(cost, g, log_b, eps);
    case SoftminImpl::kFused:
      TORCH_CHECK(false, "Softmin: the fused CPU kernel is not built yet");
  }
  TORCH_CHECK(false, "Softmin: unknown implementation");
}

}  // namespace otgan::ot

#include "lib/dist/otgan_loss.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status.h"

namespace otgan::dist {

absl::StatusOr<at::Tensor> GlobalMinibatchEnergyDistance(
    const DistContext& dist, const at::Tensor& ex, const at::Tensor& ex2, const at::Tensor& ey,
    const at::Tensor& ey2, ot::CostKind kind, const ot::SinkhornOptions& options,
    ot::GradMode mode, GatherGrad gather, ot::SinkhornStats* stats) {
  for (const at::Tensor* e : {&ex, &ex2, &ey, &ey2}) {
    if (!e->defined() || e->dim() != 2 || e->sizes() != ex.sizes()) {
      return absl::InvalidArgumentError(
          "GlobalMinibatchEnergyDistance: expected four [b, d] embeddings of one shape");
    }
  }
  if (dist.world_size() == 1) {
    return TorchCall("minibatch energy distance", [&] {
      return ot::MinibatchEnergyDistance(ex, ex2, ey, ey2, kind, options, mode, stats);
    });
  }
  // One all-gather for the four: side by side as [b, 4d], split after.
  const int64_t d = ex.size(1);
  OTGAN_ASSIGN_OR_RETURN(at::Tensor all,
                         AllGatherWithGrad(dist, at::cat({ex, ex2, ey, ey2}, 1), gather));
  const std::vector<at::Tensor> e = all.split(d, 1);
  return TorchCall("minibatch energy distance on the gathered batch", [&] {
    return ot::MinibatchEnergyDistance(e[0], e[1], e[2], e[3], kind, options, mode, stats);
  });
}

}  // namespace otgan::dist

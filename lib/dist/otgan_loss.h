// OT-GAN's minibatch energy distance (Salimans et al. 2018) on the global
// batch of a data-parallel run: every rank embeds its shard of the real
// batches X, X' and generated batches Y, Y'; the four embeddings are
// all-gathered (one collective) and the Sinkhorn problems are solved on the
// gathered [B, d] embeddings, so a world of W ranks with B / W rows each
// computes exactly the loss of one process with batch B. Gradients flow back
// through the gather to each rank's shard (lib/dist/data_parallel.h); call
// AllReduceGradients on the updated net before its optimiser step.
//
//   OTGAN_ASSIGN_OR_RETURN(at::Tensor l, otgan::dist::GlobalMinibatchEnergyDistance(
//       dist, critic(x), critic(x2), critic(y), critic(y2), otgan::ot::CostKind::kCosine,
//       sinkhorn, otgan::ot::GradMode::kEnvelope));
//   critic_opt.zero_grad();
//   (-l).backward();
//   OTGAN_RETURN_IF_ERROR(otgan::dist::AllReduceGradients(dist, critic->parameters()));
//   critic_opt.step();
#ifndef OTGAN_LIB_DIST_OTGAN_LOSS_H_
#define OTGAN_LIB_DIST_OTGAN_LOSS_H_

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "lib/dist/context.h"
#include "lib/dist/data_parallel.h"
#include "lib/ot/cost.h"
#include "lib/ot/divergence.h"
#include "lib/ot/sinkhorn.h"

namespace otgan::dist {

// ex, ex2, ey, ey2: this rank's [b, d] embeddings (same b and d on every
// rank, else InvalidArgument). Returns ot::MinibatchEnergyDistance of the
// gathered [b * W, d] embeddings, the same value on every rank; `stats` gets
// this rank's (identical) Sinkhorn solves. A world of one is the plain call.
absl::StatusOr<at::Tensor> GlobalMinibatchEnergyDistance(
    const DistContext& dist, const at::Tensor& ex, const at::Tensor& ex2, const at::Tensor& ey,
    const at::Tensor& ey2, ot::CostKind kind, const ot::SinkhornOptions& options,
    ot::GradMode mode, GatherGrad gather = GatherGrad::kSumOverRanks,
    ot::SinkhornStats* stats = nullptr);

}  // namespace otgan::dist

#endif  // OTGAN_LIB_DIST_OTGAN_LOSS_H_

// Data-parallel training parts over a DistContext: the differentiable
// all-gather (for losses that couple the whole global batch, like OT-GAN's
// Sinkhorn problems), the gradient all-reduce before an optimiser step, the
// parameter broadcast at start-up, and the per-rank batch share and seed.
//
// Convention (PyTorch's DistributedDataParallel and torch.distributed.nn's
// all_gather): the objective being minimised is the mean over ranks of each
// rank's loss. AllGatherWithGrad's backward therefore sums the gathered
// gradient over ranks before taking this rank's rows, and AllReduceGradients
// averages. With these two rules:
//   - a per-rank mean loss over equal shards (WGAN-GP) gives exactly the
//     full-batch mean's gradient;
//   - a loss computed identically on every rank from gathered tensors (OT-GAN)
//     gives exactly the single-process gradient of that loss.
//
//   OTGAN_RETURN_IF_ERROR(otgan::dist::BroadcastParameters(dist, *critic));
//   ...
//   OTGAN_ASSIGN_OR_RETURN(at::Tensor all, otgan::dist::AllGatherWithGrad(dist, critic(x_shard)));
//   at::Tensor loss = LossOnGlobalBatch(all);
//   opt.zero_grad();
//   loss.backward();
//   OTGAN_RETURN_IF_ERROR(otgan::dist::AllReduceGradients(dist, critic->parameters()));
//   opt.step();
#ifndef OTGAN_LIB_DIST_DATA_PARALLEL_H_
#define OTGAN_LIB_DIST_DATA_PARALLEL_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/dist/context.h"

namespace otgan::dist {

// What the backward of AllGatherWithGrad does with the gradient of the
// gathered tensor.
enum class GatherGrad {
  // All-reduce (sum) the gathered gradient, then take this rank's rows: the
  // exact gradient of sum_r loss_r for any per-rank losses (one all-reduce of
  // the gathered size per backward).
  kSumOverRanks,
  // Take this rank's rows times world_size, without communication: the same
  // result when every rank computes the same loss from the gathered tensors
  // (bit-for-bit the same function of the same inputs), as OT-GAN's step does.
  kReplicatedLoss,
};

// Concatenates every rank's x (same shape on all ranks; checked with a small
// all-gather of the shapes first, so a mismatch is an InvalidArgument naming
// both shapes instead of a hang) along dim 0, in rank order. When x requires
// grad and grad mode is on, gradients flow back to this rank's x as `mode`
// says. The returned tensor's backward issues a collective (kSumOverRanks), so
// every rank must run the same backward; a failure there throws c10::Error
// with DistContext's message. A world of one returns x.
absl::StatusOr<at::Tensor> AllGatherWithGrad(const DistContext& dist, const at::Tensor& x,
                                             GatherGrad mode = GatherGrad::kSumOverRanks);

// Averages the gradients of `params` over ranks in one all-reduce of a
// flattened buffer (all gradients must share one dtype). A parameter whose
// gradient is undefined on every rank stays undefined; undefined on some ranks
// only counts as zero there. Call after backward(), before optimizer.step().
absl::Status AllReduceGradients(const DistContext& dist, const std::vector<at::Tensor>& params);

// Copies root's parameters and buffers of `module` to every rank (one
// broadcast of a flattened buffer), so all ranks start from the same weights.
absl::Status BroadcastParameters(const DistContext& dist, torch::nn::Module& module, int root = 0);

// The largest absolute difference between this rank's parameters and rank 0's
// (0 on rank 0 and for a world of one), for checks that replicas stayed in sync.
absl::StatusOr<double> MaxParameterDrift(const DistContext& dist, torch::nn::Module& module);

// True on every rank when `flag` is true on at least one (an all-reduce of one
// value): lets all ranks agree to stop at the same step, e.g. when one of them
// caught SIGTERM or saw a non-finite loss, instead of one rank leaving while
// the others wait in the next collective.
absl::StatusOr<bool> AnyRank(const DistContext& dist, bool flag);

// global_batch / world_size; InvalidArgument when it does not divide evenly
// (unequal shards would weight the ranks' means unequally).
absl::StatusOr<int64_t> LocalBatchSize(int64_t global_batch, int world_size);

// Rows [rank * n / world, (rank + 1) * n / world) of x (n divisible by world).
at::Tensor ShardRows(const at::Tensor& x, int rank, int world_size);

// A rank's seed derived from the run's seed: `seed` itself for rank 0 (so a
// single-process run draws what it always drew), SplitMix64(seed + rank *
// 0x9E3779B97F4A7C15) for rank > 0: the same on every run, distinct per rank.
uint64_t RankSeed(uint64_t seed, int rank);

}  // namespace otgan::dist

#endif  // OTGAN_LIB_DIST_DATA_PARALLEL_H_

// What the data-parallel mains (otgan_mnist, wgan_gp_mnist; lib/dist) share
// besides their step: the start of a data-parallel run and its manifest fact.
//
//   OTGAN_ASSIGN_OR_RETURN(dist::DistContext ctx, dist::DistContext::Create(c.dist));
//   OTGAN_RETURN_IF_ERROR(StartDataParallel(c, ctx, {gen.get(), critic.get()}, tc));
#ifndef OTGAN_REPLICATIONS_DATA_PARALLEL_H_
#define OTGAN_REPLICATIONS_DATA_PARALLEL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

#include "absl/status/status.h"
#include "lib/dist/context.h"
#include "lib/train/trainer.h"
#include "replications/common.h"

namespace otgan::replications {

// With config.dist.world_size > 1 (nothing otherwise): broadcasts rank 0's
// `nets` to every rank, reseeds LibTorch's default generator with
// RankSeed(seed, rank), and makes `tc` a rank's: progress and sample grids on
// rank 0 only, a stop vote (AnyRank) after every step. `dist` must outlive
// the Trainer built from `tc`.
absl::Status StartDataParallel(const CommonConfig& config, const dist::DistContext& dist,
                               const std::vector<torch::nn::Module*>& nets,
                               train::TrainerConfig& tc);

// The manifest fact ("distributed", "no (one process)" | "rank r of W (c10d
// Gloo, MASTER_ADDR a); global batch W x b = ...; <combine>; nets broadcast
// from rank 0; this rank's latents and data order from seed s = RankSeed(--seed,
// rank)"), for batches of `per_rank_batch` points per rank.
std::pair<std::string, std::string> DistributedFact(const CommonConfig& config,
                                                    int64_t per_rank_batch,
                                                    const std::string& combine);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_DATA_PARALLEL_H_

#include "replications/data_parallel.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "lib/dist/data_parallel.h"
#include "lib/util/status.h"

namespace otgan::replications {

absl::Status StartDataParallel(const CommonConfig& config, const dist::DistContext& dist,
                               const std::vector<torch::nn::Module*>& nets,
                               train::TrainerConfig& tc) {
  if (config.dist.world_size == 1) return absl::OkStatus();
  for (torch::nn::Module* net : nets) OTGAN_RETURN_IF_ERROR(dist::BroadcastParameters(dist, *net));
  at::manual_seed(dist::RankSeed(config.seed, config.dist.rank));
  tc.show_progress = config.is_root();
  if (!config.is_root()) tc.sample_every = 0;
  tc.stop_vote = [&dist](bool stop_here) { return dist::AnyRank(dist, stop_here); };
  return absl::OkStatus();
}

std::pair<std::string, std::string> DistributedFact(const CommonConfig& config,
                                                    int64_t per_rank_batch,
                                                    const std::string& combine) {
  const int world = config.dist.world_size;
  if (world == 1) return {"distributed", "no (one process)"};
  return {"distributed",
          absl::StrCat("rank ", config.dist.rank, " of ", world, " (c10d Gloo, MASTER_ADDR ",
                       config.dist.master_addr, "); global batch ", world, " x ", per_rank_batch,
                       " = ", world * per_rank_batch, "; ", combine,
                       "; nets broadcast from rank 0; this rank's latents and data order from "
                       "seed ", dist::RankSeed(config.seed, config.dist.rank),
                       " = RankSeed(--seed, rank) (lib/dist/data_parallel.h)")};
}

}  // namespace otgan::replications

// The OT-GAN loss settings shared by otgan_mnist and otgan_mog: the flags
// --batch_size, --sinkhorn_eps, --sinkhorn_iters, --sinkhorn_tol,
// --gen_steps_per_critic and --lr are defined once here (defaults: Salimans
// et al. 2018) and validated into a plain struct.
//
//   struct MogConfig : otgan::replications::OtganLossConfig { int64_t latent; };
//   OTGAN_ASSIGN_OR_RETURN(otgan::replications::OtganLossConfig loss,
//                          otgan::replications::OtganLossConfigFromFlags());
#ifndef OTGAN_REPLICATIONS_OTGAN_FAMILY_H_
#define OTGAN_REPLICATIONS_OTGAN_FAMILY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/ot/sinkhorn.h"
#include "lib/train/schedule.h"
#include "replications/common.h"

namespace otgan::replications {

struct OtganLossConfig {
  int64_t batch_size = 0;         // each of the four batches X, X', Y, Y'
  ot::SinkhornOptions sinkhorn;   // eps, max_iter, tol
  train::CriticSchedule schedule; // OtGanSchedule with --gen_steps_per_critic
  double lr = 0;                  // Adam (0.5, 0.999) for both nets
};

// Reads and validates the six shared flags; the message names the bad flag.
absl::StatusOr<OtganLossConfig> OtganLossConfigFromFlags();

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_OTGAN_FAMILY_H_

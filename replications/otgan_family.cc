#include "replications/otgan_family.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status.h"

ABSL_FLAG(int64_t, batch_size, 256,
          "points in each of the four batches X, X', Y, Y' (paper: 8000 on 8 GPUs; "
          "batch 200 was unstable on CIFAR-10)");
ABSL_FLAG(double, sinkhorn_eps, 1.0 / 500, "entropic regularisation on the cosine cost scale [0, 2]");
ABSL_FLAG(int, sinkhorn_iters, 500, "log-domain Sinkhorn iterations per transport problem");
ABSL_FLAG(double, sinkhorn_tol, 0,
          "stop a Sinkhorn solve early below this L1 marginal error; 0 = always run "
          "--sinkhorn_iters (the official code)");
ABSL_FLAG(int, gen_steps_per_critic, 3, "generator updates per critic update (paper 3, code 5)");
ABSL_FLAG(double, lr, 3e-4, "Adam learning rate of both nets (betas 0.5, 0.999)");

namespace otgan::replications {

absl::StatusOr<OtganLossConfig> OtganLossConfigFromFlags() {
  OtganLossConfig c;
  c.batch_size = absl::GetFlag(FLAGS_batch_size);
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("batch_size", c.batch_size, 2));
  c.sinkhorn.eps = absl::GetFlag(FLAGS_sinkhorn_eps);
  c.sinkhorn.max_iter = absl::GetFlag(FLAGS_sinkhorn_iters);
  c.sinkhorn.tol = absl::GetFlag(FLAGS_sinkhorn_tol);
  if (!(c.sinkhorn.eps > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--sinkhorn_eps=", c.sinkhorn.eps, ": expected > 0"));
  }
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("sinkhorn_iters", c.sinkhorn.max_iter, 1));
  if (!(c.sinkhorn.tol >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--sinkhorn_tol=", c.sinkhorn.tol, ": expected >= 0"));
  }
  OTGAN_RETURN_IF_ERROR(ot::ValidateSinkhornOptions(c.sinkhorn));
  c.schedule = train::OtGanSchedule();
  c.schedule.gen_steps_per_critic = absl::GetFlag(FLAGS_gen_steps_per_critic);
  OTGAN_RETURN_IF_ERROR(FlagAtLeast("gen_steps_per_critic", c.schedule.gen_steps_per_critic, 1));
  OTGAN_RETURN_IF_ERROR(train::ValidateSchedule(c.schedule));
  c.lr = absl::GetFlag(FLAGS_lr);
  if (!(c.lr > 0)) return absl::InvalidArgumentError(absl::StrCat("--lr=", c.lr, ": expected > 0"));
  return c;
}

}  // namespace otgan::replications

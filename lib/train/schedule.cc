#include "lib/train/schedule.h"

#include "absl/strings/str_cat.h"

namespace otgan::train {

absl::Status ValidateSchedule(const CriticSchedule& s) {
  if (s.n_critic < 0) {
    return absl::InvalidArgumentError(absl::StrCat("critic schedule: n_critic must be >= 0, got ", s.n_critic));
  }
  if (s.burst_first_iters < 0 || s.burst_every < 0 || s.burst_critic < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "critic schedule: burst_first_iters, burst_every and burst_critic must be >= 0, got ",
        s.burst_first_iters, ", ", s.burst_every, ", ", s.burst_critic));
  }
  if (s.gen_steps_per_critic < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "critic schedule: gen_steps_per_critic must be >= 1, got ", s.gen_steps_per_critic));
  }
  if (s.gen_steps_per_critic > 1 && (s.burst_first_iters > 0 || s.burst_every > 0)) {
    return absl::InvalidArgumentError(
        "critic schedule: bursts cannot be combined with gen_steps_per_critic > 1");
  }
  return absl::OkStatus();
}

int CriticSteps(int64_t gen_iter, const CriticSchedule& s) {
  if (s.gen_steps_per_critic > 1) return gen_iter % s.gen_steps_per_critic == 0 ? 1 : 0;
  if (gen_iter < s.burst_first_iters) return s.burst_critic;
  if (s.burst_every > 0 && gen_iter > 0 && gen_iter % s.burst_every == 0) return s.burst_critic;
  return s.n_critic;
}

int64_t TotalCriticSteps(int64_t gen_iters, const CriticSchedule& s) {
  int64_t total = 0;
  for (int64_t i = 0; i < gen_iters; ++i) total += CriticSteps(i, s);
  return total;
}

CriticSchedule WganPaperSchedule() { return CriticSchedule{}; }

CriticSchedule WganCodeSchedule() {
  CriticSchedule s;
  s.n_critic = 5;
  s.burst_first_iters = 25;
  s.burst_every = 500;
  s.burst_critic = 100;
  return s;
}

CriticSchedule WganGpSchedule() { return CriticSchedule{}; }

CriticSchedule OtGanSchedule() {
  CriticSchedule s;
  s.gen_steps_per_critic = 3;
  return s;
}

CriticSchedule AssignerSchedule(int assigner_steps) {
  CriticSchedule s;
  s.n_critic = assigner_steps;
  return s;
}

CriticSchedule NoCriticSchedule() {
  CriticSchedule s;
  s.n_critic = 0;
  return s;
}

absl::StatusOr<Budget> ParseBudget(const std::string& name) {
  Budget budget = Budget::kSmoke;
  std::string error;
  if (ParseEnumName(name, kBudgetNames, &budget, &error)) return budget;
  return absl::InvalidArgumentError(absl::StrCat("--budget=", name, ": ", error));
}

std::string BudgetName(Budget budget) { return EnumNameOf(budget, kBudgetNames); }

bool AbslParseFlag(absl::string_view text, Budget* budget, std::string* error) {
  return ParseEnumName(text, kBudgetNames, budget, error);
}

std::string AbslUnparseFlag(Budget budget) { return BudgetName(budget); }

}  // namespace otgan::train

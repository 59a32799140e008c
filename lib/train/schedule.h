// How many critic (or assigner) updates each generator iteration gets, and
// the run-length budgets every replication maps to its own step counts.
//
// The training loop (trainer.h) counts generator iterations; a method asks
// CriticSteps(i, schedule) how many critic updates iteration i runs first.
// The papers' schedules are named presets:
//
//   WGAN [paper]      n_critic = 5 every iteration
//   WGAN [code]       100 critic steps for iterations 0..24 and every 500th, else 5
//   WGAN-GP           n_critic = 5
//   OT-GAN            3 generator updates per critic update: iteration i runs
//                     one critic update when i % 3 == 0, none otherwise
//   Laschos assigner  each main loop (= one generator iteration) runs 5
//                     assigner steps
//   Genevay fixed cost no critic at all (0 steps)
//
//   otgan::train::CriticSchedule s = otgan::train::WganCodeSchedule();
//   for (int64_t i = 0; i < iters; ++i) {
//     for (int k = 0; k < otgan::train::CriticSteps(i, s); ++k) CriticUpdate();
//     GeneratorUpdate();
//   }
//
//   OTGAN_ASSIGN_OR_RETURN(auto budget, otgan::train::ParseBudget(flag));
#ifndef OTGAN_LIB_TRAIN_SCHEDULE_H_
#define OTGAN_LIB_TRAIN_SCHEDULE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/util/named_enum.h"

namespace otgan::train {

struct CriticSchedule {
  // Critic steps of an ordinary generator iteration (used when
  // gen_steps_per_critic == 1).
  int n_critic = 5;
  // Burst iterations (WGAN code): iterations 0..burst_first_iters-1 and every
  // iteration i > 0 with i % burst_every == 0 run burst_critic steps instead.
  int64_t burst_first_iters = 0;
  int64_t burst_every = 0;  // 0 = no periodic burst
  int burst_critic = 100;
  // OT-GAN: k > 1 generator iterations per critic update; iteration i runs one
  // critic update when i % k == 0 and none otherwise (n_critic is ignored).
  int gen_steps_per_critic = 1;
};

// Checks the fields: n_critic >= 0, burst_* >= 0, burst_critic >= 0,
// gen_steps_per_critic >= 1, and no bursts combined with gen_steps_per_critic > 1.
absl::Status ValidateSchedule(const CriticSchedule& schedule);

// Critic updates that generator iteration `gen_iter` (0-based) runs first.
int CriticSteps(int64_t gen_iter, const CriticSchedule& schedule);

// Sum of CriticSteps(i) over i in [0, gen_iters): for progress and budgets.
int64_t TotalCriticSteps(int64_t gen_iters, const CriticSchedule& schedule);

// Presets (see the file comment).
CriticSchedule WganPaperSchedule();  // 5 per iteration
CriticSchedule WganCodeSchedule();   // 100 for i < 25 and i % 500 == 0, else 5
CriticSchedule WganGpSchedule();     // 5 per iteration
CriticSchedule OtGanSchedule();      // 1 critic update per 3 generator iterations
CriticSchedule AssignerSchedule(int assigner_steps = 5);  // Laschos main loop
CriticSchedule NoCriticSchedule();   // Genevay with a fixed cost

// Run-length budgets. Each replication maps them to its own step counts:
// kSmoke runs well under a minute, kCpu about an hour on 2 cores, kPaper the
// published schedule.
enum class Budget { kSmoke, kCpu, kPaper };

inline constexpr EnumName<Budget> kBudgetNames[] = {
    {Budget::kSmoke, "smoke"}, {Budget::kCpu, "cpu"}, {Budget::kPaper, "paper"}};

// "smoke", "cpu" or "paper"; anything else is InvalidArgument naming the value.
absl::StatusOr<Budget> ParseBudget(const std::string& name);
std::string BudgetName(Budget budget);

// --budget as an Abseil flag of type Budget (lib/util/named_enum.h): a bad
// value is refused by the parser with the list of choices.
bool AbslParseFlag(absl::string_view text, Budget* budget, std::string* error);
std::string AbslUnparseFlag(Budget budget);

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_SCHEDULE_H_

// The assigner GAN's training (Laschos, Tinapp and Obermayer 2019; their code
// artnoage/Optimal-Transport-GAN @ 09a4c89), as named parts in the shape of
// the OT and WGAN families (RunOtganTraining, RunWganTraining):
//
//  - the latent law (CentreLatents): fixed N(0, I) centres; a batch takes
//    distinct centres plus sigma N(0, I) noise (data/Latent.py:105-120);
//  - the costs (AssignerCosts): the assignment cost c_a, by which generated
//    points are assigned to real ones, and the generator's cost c_g;
//  - the assigner step (RunAssignerPhase): N generated points assigned to the
//    M real ones under psi, then one step of psi on AssignerLoss;
//  - the generator replay (ReplayAssignedPairs): the last assigner step's
//    (latent, assigned real) pairs in minibatches, minimising c_g;
//  - RunAssignerTraining: one main loop (a Trainer step) = the assigner phase
//    then the replay, N from AssignerPointsPerStep.
//
// replications/assigner.cc wires them to flags, data and nets for
// //replications:assigner_mnist and :assigner_fashion.
//
//   const CentreLatents law{centres, /*sigma=*/0.02};
//   OTGAN_RETURN_IF_ERROR(RunAssignerTraining(trainer, schedule, AssignerParts{...}));
#ifndef OTGAN_REPLICATIONS_ASSIGNER_FAMILY_H_
#define OTGAN_REPLICATIONS_ASSIGNER_FAMILY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <c10/util/Optional.h>
#include <torch/optim/optimizer.h>

#include "absl/status/status.h"
#include "lib/data/dataset.h"
#include "lib/nn/mlp.h"
#include "lib/ot/semidiscrete.h"
#include "lib/train/losses.h"
#include "lib/train/optim.h"
#include "lib/train/schedule.h"
#include "lib/train/trainer.h"
#include "replications/common.h"
#include "replications/flag_types.h"

namespace otgan::replications {

// ---------------------------------------------------------------------------
// The latent law
// ---------------------------------------------------------------------------

// Their Assignment_latent: `centres` [C, latent] fixed N(0, I) points; a
// batch of n takes n distinct centres (the first rows of a random
// permutation; with n > C the permutation is repeated) plus sigma N(0, I).
struct CentreLatents {
  at::Tensor centres;  // [C, latent], on the training device
  double sigma = 0.02;

  // n latents: the permutation, then the noise, both from `gen` (LibTorch's
  // default generator when empty), drawn on the CPU.
  at::Tensor Draw(int64_t n, c10::optional<at::Generator> gen = c10::nullopt) const;
  // Centres picked by a permutation from `pick_gen`, plus sigma * noise
  // (noise [n, latent] given by the caller).
  at::Tensor WithNoise(const at::Tensor& noise, at::Generator& pick_gen) const;
  // The first n centres plus sigma N(0, I) from `gen` (the sample grid's
  // fixed latents).
  at::Tensor First(int64_t n, at::Generator& gen) const;
};

// ---------------------------------------------------------------------------
// The costs
// ---------------------------------------------------------------------------

// (generated points, psi [M]) -> their assignment to the M real points.
using AssignFn =
    std::function<ot::SemiDiscreteAssignment(const at::Tensor& fake, const at::Tensor& psi)>;

struct AssignerCosts {
  AssignFn assign;              // argmin_j c_a(x, y_j) + psi_j
  train::PairCostFn pair_cost;  // c_g(G(z), y), per pair
  std::string assign_desc, gen_desc;  // for the manifest
};

// kSquare: c_a = scale |x-y|^2 / sq_unit, c_g = |x-y|^2 / sq_unit (their
// Mnist_Square.py: scale 0.1, sq_unit 1 on [-1,1] pixels). kSsim: c_a =
// scale * -PSNR(x, y; range 2), c_g = 1 - SSIM(x+1, y+1; max_val 2, 4x4
// window) (their "psnr" run). `real` [M, 1, H, W] and `real_flat` [M, H*W]
// must outlive the functions.
AssignerCosts MakeAssignerCosts(AssignerCost cost, double scale, double sq_unit,
                                const at::Tensor& real, const at::Tensor& real_flat);

// ---------------------------------------------------------------------------
// The assigner step
// ---------------------------------------------------------------------------

// Generated points per assigner step in main loop `loop` of `loops`: whole
// latent batches, growing linearly from n_first to n_last as in their code
// (batches = n_first/batch + floor((n_last - n_first)/batch * loop/loops)).
int64_t AssignerPointsPerStep(int64_t loop, int64_t loops, int64_t n_first, int64_t n_last,
                              int64_t latent_batch);

// What one assigner phase needs from its caller.
struct AssignerPhaseFns {
  // n -> latents [n, latent].
  std::function<at::Tensor(int64_t n)> draw_latents;
  // latents -> generated points (called without autograd).
  std::function<at::Tensor(const at::Tensor& z)> generate;
  AssignFn assign;
};

struct AssignerPhaseResult {
  at::Tensor latents;  // [N, latent]: the last step's latents
  at::Tensor indices;  // int64 [N]: their assigned real points
  at::Tensor counts;   // int64 [M]: the last step's assignment counts
  double objective = 0;   // sum_j (count_j/N - 1/M) psi_j before the last update
  double variance = 0;    // AssignmentVariance of the last step
  double unassigned = 0;  // fraction of real points with count 0 (last step)
  double max_share = 0;   // max_j count_j / N (last step)
  double transport = 0;   // mean assignment cost c_a(x_i, y(x_i)) (last step)
  double generate_seconds = 0, assign_seconds = 0, psi_seconds = 0;
};

// `steps` assigner updates: each draws N = n points in chunks of `chunk`
// latents, assigns them under the current psi = psi_net(real_flat) and takes
// one optimizer step on AssignerLoss. real_flat [M, d].
AssignerPhaseResult RunAssignerPhase(nn::Mlp& psi_net, torch::optim::Optimizer& psi_opt,
                                     const at::Tensor& real_flat, int steps, int64_t n,
                                     int64_t chunk, const AssignerPhaseFns& fns);

// ---------------------------------------------------------------------------
// The generator replay
// ---------------------------------------------------------------------------

struct ReplayResult {
  double mean_loss = 0;  // over the generator steps (0 without any)
  int64_t steps = 0;
};

// `epochs` passes over the pairs (phase.latents[i], real[phase.indices[i]])
// in minibatches of `batch_size` (an incomplete last minibatch is dropped, as
// their code does), each a gen_opt step on AssignedTransportLoss(G(z), y,
// pair_cost).
ReplayResult ReplayAssignedPairs(const std::function<at::Tensor(const at::Tensor&)>& generate,
                                 torch::optim::Optimizer& gen_opt, const at::Tensor& real,
                                 const AssignerPhaseResult& phase, int64_t batch_size, int epochs,
                                 const train::PairCostFn& pair_cost);

// ---------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------

struct AssignerSchedule {
  int64_t loops = 0;        // main loops (the Trainer's total_steps)
  int assigner_steps = 5;   // assigner updates per main loop
  int64_t n_first = 0;      // generated points per assigner step, first loop
  int64_t n_last = 0;       // ... reached at the last loop
  int64_t latent_batch = 0; // the granularity of N (one chunk of the assignment)
  int64_t batch_size = 50;  // the generator's minibatch of pairs
  int gen_epochs = 1;       // replay passes per main loop
};

// The growth of N (generated points per assigner step) from the first main
// loop to the last, for schedule.latent_batch and M = num_real real images,
// unless n_first_flag / n_last_flag (> 0: --n_first, --n_last) set it:
//   smoke  one latent batch -> two;
//   cpu    the first whole number of latent batches >= M (5200 square, 5000
//          ssim at M = 5000), held fixed: the code's N starts above M (6000,
//          or 3000 = 0.6 M for ssim) and grows to 26 M, which this machine
//          cannot afford; below M a step leaves real points unassigned by
//          construction (loop times in replications/README.md);
//   paper  15 latent batches up by 25 M (their code, Mnist_Square.py:52).
// InvalidArgument for a negative flag, n_first below one latent batch or
// n_last below n_first.
absl::Status SetAssignerGrowth(train::Budget budget, int64_t num_real, int64_t n_first_flag,
                               int64_t n_last_flag, AssignerSchedule& schedule);

// Largest Euclidean distance between two rows of flat [M, D] (the real set's
// diameter, for --unit_diameter and the manifest).
double Diameter(const at::Tensor& flat);

// Every setting of an assigner run (replications/assigner.cc fills it from
// the flags).
struct AssignerConfig {
  data::DatasetName dataset = data::DatasetName::kMnist;
  AssignerCost cost = AssignerCost::kSquare;
  train::OptimizerSpec g_opt;
  train::OptimizerSpec psi_opt;
  AssignerSchedule schedule;  // loops, assigner steps, N, latent batch, generator replay
  int64_t latent = 250;
  int64_t latent_centres = 50000;
  double latent_sigma = 0.02;
  double assign_scale = 0.1;
  bool unit_diameter = false;
  int64_t num_real = 5000;
  uint64_t subset_seed = 0;
  train::TrainerConfig trainer;
  SmokeOverrides smoke;
};

// The manifest's facts of an assigner run: settings with their sources in
// the authors' code, costs, schedule, latent law, nets, seeds and curve.
// `data` describes the real set, `diameter` is its Diameter.
std::vector<std::pair<std::string, std::string>> AssignerFacts(const CommonConfig& c,
                                                               const AssignerConfig& a,
                                                               const AssignerCosts& costs,
                                                               const std::string& data,
                                                               double diameter);

struct AssignerParts {
  std::function<at::Tensor(const at::Tensor&)> generate;  // G(z), with autograd
  CentreLatents latents;
  AssignerCosts costs;
  nn::Mlp* psi_net = nullptr;
  torch::optim::Optimizer* psi_opt = nullptr;
  torch::optim::Optimizer* gen_opt = nullptr;
  at::Tensor real;       // [M, 1, H, W]
  at::Tensor real_flat;  // [M, H*W]
};

// Runs `trainer` (total_steps main loops) with the assigner's main loop. The
// nets, optimisers, sample grid and curve are registered by the caller.
// metrics.csv columns: gen_loss, assigner_objective, assignment_variance,
// unassigned_fraction, max_share, assign_cost, n_generated, gen_steps,
// assigner_seconds, generate_seconds, assign_seconds, psi_seconds,
// generator_seconds.
absl::Status RunAssignerTraining(train::Trainer& trainer, const AssignerSchedule& schedule,
                                 const AssignerParts& parts);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_ASSIGNER_FAMILY_H_

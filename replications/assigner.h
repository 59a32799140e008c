// The assigner GAN of Laschos, Tinapp and Obermayer (2019), "Training
// Generative Networks with Arbitrary Optimal Transport costs" (SPEC section 5),
// shared by //replications:assigner_mnist and //replications:assigner_fashion,
// whose mains only name the dataset. Settings follow their code,
// artnoage/Optimal-Transport-GAN @ 09a4c89 (src/Mnist_Square.py, Mnist_Ssim.py,
// models/Assignment_model.py); replications/fidelity/assigner.md compares
// every setting with file:line sources.
//
// One main loop (= one Trainer step) runs --assigner_steps assigner updates
// (RunAssignerPhase), then the generator update:
//  - assigner step: N generated points x_i = G(z_i) are each assigned to the
//    real point y(x_i) = argmin_j c_a(x_i, y_j) + psi(y_j) over all M real
//    images (lib/ot/semidiscrete.h); psi (an Mlp on the 1024 pixels) takes one
//    Adam(0.5, 0.9) step on AssignerLoss, i.e. maximises
//    sum_j (count_j/N - 1/M) psi(y_j);
//  - generator: the (latent, assigned real point) pairs of the last assigner
//    step are replayed in minibatches of --gen_batch for --gen_epochs passes,
//    minimising mean c_g(G(z_i), y(x_i)) (lib/train/losses.h), Adam(0.5, 0.9).
// Latents (data/Latent.py:105-120 at 09a4c89): 50,000 fixed N(0, I) centres in
// 250-d; a latent batch takes distinct centres (the first rows of a random
// permutation) and adds 0.02 N(0, I).
// Costs: --cost=square: c_a = 0.1 |x-y|^2, c_g = |x-y|^2; --cost=ssim (their
// "psnr" run): c_a = -PSNR, c_g = 1 - SSIM(x+1, y+1; max_val 2, 4x4 window).
// N grows linearly over the run from --n_first to --n_last (their code:
// 6k -> 130k); the cpu budget holds N at the first whole number of latent
// batches >= M, so every real point can receive a generated one.
//
//   int main(int argc, char** argv) {
//     return otgan::replications::AssignerMain(argc, argv, otgan::data::DatasetName::kMnist);
//   }
#ifndef OTGAN_REPLICATIONS_ASSIGNER_H_
#define OTGAN_REPLICATIONS_ASSIGNER_H_

#include <cstdint>
#include <functional>

#include <ATen/ATen.h>
#include <torch/optim/optimizer.h>

#include "lib/data/dataset.h"
#include "lib/nn/mlp.h"
#include "lib/ot/semidiscrete.h"

namespace otgan::replications {

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
  // (generated points, psi [M]) -> their assignment to the M real points.
  std::function<ot::SemiDiscreteAssignment(const at::Tensor& fake, const at::Tensor& psi)> assign;
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

// The whole main of assigner_<dataset>: flags, training, samples_eval.npy.
int AssignerMain(int argc, char** argv, data::DatasetName dataset);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_ASSIGNER_H_

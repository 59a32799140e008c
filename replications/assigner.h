// The assigner GAN of Laschos, Tinapp and Obermayer (2019), "Training
// Generative Networks with Arbitrary Optimal Transport costs" (SPEC section 5),
// shared by //replications:assigner_mnist and //replications:assigner_fashion,
// whose mains only name the dataset.
//
// One main loop (= one Trainer step) runs --assigner_steps assigner updates,
// then the generator update:
//  - assigner step: N generated points x_i = G(z_i) are each assigned to the
//    real point y(x_i) = argmin_j c_a(x_i, y_j) + psi(y_j) over all M real
//    images (lib/ot/semidiscrete.h); psi (an Mlp on the 1024 pixels) takes one
//    RMSProp step on AssignerLoss, i.e. maximises sum_j (count_j/N - 1/M) psi(y_j);
//  - generator: the (latent, assigned real point) pairs of the last assigner
//    step are replayed in minibatches of --gen_batch for --gen_epochs passes,
//    minimising mean c_g(G(z_i), y(x_i)) (lib/train/losses.h).
// Costs: --cost=square: c_a = 0.1 |x-y|^2, c_g = |x-y|^2; --cost=ssim:
// c_a = -PSNR (their code's "psnr" run), c_g = 1 - SSIM. N grows linearly over
// the run from --n_first to --n_last (their code: 6k -> 130k).
//
//   int main(int argc, char** argv) {
//     return otgan::replications::AssignerMain(argc, argv, otgan::data::DatasetName::kMnist);
//   }
#ifndef OTGAN_REPLICATIONS_ASSIGNER_H_
#define OTGAN_REPLICATIONS_ASSIGNER_H_

#include <cstdint>

#include "lib/data/dataset.h"

namespace otgan::replications {

// Generated points per assigner step in main loop `loop` of `loops`: whole
// latent batches, growing linearly from n_first to n_last as in their code
// (batches = n_first/batch + floor((n_last - n_first)/batch * loop/loops)).
int64_t AssignerPointsPerStep(int64_t loop, int64_t loops, int64_t n_first, int64_t n_last,
                              int64_t latent_batch);

// The whole main of assigner_<dataset>: flags, training, samples_eval.npy.
int AssignerMain(int argc, char** argv, data::DatasetName dataset);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_ASSIGNER_H_

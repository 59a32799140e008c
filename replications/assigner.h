// The assigner GAN of Laschos, Tinapp and Obermayer (2019), "Training
// Generative Networks with Arbitrary Optimal Transport costs" (SPEC section 5),
// shared by //replications:assigner_mnist and //replications:assigner_fashion,
// whose mains only name the dataset. Settings follow their code,
// artnoage/Optimal-Transport-GAN @ 09a4c89 (src/Mnist_Square.py, Mnist_Ssim.py,
// models/Assignment_model.py); replications/fidelity/assigner.md compares
// every setting with file:line sources.
//
// The training is replications/assigner_family.h's named parts; this file
// wires them to the flags, the data and the nets. One main loop (= one
// Trainer step) runs --assigner_steps assigner updates, then the generator
// update:
//  - assigner step: N generated points x_i = G(z_i) are each assigned to the
//    real point y(x_i) = argmin_j c_a(x_i, y_j) + psi(y_j) over all M real
//    images (lib/ot/semidiscrete.h); psi (an Mlp on the 1024 pixels) takes one
//    Adam(0.5, 0.9) step on AssignerLoss, i.e. maximises
//    sum_j (count_j/N - 1/M) psi(y_j);
//  - generator: the (latent, assigned real point) pairs of the last assigner
//    step are replayed in minibatches of --batch_size for --gen_epochs passes,
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

#include "lib/data/dataset.h"

namespace otgan::replications {

// The whole main of assigner_<dataset>: flags, training, samples_eval.npy.
int AssignerMain(int argc, char** argv, data::DatasetName dataset);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_ASSIGNER_H_

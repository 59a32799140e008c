// Laschos et al. 2019 assigner GAN on Fashion-MNIST: 5000 training images at 32x32 in
// [-1,1], --cost=square|ssim (see replications/assigner.h).
//
//   bazel run //replications:assigner_fashion -- --budget=cpu --cost=square
#include "lib/data/dataset.h"
#include "replications/assigner.h"

int main(int argc, char** argv) {
  return otgan::replications::AssignerMain(argc, argv, otgan::data::DatasetName::kFashion);
}

#include "tools/figures/registry.h"

namespace otgan::figures {

const std::vector<FigureFamily>& FigureFamilies() {
  static const auto* const kFamilies = new std::vector<FigureFamily>{
      {"curves", BuildCurves},
      {"samples", BuildSampleGrids},
      {"toys", BuildToys},
      {"sinkhorn_sweep", BuildSinkhornSweep},
      {"otgan_batch_sweep", BuildOtganBatchSweep},
      {"w1", BuildW1Chart},
      {"bench", BuildBench},
      {"compute_matched", BuildComputeMatched},
      {"wgan_claim", BuildWganCriticQuality},
      {"sections", BuildSections},
      {"verdict", BuildVerdict},
      {"discussion", BuildDiscussion},
  };
  return *kFamilies;
}

const std::vector<PaperSection>& PaperSections() {
  static const auto* const kSections = new std::vector<PaperSection>{
      {"genevay",
       {"sinkhorn_gan_mnist"},
       {},
       {{"sinkhorn_gan_sweep", {"sinkhorn_eps", "sinkhorn_iters"}}},
       {{"sweep_sinkhorn", 0.95}, {"sweep_sinkhorn_samples", 0.8}},
       "Genevay et al.\\ 2018 (Sinkhorn GAN)",
       "Sinkhorn losses with a fixed cost learn MNIST; large $\\varepsilon$ behaves like MMD",
       "genevay2018"},
      {"otgan",
       {"otgan_mnist"},
       {"otgan_mog"},
       {{"otgan_batch_sweep", {"batch_size"}}},
       {{"sweep_otgan_batch", 0.95}, {"sweep_otgan_batch_time", 0.95}},
       "Salimans et al.\\ 2018 (OT-GAN)",
       "the minibatch energy distance on a learned cosine cost: high IS (CIFAR-10) and all 8 "
       "toy modes kept",
       "salimans2018"},
      {"wgan", {"wgan_mnist"}, {}, {}, {{"wgan_critic_quality", 0.95}},
       "Arjovsky et al.\\ 2017 (WGAN)",
       "a weight-clipped critic trains the generator; its loss tracks sample quality",
       "arjovsky2017"},
      {"wgangp", {"wgan_gp_mnist"}, {"wgan_gp_toy"}, {}, {},
       "Gulrajani et al.\\ 2017 (WGAN-GP)",
       "a gradient penalty instead of clipping: stable training; high IS; every toy mode",
       "gulrajani2017"},
      {"laschos", {"assigner_mnist", "assigner_fashion"}, {}, {}, {},
       "Laschos et al.\\ 2019 (assigner)",
       "an assigner network trains generators with arbitrary OT costs to the lowest pixel W1 "
       "on MNIST and Fashion-MNIST",
       "laschos2019"},
  };
  return *kSections;
}

}  // namespace otgan::figures

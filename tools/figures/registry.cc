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
      {"sections", BuildSections},
      {"discussion", BuildDiscussion},
  };
  return *kFamilies;
}

const std::vector<PaperSection>& PaperSections() {
  static const auto* const kSections = new std::vector<PaperSection>{
      {"genevay",
       {"sinkhorn_gan_mnist"},
       {},
       {{"sinkhorn_gan_sweep", {"eps", "sinkhorn_iters"}}},
       {{"sweep_sinkhorn", 0.95}, {"sweep_sinkhorn_samples", 0.8}}},
      {"otgan",
       {"otgan_mnist"},
       {"otgan_mog"},
       {{"otgan_batch_sweep", {"batch_size"}}},
       {{"sweep_otgan_batch", 0.95}}},
      {"wgan", {"wgan_mnist"}, {}, {}, {}},
      {"wgangp", {"wgan_gp_mnist"}, {"wgan_gp_toy"}, {}, {}},
      {"laschos", {"assigner_mnist", "assigner_fashion"}, {}, {}, {}},
  };
  return *kSections;
}

}  // namespace otgan::figures

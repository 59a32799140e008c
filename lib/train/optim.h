// Optimiser factories with the five papers' settings as named presets.
//
// An OptimizerSpec is a plain value (kind, learning rate, betas, ...) that a
// replication picks, records in its manifest (Describe) and turns into a
// LibTorch optimiser over a module's parameters (MakeOptimizer).
//
//   OptimizerSpec spec = otgan::train::WganGpAdamPaper();  // Adam 1e-4 (0, 0.9)
//   OTGAN_ASSIGN_OR_RETURN(auto opt, otgan::train::MakeOptimizer(spec, critic->parameters()));
//   manifest.flags["critic_optimizer"] = otgan::train::Describe(spec);
//
// RMSProp follows PyTorch's definition (smoothing alpha = 0.99, eps = 1e-8
// added outside the square root), which is what WGAN's official PyTorch code
// used. Laschos et al. trained with TensorFlow, whose RMSProp defaults differ
// (decay 0.9, eps 1e-10); their preset keeps the learning rates and PyTorch's
// alpha/eps, and says so in Describe's source string.
//
// kTfRmsProp is TensorFlow 1's RMSPropOptimizer (lib/train/tf_rmsprop.h):
// accumulator initialised to ones, eps inside the square root, decay in
// `alpha`; TfRmsProp(lr) has TF's defaults decay 0.9, eps 1e-10. The WGAN-GP
// authors' MNIST code in "wgan" mode trains both nets with it (WganTfRmsProp).
#ifndef OTGAN_LIB_TRAIN_OPTIM_H_
#define OTGAN_LIB_TRAIN_OPTIM_H_

#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/optim/optimizer.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otgan::train {

enum class OptimizerKind {
  kAdam,
  kRmsProp,    // LibTorch RMSprop: accumulator starts at 0, eps outside the root
  kTfRmsProp,  // TF1 RMSPropOptimizer: accumulator starts at 1, eps inside the root
};

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::kAdam;
  double lr = 1e-4;
  double beta1 = 0.9;   // Adam
  double beta2 = 0.999; // Adam
  double alpha = 0.99;  // RMSProp smoothing constant (TF's "decay")
  double eps = 1e-8;
  std::string source;   // where the setting comes from, e.g. "WGAN-GP [paper]"
};

// Adam(lr, (beta1, beta2)), eps 1e-8.
OptimizerSpec Adam(double lr, double beta1, double beta2);
// RMSProp(lr), PyTorch defaults alpha 0.99, eps 1e-8, no momentum.
OptimizerSpec RmsProp(double lr);
// TF1 RMSPropOptimizer(lr) with TF's defaults: decay (alpha) 0.9, eps 1e-10
// inside the square root, accumulator initialised to ones, no momentum.
OptimizerSpec TfRmsProp(double lr);

// lr > 0, betas in [0, 1), alpha in [0, 1), eps > 0; the message names the field.
absl::Status ValidateOptimizerSpec(const OptimizerSpec& spec);

// A LibTorch optimiser over `params` (which must be non-empty).
absl::StatusOr<std::unique_ptr<torch::optim::Optimizer>> MakeOptimizer(
    const OptimizerSpec& spec, const std::vector<at::Tensor>& params);

// One line for manifests and logs, e.g. "Adam(lr=0.0001, betas=(0, 0.9),
// eps=1e-08) [WGAN-GP [paper]]".
std::string Describe(const OptimizerSpec& spec);

// Presets.
OptimizerSpec WganRmsProp();          // LibTorch RMSProp 5e-5 [paper; Arjovsky's PyTorch code]
OptimizerSpec WganTfRmsProp();        // TF1 RMSProp 5e-5 [WGAN-GP authors' gan_mnist.py, wgan mode]
OptimizerSpec WganGpAdamPaper();      // Adam 1e-4, (0, 0.9) [paper]
OptimizerSpec WganGpAdamMnistCode();  // Adam 1e-4, (0.5, 0.9) [MNIST and toy code]
OptimizerSpec OtGanAdam();            // Adam 3e-4, (0.5, 0.999) [paper]
OptimizerSpec GenevayAdam();          // Adam 5e-3, PyTorch default betas (0.9, 0.999) [code]
OptimizerSpec LaschosGeneratorRmsProp();  // RMSProp 1e-4 [code]
OptimizerSpec LaschosAssignerRmsProp();   // RMSProp 5e-5 [code]

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_OPTIM_H_

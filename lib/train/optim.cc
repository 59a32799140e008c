#include "lib/train/optim.h"

#include <tuple>

#include <torch/optim/adam.h>
#include <torch/optim/rmsprop.h>

#include "absl/strings/str_cat.h"
#include "lib/train/tf_rmsprop.h"
#include "lib/util/status.h"

namespace otgan::train {

OptimizerSpec Adam(double lr, double beta1, double beta2) {
  OptimizerSpec s;
  s.kind = OptimizerKind::kAdam;
  s.lr = lr;
  s.beta1 = beta1;
  s.beta2 = beta2;
  return s;
}

OptimizerSpec RmsProp(double lr) {
  OptimizerSpec s;
  s.kind = OptimizerKind::kRmsProp;
  s.lr = lr;
  return s;
}

OptimizerSpec TfRmsProp(double lr) {
  OptimizerSpec s;
  s.kind = OptimizerKind::kTfRmsProp;
  s.lr = lr;
  s.alpha = 0.9;
  s.eps = 1e-10;
  return s;
}

absl::Status ValidateOptimizerSpec(const OptimizerSpec& s) {
  auto bad = [&](const char* field, double v, const char* want) {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer ", Describe(s), ": ", field, " must be ", want, ", got ", v));
  };
  if (!(s.lr > 0)) return bad("lr", s.lr, "> 0");
  if (!(s.eps > 0)) return bad("eps", s.eps, "> 0");
  if (s.kind == OptimizerKind::kAdam) {
    if (!(s.beta1 >= 0 && s.beta1 < 1)) return bad("beta1", s.beta1, "in [0, 1)");
    if (!(s.beta2 >= 0 && s.beta2 < 1)) return bad("beta2", s.beta2, "in [0, 1)");
  } else if (!(s.alpha >= 0 && s.alpha < 1)) {
    return bad("alpha", s.alpha, "in [0, 1)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<torch::optim::Optimizer>> MakeOptimizer(
    const OptimizerSpec& spec, const std::vector<at::Tensor>& params) {
  OTGAN_RETURN_IF_ERROR(ValidateOptimizerSpec(spec));
  if (params.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer ", Describe(spec), ": no parameters to optimise"));
  }
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (spec.kind == OptimizerKind::kAdam) {
    opt = std::make_unique<torch::optim::Adam>(
        params, torch::optim::AdamOptions(spec.lr)
                    .betas(std::make_tuple(spec.beta1, spec.beta2))
                    .eps(spec.eps));
  } else if (spec.kind == OptimizerKind::kTfRmsProp) {
    opt = std::make_unique<TfRmsPropOptimizer>(
        params, torch::optim::RMSpropOptions(spec.lr).alpha(spec.alpha).eps(spec.eps));
  } else {
    opt = std::make_unique<torch::optim::RMSprop>(
        params, torch::optim::RMSpropOptions(spec.lr).alpha(spec.alpha).eps(spec.eps));
  }
  return opt;
}

std::string Describe(const OptimizerSpec& s) {
  std::string out;
  switch (s.kind) {
    case OptimizerKind::kAdam:
      out = absl::StrCat("Adam(lr=", s.lr, ", betas=(", s.beta1, ", ", s.beta2, "), eps=", s.eps, ")");
      break;
    case OptimizerKind::kRmsProp:
      out = absl::StrCat("RMSProp(lr=", s.lr, ", alpha=", s.alpha, ", eps=", s.eps, ")");
      break;
    case OptimizerKind::kTfRmsProp:
      out = absl::StrCat("TF1 RMSProp(lr=", s.lr, ", decay=", s.alpha, ", eps=", s.eps,
                         " inside sqrt, accumulator init 1)");
      break;
  }
  if (!s.source.empty()) absl::StrAppend(&out, " [", s.source, "]");
  return out;
}

namespace {
OptimizerSpec WithSource(OptimizerSpec s, const char* source) {
  s.source = source;
  return s;
}
}  // namespace

OptimizerSpec WganRmsProp() {
  return WithSource(RmsProp(5e-5), "WGAN paper lr; LibTorch RMSprop as in Arjovsky's PyTorch code");
}
OptimizerSpec WganTfRmsProp() {
  return WithSource(TfRmsProp(5e-5), "gan_mnist.py wgan mode, tf.train.RMSPropOptimizer(5e-5)");
}
OptimizerSpec WganGpAdamPaper() { return WithSource(Adam(1e-4, 0.0, 0.9), "WGAN-GP paper"); }
OptimizerSpec WganGpAdamMnistCode() {
  return WithSource(Adam(1e-4, 0.5, 0.9), "WGAN-GP MNIST/toy code");
}
OptimizerSpec OtGanAdam() { return WithSource(Adam(3e-4, 0.5, 0.999), "OT-GAN paper"); }
OptimizerSpec GenevayAdam() {
  return WithSource(Adam(5e-3, 0.9, 0.999), "Genevay code, default betas");
}
OptimizerSpec LaschosGeneratorRmsProp() {
  return WithSource(RmsProp(1e-4), "Laschos code lr; PyTorch alpha/eps, TF used decay 0.9");
}
OptimizerSpec LaschosAssignerRmsProp() {
  return WithSource(RmsProp(5e-5), "Laschos code lr; PyTorch alpha/eps, TF used decay 0.9");
}

}  // namespace otgan::train

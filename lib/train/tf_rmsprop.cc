#include "lib/train/tf_rmsprop.h"

#include <memory>
#include <string>
#include <utility>

#include <c10/util/string_utils.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace otgan::train {

TfRmsPropOptimizer::TfRmsPropOptimizer(const std::vector<at::Tensor>& params,
                     torch::optim::RMSpropOptions options)
    : torch::optim::RMSprop(params, options) {
  TORCH_CHECK(options.momentum() == 0, "TfRmsPropOptimizer: momentum must be 0, got ", options.momentum());
  TORCH_CHECK(options.weight_decay() == 0, "TfRmsPropOptimizer: weight_decay must be 0, got ",
              options.weight_decay());
  TORCH_CHECK(!options.centered(), "TfRmsPropOptimizer: centered is not supported");
}

at::Tensor TfRmsPropOptimizer::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  at::Tensor loss;
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::RMSpropOptions&>(group.options());
    const double lr = options.lr();
    const double decay = options.alpha();
    const double eps = options.eps();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const at::Tensor& grad = p.grad();
      const std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto state = std::make_unique<torch::optim::RMSpropParamState>();
        state->step(0);
        // TF's "rms" slot starts at ones (rmsprop.py, _create_slots).
        state->square_avg(at::ones_like(p, at::MemoryFormat::Preserve));
        it = state_.emplace(key, std::move(state)).first;
      }
      auto& state = static_cast<torch::optim::RMSpropParamState&>(*it->second);
      state.step(state.step() + 1);
      at::Tensor& ms = state.square_avg();
      // TF's kernel: ms += (grad^2 - ms) * (1 - rho); var -= lr * grad / sqrt(ms + eps).
      ms.add_((grad * grad - ms) * (1.0 - decay));
      p.sub_(grad * lr / (ms + eps).sqrt());
    }
  }
  return loss;
}

}  // namespace otgan::train

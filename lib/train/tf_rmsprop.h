// TensorFlow 1's RMSPropOptimizer (tf.train.RMSPropOptimizer, momentum 0,
// centered false) as a LibTorch optimiser.
//
// It differs from LibTorch's RMSprop in three ways that matter early in
// training: the mean-square accumulator starts at ONE (TF's "rms" slot,
// ones_initializer), not zero, so the first updates are about lr * |g| rather
// than sign steps of about lr / sqrt(1 - decay); epsilon is added INSIDE the
// square root; and TF's defaults are decay 0.9, epsilon 1e-10. Per parameter
// and step (TF's ApplyRMSProp kernel, training_ops.cc, with momentum 0):
//
//   ms  <- ms + (g^2 - ms) * (1 - decay)       (= decay ms + (1 - decay) g^2)
//   w   <- w - lr * g / sqrt(ms + epsilon)
//
// The state is LibTorch's RMSpropParamState (square_avg holds ms, step counts
// the updates), so save() / load() are RMSprop's and checkpoints round-trip.
// The options are RMSpropOptions: alpha is TF's decay, eps TF's epsilon;
// momentum, weight_decay and centered must stay at their zero/false defaults.
//
//   otgan::train::TfRmsPropOptimizer opt(params, torch::optim::RMSpropOptions(5e-5)
//                                                     .alpha(0.9).eps(1e-10));
//   loss.backward();
//   opt.step();
#ifndef OTGAN_LIB_TRAIN_TF_RMSPROP_H_
#define OTGAN_LIB_TRAIN_TF_RMSPROP_H_

#include <vector>

#include <ATen/ATen.h>
#include <torch/optim/rmsprop.h>

namespace otgan::train {

class TfRmsPropOptimizer : public torch::optim::RMSprop {
 public:
  // Throws c10::Error (TORCH_CHECK) when momentum, weight_decay or centered
  // is set: TF's momentum and centered variants are not implemented here.
  TfRmsPropOptimizer(const std::vector<at::Tensor>& params, torch::optim::RMSpropOptions options);

  // One TF1 RMSProp update of every parameter that has a gradient.
  at::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_TF_RMSPROP_H_

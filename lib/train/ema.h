// Exponential moving average of a module's parameters (the generator EMA of
// OT-GAN's code: tf.train.ExponentialMovingAverage(decay=0.999) over the
// generator's variables, updated with every generator step; openai/ot-gan
// @e0673f0 train.py:63-64,223).
//
// The average lives in a second module of the same architecture (a clone of
// the source), so it can be run like the source and checkpointed like any
// module (register it with the Trainer: AddModule("generator_ema", ...)).
//
//   nn::OtganGenerator gen(32, 100);
//   auto shadow = std::dynamic_pointer_cast<nn::OtganGeneratorImpl>(gen->clone());
//   OTGAN_ASSIGN_OR_RETURN(train::ParameterEma ema,
//                          train::ParameterEma::Make(gen.ptr(), shadow, {.decay = 0.999}));
//   ema.Reset();                  // shadow := source (after any initialisation)
//   ...  gen_opt.step();  ema.Update(step);   // once per generator update
//   at::Tensor x = shadow->forward(z);        // samples of the averaged generator
//
// Update(n) with the n-th update (0-based) uses decay d; with
// tf_num_updates it uses min(d, (1 + n) / (10 + n)), TensorFlow's optional
// num_updates rule (which OT-GAN's code does not use), so that a short run
// is not dominated by the initial weights: with the constant d the initial
// weights still carry d^n of the average after n updates (0.999^1500 = 0.22).
#ifndef OTGAN_LIB_TRAIN_EMA_H_
#define OTGAN_LIB_TRAIN_EMA_H_

#include <cstdint>
#include <memory>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "absl/status/statusor.h"

namespace otgan::train {

struct EmaOptions {
  double decay = 0.999;         // in [0, 1)
  bool tf_num_updates = false;  // decay min(decay, (1 + n) / (10 + n)) at update n
};

class ParameterEma {
 public:
  // InvalidArgument unless decay is in [0, 1), both modules are non-null and
  // distinct, and their parameters and buffers match in names, shapes and
  // dtypes.
  static absl::StatusOr<ParameterEma> Make(std::shared_ptr<torch::nn::Module> source,
                                           std::shared_ptr<torch::nn::Module> shadow,
                                           const EmaOptions& options);

  // shadow := source (parameters and buffers); the shadow's parameters do not
  // require grad.
  void Reset();
  // One averaging step after the source's n-th update (0-based):
  // shadow = d * shadow + (1 - d) * source on every parameter, buffers copied.
  void Update(int64_t n);
  // The decay Update(n) uses.
  double DecayAt(int64_t n) const;

  torch::nn::Module& shadow() { return *shadow_; }

 private:
  ParameterEma(std::shared_ptr<torch::nn::Module> source, std::shared_ptr<torch::nn::Module> shadow,
               const EmaOptions& options);
  std::shared_ptr<torch::nn::Module> source_, shadow_;
  EmaOptions options_;
  std::vector<at::Tensor> src_params_, dst_params_, src_buffers_, dst_buffers_;
};

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_EMA_H_

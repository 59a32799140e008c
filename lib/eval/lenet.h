// The LeNet-style classifier behind the project's feature-space metrics.
//
// Inception networks do not fit on this CPU-only project, so FID, KID,
// inception score and precision/recall are computed in the feature space of a
// small LeNet trained here (eval/train_classifier.cc) on MNIST or
// Fashion-MNIST. Its numbers are only comparable inside this project and only
// between results that record the same weights checksum (SHA-256 of the file).
//
// Architecture: conv 5x5 (1 -> 32) -> ReLU -> maxpool 2, conv 5x5 (32 -> 64)
// -> ReLU -> maxpool 2, fc 1024 -> 128 -> ReLU (the "features"), fc 128 -> 10.
//
// Input protocol: the classifier sees [N,1,28,28] float32 in [0,1]. Evaluated
// images are mapped there by ToClassifierInput: [N,784] is reshaped to
// [N,1,28,28]; [-1,1] images are rescaled by (x + 1) / 2; any other size
// (e.g. the Laschos generators' 32x32) is resized to 28x28 by bilinear
// interpolation (align_corners = false, no antialiasing); the result is
// clamped to [0,1].
//
//   OTGAN_ASSIGN_OR_RETURN(otgan::eval::LoadedLeNet clf,
//                          otgan::eval::LoadLeNet("eval/weights/lenet_mnist.pt"));
//   OTGAN_ASSIGN_OR_RETURN(at::Tensor x, otgan::eval::ToClassifierInput(
//                              samples, otgan::eval::PixelRange::kMinusOneOne));
//   OTGAN_ASSIGN_OR_RETURN(otgan::eval::ClassifierOutputs out,
//                          otgan::eval::EvaluateClassifier(clf.net, x));
//   // out.features [N,128], out.probabilities [N,10]; clf.sha256 names the weights.
#ifndef OTGAN_LIB_EVAL_LENET_H_
#define OTGAN_LIB_EVAL_LENET_H_

#include <cstdint>
#include <string>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otgan::eval {

inline constexpr int64_t kLeNetImageSize = 28;

struct LeNetOptions {
  int64_t conv1_channels = 32;
  int64_t conv2_channels = 64;
  int64_t feature_dim = 128;
  int64_t num_classes = 10;
};

class LeNetImpl : public torch::nn::Module {
 public:
  explicit LeNetImpl(const LeNetOptions& options = {});

  // [N,1,28,28] in [0,1] -> penultimate features [N, feature_dim] (after ReLU).
  at::Tensor Features(const at::Tensor& x);
  // Features -> logits [N, num_classes].
  at::Tensor Head(const at::Tensor& features);
  // [N,1,28,28] -> logits [N, num_classes].
  at::Tensor forward(const at::Tensor& x);

  const LeNetOptions& options() const { return options_; }

 private:
  LeNetOptions options_;
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::Conv2d conv2_{nullptr};
  torch::nn::Linear fc1_{nullptr};
  torch::nn::Linear fc2_{nullptr};
};
TORCH_MODULE(LeNet);

// Value range of images handed to ToClassifierInput.
enum class PixelRange { kZeroOne, kMinusOneOne };
const char* PixelRangeName(PixelRange range);  // "[0,1]" or "[-1,1]"

// Maps [N,784], [N,H,W] or [N,1,H,W] images in `range` to the classifier's
// input [N,1,28,28] float32 in [0,1] (see the file comment). InvalidArgument
// for other shapes or an empty batch.
absl::StatusOr<at::Tensor> ToClassifierInput(const at::Tensor& images, PixelRange range);

// A one-line statement of the preprocessing, for result protocols.
std::string ClassifierInputProtocol(PixelRange range, int64_t height, int64_t width);

struct ClassifierOutputs {
  at::Tensor features;       // [N, feature_dim] float32
  at::Tensor logits;         // [N, num_classes] float32
  at::Tensor probabilities;  // [N, num_classes] float32, softmax of logits
};

// Runs the network on classifier input ([N,1,28,28] in [0,1]) in batches of
// `batch_size`, in eval mode under NoGradGuard (the module's training flag is
// restored afterwards). Errors from LibTorch become InternalError. Batches of
// 64 run ~13x faster per image than batches of 1000 here (measured: 0.32 s vs
// 4.4 s for 1000 images on one thread), hence the default.
absl::StatusOr<ClassifierOutputs> EvaluateClassifier(LeNet& net, const at::Tensor& input,
                                                     int64_t batch_size = 64);
absl::StatusOr<at::Tensor> ComputeFeatures(LeNet& net, const at::Tensor& input,
                                           int64_t batch_size = 64);
absl::StatusOr<at::Tensor> ComputeLogits(LeNet& net, const at::Tensor& input,
                                         int64_t batch_size = 64);
absl::StatusOr<at::Tensor> ComputeProbabilities(LeNet& net, const at::Tensor& input,
                                                int64_t batch_size = 64);

// Fraction of correct argmax predictions on classifier input with int64 labels.
absl::StatusOr<double> ClassifierAccuracy(LeNet& net, const at::Tensor& input,
                                          const at::Tensor& labels, int64_t batch_size = 64);

// Writes the module with torch::save to `path` atomically (temporary file in
// the same folder, then rename); the same weights always give the same bytes.
// Returns the SHA-256 of the written file.
absl::StatusOr<std::string> SaveLeNet(LeNet& net, const std::string& path);

struct LoadedLeNet {
  LeNet net{nullptr};
  std::string path;
  std::string sha256;  // of the weights file: recorded by every metric
};

// Loads weights saved by SaveLeNet into a fresh LeNet(options), in eval mode.
// NotFound when the file is missing; InvalidArgument when it is not a LeNet
// checkpoint of this architecture.
absl::StatusOr<LoadedLeNet> LoadLeNet(const std::string& path, const LeNetOptions& options = {});

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_LENET_H_

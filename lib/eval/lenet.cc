#include "lib/eval/lenet.h"

#include <filesystem>
#include <sstream>
#include <system_error>
#include <vector>

#include <torch/serialize.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "lib/io/atomic_file.h"
#include "lib/util/sha256.h"
#include "lib/util/status.h"

namespace otgan::eval {
namespace fs = std::filesystem;

LeNetImpl::LeNetImpl(const LeNetOptions& options) : options_(options) {
  conv1_ = register_module(
      "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, options.conv1_channels, 5)));
  conv2_ = register_module(
      "conv2", torch::nn::Conv2d(
                   torch::nn::Conv2dOptions(options.conv1_channels, options.conv2_channels, 5)));
  // 28 -> conv 24 -> pool 12 -> conv 8 -> pool 4.
  fc1_ = register_module(
      "fc1", torch::nn::Linear(options.conv2_channels * 4 * 4, options.feature_dim));
  fc2_ = register_module("fc2", torch::nn::Linear(options.feature_dim, options.num_classes));
}

at::Tensor LeNetImpl::Features(const at::Tensor& x) {
  at::Tensor h = at::max_pool2d(at::relu(conv1_->forward(x)), {2, 2});
  h = at::max_pool2d(at::relu(conv2_->forward(h)), {2, 2});
  return at::relu(fc1_->forward(h.flatten(1)));
}

at::Tensor LeNetImpl::Head(const at::Tensor& features) { return fc2_->forward(features); }

at::Tensor LeNetImpl::forward(const at::Tensor& x) { return Head(Features(x)); }

const char* PixelRangeName(PixelRange range) {
  return range == PixelRange::kZeroOne ? "[0,1]" : "[-1,1]";
}

absl::StatusOr<at::Tensor> ToClassifierInput(const at::Tensor& images, PixelRange range) {
  if (!images.defined() || images.numel() == 0) {
    return absl::InvalidArgumentError("ToClassifierInput: expected a non-empty image batch");
  }
  at::Tensor x = images.detach().to(at::kCPU, at::kFloat);
  if (x.dim() == 2) {
    if (x.size(1) != kLeNetImageSize * kLeNetImageSize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ToClassifierInput: a 2-D batch must be [N,784] (28x28 flattened), found [",
          x.size(0), ",", x.size(1), "]"));
    }
    x = x.reshape({x.size(0), 1, kLeNetImageSize, kLeNetImageSize});
  } else if (x.dim() == 3) {
    x = x.unsqueeze(1);
  } else if (x.dim() != 4 || x.size(1) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ToClassifierInput: expected [N,784], [N,H,W] or [N,1,H,W] grey images, found ",
        x.dim(), "-D tensor with sizes ", c10::str(x.sizes())));
  }
  if (range == PixelRange::kMinusOneOne) x = (x + 1.0) * 0.5;
  return TorchCall("ToClassifierInput", [&] {
    at::Tensor y = x;
    if (y.size(2) != kLeNetImageSize || y.size(3) != kLeNetImageSize) {
      y = at::upsample_bilinear2d(y, {kLeNetImageSize, kLeNetImageSize},
                                  /*align_corners=*/false);
    }
    return y.clamp(0.0, 1.0).contiguous();
  });
}

std::string ClassifierInputProtocol(PixelRange range, int64_t height, int64_t width) {
  std::string s = absl::StrCat("images ", height, "x", width, " in ", PixelRangeName(range));
  if (range == PixelRange::kMinusOneOne) absl::StrAppend(&s, " -> (x+1)/2");
  if (height != kLeNetImageSize || width != kLeNetImageSize) {
    absl::StrAppend(&s, " -> bilinear resize to 28x28 (align_corners=false, no antialias)");
  }
  absl::StrAppend(&s, " -> clamp to [0,1]");
  return s;
}

namespace {

// Checks the classifier input and runs `fn(batch)` over batches, concatenating
// each returned tensor along dim 0.
absl::Status CheckInput(const LeNet& net, const at::Tensor& input, int64_t batch_size) {
  if (net.is_empty()) return absl::InvalidArgumentError("classifier: the LeNet is empty");
  if (batch_size <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("classifier: batch_size must be positive, found ", batch_size));
  }
  if (!input.defined() || input.dim() != 4 || input.size(1) != 1 ||
      input.size(2) != kLeNetImageSize || input.size(3) != kLeNetImageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "classifier: expected input [N,1,28,28] (use ToClassifierInput), found ",
        input.defined() ? c10::str(input.sizes()) : std::string("an undefined tensor")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClassifierOutputs> EvaluateClassifier(LeNet& net, const at::Tensor& input,
                                                     int64_t batch_size) {
  OTGAN_RETURN_IF_ERROR(CheckInput(net, input, batch_size));
  return TorchCall("EvaluateClassifier", [&] {
    torch::NoGradGuard no_grad;
    const bool was_training = net->is_training();
    net->eval();
    std::vector<at::Tensor> feats, logits;
    const int64_t n = input.size(0);
    for (int64_t start = 0; start < n; start += batch_size) {
      at::Tensor x = input.slice(0, start, std::min(n, start + batch_size)).to(at::kFloat);
      at::Tensor f = net->Features(x);
      feats.push_back(f);
      logits.push_back(net->Head(f));
    }
    net->train(was_training);
    ClassifierOutputs out;
    out.features = at::cat(feats, 0);
    out.logits = at::cat(logits, 0);
    out.probabilities = at::softmax(out.logits, 1);
    return out;
  });
}

absl::StatusOr<at::Tensor> ComputeFeatures(LeNet& net, const at::Tensor& input,
                                           int64_t batch_size) {
  OTGAN_ASSIGN_OR_RETURN(ClassifierOutputs out, EvaluateClassifier(net, input, batch_size));
  return out.features;
}

absl::StatusOr<at::Tensor> ComputeLogits(LeNet& net, const at::Tensor& input,
                                         int64_t batch_size) {
  OTGAN_ASSIGN_OR_RETURN(ClassifierOutputs out, EvaluateClassifier(net, input, batch_size));
  return out.logits;
}

absl::StatusOr<at::Tensor> ComputeProbabilities(LeNet& net, const at::Tensor& input,
                                                int64_t batch_size) {
  OTGAN_ASSIGN_OR_RETURN(ClassifierOutputs out, EvaluateClassifier(net, input, batch_size));
  return out.probabilities;
}

absl::StatusOr<double> ClassifierAccuracy(LeNet& net, const at::Tensor& input,
                                          const at::Tensor& labels, int64_t batch_size) {
  if (!labels.defined() || labels.dim() != 1 || !input.defined() ||
      labels.size(0) != input.size(0)) {
    return absl::InvalidArgumentError(
        "ClassifierAccuracy: expected labels [N] matching the input's batch size");
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor logits, ComputeLogits(net, input, batch_size));
  return logits.argmax(1).eq(labels.to(at::kLong)).to(at::kDouble).mean().item<double>();
}

absl::StatusOr<std::string> SaveLeNet(LeNet& net, const std::string& path) {
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(path, ": cannot create folder ",
                                                 target.parent_path().string(), ": ",
                                                 ec.message()));
    }
  }
  // Serialise to memory first: torch::save to a file names the zip archive
  // after the (temporary) file, which would make the bytes, and so the
  // checksum, differ between runs; the stream form uses a fixed name.
  std::ostringstream bytes;
  OTGAN_RETURN_IF_ERROR(TorchCall(absl::StrCat("serialising LeNet for ", path),
                                  [&] { torch::save(net, bytes); }));
  OTGAN_RETURN_IF_ERROR(io::WriteFileAtomically(path, bytes.str()));
  return Sha256File(path);
}

absl::StatusOr<LoadedLeNet> LoadLeNet(const std::string& path, const LeNetOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat(
        path, ": LeNet weights file not found (train it with bazel run //eval:train_classifier)"));
  }
  LoadedLeNet loaded;
  loaded.net = LeNet(options);
  loaded.path = path;
  absl::Status st = TorchCall("load", [&] { torch::load(loaded.net, path); });
  if (!st.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a LeNet checkpoint of the expected architecture (conv ",
                     options.conv1_channels, "/", options.conv2_channels, ", features ",
                     options.feature_dim, "): ", st.message()));
  }
  // torch::load replaces parameters wholesale (shapes included), so a
  // checkpoint of another width would load silently: compare with a fresh net.
  LeNet reference(options);
  auto expected = reference->named_parameters();
  auto found = loaded.net->named_parameters();
  for (const auto& item : expected) {
    const at::Tensor* t = found.find(item.key());
    if (t == nullptr || t->sizes() != item.value().sizes()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": parameter ", item.key(), " has shape ",
          t == nullptr ? std::string("(missing)") : c10::str(t->sizes()), ", expected ",
          c10::str(item.value().sizes()), " (conv ", options.conv1_channels, "/",
          options.conv2_channels, ", features ", options.feature_dim, ")"));
    }
  }
  loaded.net->eval();
  OTGAN_ASSIGN_OR_RETURN(loaded.sha256, Sha256File(path));
  return loaded;
}

}  // namespace otgan::eval

#include "lib/train/ema.h"

#include <algorithm>
#include <string>
#include <utility>

#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"

namespace otgan::train {
namespace {

absl::Status SameTensors(const torch::OrderedDict<std::string, at::Tensor>& a,
                         const torch::OrderedDict<std::string, at::Tensor>& b, const char* what) {
  if (a.size() != b.size()) {
    return absl::InvalidArgumentError(absl::StrCat("EMA: source has ", a.size(), " ", what,
                                                   ", shadow ", b.size()));
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (x.key() != y.key() || !x.value().sizes().equals(y.value().sizes()) ||
        x.value().scalar_type() != y.value().scalar_type()) {
      return absl::InvalidArgumentError(absl::StrCat("EMA: ", what, " ", i, " differs: source \"",
                                                     x.key(), "\", shadow \"", y.key(), "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParameterEma> ParameterEma::Make(std::shared_ptr<torch::nn::Module> source,
                                                std::shared_ptr<torch::nn::Module> shadow,
                                                const EmaOptions& options) {
  if (!(options.decay >= 0 && options.decay < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("EMA decay must be in [0, 1), got ", options.decay));
  }
  if (source == nullptr || shadow == nullptr) {
    return absl::InvalidArgumentError("EMA: source and shadow modules must be non-null");
  }
  if (source == shadow) return absl::InvalidArgumentError("EMA: shadow must be a separate module");
  absl::Status st = SameTensors(source->named_parameters(), shadow->named_parameters(), "parameters");
  if (!st.ok()) return st;
  st = SameTensors(source->named_buffers(), shadow->named_buffers(), "buffers");
  if (!st.ok()) return st;
  return ParameterEma(std::move(source), std::move(shadow), options);
}

ParameterEma::ParameterEma(std::shared_ptr<torch::nn::Module> source,
                           std::shared_ptr<torch::nn::Module> shadow, const EmaOptions& options)
    : source_(std::move(source)), shadow_(std::move(shadow)), options_(options) {
  src_params_ = source_->parameters();
  dst_params_ = shadow_->parameters();
  src_buffers_ = source_->buffers();
  dst_buffers_ = shadow_->buffers();
  for (auto& p : dst_params_) p.set_requires_grad(false);
}

void ParameterEma::Reset() {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < src_params_.size(); ++i) dst_params_[i].copy_(src_params_[i]);
  for (size_t i = 0; i < src_buffers_.size(); ++i) dst_buffers_[i].copy_(src_buffers_[i]);
}

double ParameterEma::DecayAt(int64_t n) const {
  if (!options_.tf_num_updates) return options_.decay;
  const double nd = static_cast<double>(std::max<int64_t>(n, 0));
  return std::min(options_.decay, (1.0 + nd) / (10.0 + nd));
}

void ParameterEma::Update(int64_t n) {
  at::NoGradGuard no_grad;
  const double d = DecayAt(n);
  // TF: shadow -= (1 - d) * (shadow - variable).
  for (size_t i = 0; i < src_params_.size(); ++i) {
    dst_params_[i].sub_((dst_params_[i] - src_params_[i]) * (1.0 - d));
  }
  for (size_t i = 0; i < src_buffers_.size(); ++i) dst_buffers_[i].copy_(src_buffers_[i]);
}

}  // namespace otgan::train

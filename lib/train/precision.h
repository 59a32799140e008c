// Mixed precision: --precision=fp32|bf16 of every replication and of
// //bench:train_step.
//
// bf16 runs a net's forward pass under LibTorch's autocast to bfloat16 (CPU,
// and CUDA when the tensors live there): convolutions, linear layers and
// matrix products run in bf16 (on the CPU through oneDNN, which uses
// AVX512-BF16 where the CPU has it), the ops on autocast's fp32 list stay in
// fp32, and the output comes back as float32. Everything outside the wrapped
// forward stays fp32: the optimisers' (master) weights, the losses, the
// Sinkhorn solves and cost matrices, the gradient-penalty norms. Autograd
// records the casts, so the backward of a bf16 op runs in bf16 as well.
// fp32 wraps nothing: the same kernels, bit for bit, as code without it.
//
//   ABSL_FLAG(otgan::train::Precision, precision, otgan::train::Precision::kFp32, "...");
//   auto generate = otgan::train::InPrecision(p, [&](const at::Tensor& z) { return g->forward(z); });
//   at::Tensor x = generate(z);  // float32 whatever p is
#ifndef OTGAN_LIB_TRAIN_PRECISION_H_
#define OTGAN_LIB_TRAIN_PRECISION_H_

#include <functional>
#include <string>

#include <ATen/ATen.h>

#include "absl/strings/string_view.h"
#include "lib/util/named_enum.h"

namespace otgan::train {

enum class Precision { kFp32, kBf16 };
inline constexpr EnumName<Precision> kPrecisionNames[] = {{Precision::kFp32, "fp32"},
                                                          {Precision::kBf16, "bf16"}};
bool AbslParseFlag(absl::string_view text, Precision* p, std::string* error);
std::string AbslUnparseFlag(Precision p);
std::string PrecisionName(Precision p);
// One line for a manifest: what the precision computes in which type.
std::string DescribePrecision(Precision p);

// Runs fn under p's autocast and returns its output as float32 (fp32: fn()).
at::Tensor RunInPrecision(Precision p, const std::function<at::Tensor()>& fn);

using TensorFn = std::function<at::Tensor(const at::Tensor&)>;
// fn behind RunInPrecision, with fn's call shape (fp32: fn itself).
TensorFn InPrecision(Precision p, TensorFn fn);

}  // namespace otgan::train

#endif  // OTGAN_LIB_TRAIN_PRECISION_H_

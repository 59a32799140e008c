#include "lib/train/precision.h"

#include <utility>

#include <ATen/autocast_mode.h>

namespace otgan::train {
namespace {

// Autocast to bfloat16 on the CPU and CUDA for its lifetime; restores the
// previous state (and drops autocast's weight-cast cache at the outermost
// exit, as torch.autocast does).
class Bf16Autocast {
 public:
  Bf16Autocast()
      : cpu_(at::autocast::is_cpu_enabled()),
        gpu_(at::autocast::is_enabled()),
        cpu_dtype_(at::autocast::get_autocast_cpu_dtype()),
        gpu_dtype_(at::autocast::get_autocast_gpu_dtype()) {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_enabled(true);
    at::autocast::increment_nesting();
  }
  ~Bf16Autocast() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_cpu_enabled(cpu_);
    at::autocast::set_enabled(gpu_);
    at::autocast::set_autocast_cpu_dtype(cpu_dtype_);
    at::autocast::set_autocast_gpu_dtype(gpu_dtype_);
  }
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool cpu_, gpu_;
  at::ScalarType cpu_dtype_, gpu_dtype_;
};

}  // namespace

bool AbslParseFlag(absl::string_view text, Precision* p, std::string* error) {
  return ParseEnumName(text, kPrecisionNames, p, error);
}
std::string AbslUnparseFlag(Precision p) { return EnumNameOf(p, kPrecisionNames); }
std::string PrecisionName(Precision p) { return EnumNameOf(p, kPrecisionNames); }

std::string DescribePrecision(Precision p) {
  if (p == Precision::kFp32) return "fp32";
  return "bf16: the nets' training forward passes under autocast to bfloat16 (convolutions, "
         "linear layers, matrix products; backward likewise), outputs cast to float32; fp32 "
         "master weights, losses, Sinkhorn, gradient-penalty norms, sample grids and evaluation "
         "samples (lib/train/precision.h)";
}

at::Tensor RunInPrecision(Precision p, const std::function<at::Tensor()>& fn) {
  if (p == Precision::kFp32) return fn();
  at::Tensor out;
  {
    Bf16Autocast autocast;
    out = fn();
  }
  return out.scalar_type() == at::kFloat ? out : out.to(at::kFloat);
}

TensorFn InPrecision(Precision p, TensorFn fn) {
  if (p == Precision::kFp32) return fn;
  return [p, fn = std::move(fn)](const at::Tensor& x) {
    return RunInPrecision(p, [&] { return fn(x); });
  };
}

}  // namespace otgan::train

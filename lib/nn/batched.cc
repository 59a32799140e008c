#include "lib/nn/batched.h"

namespace otgan::nn {

std::vector<at::Tensor> ApplyBatched(const std::function<at::Tensor(const at::Tensor&)>& f,
                                     const std::vector<at::Tensor>& inputs) {
  TORCH_CHECK(!inputs.empty(), "ApplyBatched: no inputs");
  if (inputs.size() == 1) return {f(inputs[0])};
  std::vector<int64_t> rows;
  rows.reserve(inputs.size());
  int64_t total = 0;
  for (const at::Tensor& x : inputs) {
    TORCH_CHECK(x.dim() >= 1 && x.sizes().slice(1) == inputs[0].sizes().slice(1),
                "ApplyBatched: inputs must share their trailing shape, found ", inputs[0].sizes(),
                " and ", x.sizes());
    rows.push_back(x.size(0));
    total += x.size(0);
  }
  const at::Tensor out = f(at::cat(inputs, 0));
  TORCH_CHECK(out.dim() >= 1 && out.size(0) == total, "ApplyBatched: f returned ", out.sizes(),
              " for ", total, " input rows");
  return out.split_with_sizes(rows, 0);
}

at::Tensor ApplyChunked(const std::function<at::Tensor(const at::Tensor&)>& f, const at::Tensor& x,
                        int64_t chunk) {
  TORCH_CHECK(x.dim() >= 1, "ApplyChunked: input needs a batch dimension, found ", x.sizes());
  if (chunk <= 0 || x.size(0) <= chunk) return f(x);
  std::vector<at::Tensor> outs;
  for (const at::Tensor& part : x.split(chunk, 0)) {
    at::Tensor out = f(part);
    TORCH_CHECK(out.dim() >= 1 && out.size(0) == part.size(0), "ApplyChunked: f returned ",
                out.sizes(), " for ", part.size(0), " input rows");
    outs.push_back(std::move(out));
  }
  return at::cat(outs, 0);
}

}  // namespace otgan::nn

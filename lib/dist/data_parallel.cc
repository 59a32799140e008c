#include "lib/dist/data_parallel.h"

#include <string>
#include <utility>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace otgan::dist {
namespace {

constexpr int kMaxDims = 8;

// [dtype, ndim, size_0 .. size_7] of x, as int64.
at::Tensor Signature(const at::Tensor& x) {
  at::Tensor sig = at::zeros({kMaxDims + 2}, at::kLong);
  auto a = sig.accessor<int64_t, 1>();
  a[0] = static_cast<int64_t>(x.scalar_type());
  a[1] = x.dim();
  for (int64_t d = 0; d < x.dim(); ++d) a[d + 2] = x.size(d);
  return sig;
}

std::string SignatureString(const at::Tensor& sig) {
  auto a = sig.accessor<int64_t, 1>();
  std::vector<int64_t> sizes;
  for (int64_t d = 0; d < a[1]; ++d) sizes.push_back(a[d + 2]);
  return absl::StrCat(c10::toString(static_cast<c10::ScalarType>(a[0])), " [",
                      absl::StrJoin(sizes, ", "), "]");
}

}  // namespace

absl::StatusOr<at::Tensor> AllGatherWithGrad(const DistContext& dist, const at::Tensor& x,
                                             GatherGrad mode) {
  if (!x.defined() || x.dim() < 1 || x.dim() > kMaxDims) {
    return absl::InvalidArgumentError(
        absl::StrCat("AllGatherWithGrad: expected a tensor with 1 to ", kMaxDims, " dims"));
  }
  if (dist.world_size() == 1) return x;
  // Shapes and dtypes first: a mismatch in the payload gather would not be caught.
  absl::StatusOr<std::vector<at::Tensor>> sigs = dist.AllGather(Signature(x));
  if (!sigs.ok()) return sigs.status();
  const at::Tensor mine = (*sigs)[dist.rank()];
  for (int r = 0; r < dist.world_size(); ++r) {
    if (!at::equal((*sigs)[r], mine)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "AllGatherWithGrad: rank ", dist.rank(), " has ", SignatureString(mine), " but rank ", r,
          " has ", SignatureString((*sigs)[r]), ": every rank must gather the same shape"));
    }
  }
  absl::StatusOr<std::vector<at::Tensor>> parts = dist.AllGather(x.detach());
  if (!parts.ok()) return parts.status();
  if (!(x.requires_grad() && at::GradMode::is_enabled())) return at::cat(*parts, 0);
  // This rank's rows are x itself, so cat's backward hands x its rows of the
  // gathered gradient; the hook decides what that gradient is.
  (*parts)[dist.rank()] = x;
  at::Tensor out = at::cat(*parts, 0);
  if (mode == GatherGrad::kSumOverRanks) {
    out.register_hook([dist](const at::Tensor& grad) {
      at::Tensor sum = grad.contiguous().clone();
      const absl::Status st = dist.AllReduce(sum, ReduceOp::kSum);
      TORCH_CHECK(st.ok(), "AllGatherWithGrad backward: ", std::string(st.message()));
      return sum;
    });
  } else {
    const double w = static_cast<double>(dist.world_size());
    out.register_hook([w](const at::Tensor& grad) { return grad * w; });
  }
  return out;
}

absl::Status AllReduceGradients(const DistContext& dist, const std::vector<at::Tensor>& params) {
  if (dist.world_size() == 1 || params.empty()) return absl::OkStatus();
  c10::optional<at::ScalarType> dtype;
  for (const at::Tensor& p : params) {
    if (!p.grad().defined()) continue;
    if (dtype && *dtype != p.grad().scalar_type()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "AllReduceGradients: gradients of mixed dtypes (", c10::toString(*dtype), " and ",
          c10::toString(p.grad().scalar_type()), ")"));
    }
    dtype = p.grad().scalar_type();
  }
  if (!dtype) dtype = params.front().scalar_type();
  if (!at::isFloatingType(*dtype)) {
    return absl::InvalidArgumentError("AllReduceGradients: gradients must be floating point");
  }
  // One buffer: every gradient flattened (zeros where undefined), then one
  // "defined" flag per parameter, so all ranks agree which gradients exist.
  std::vector<at::Tensor> pieces;
  pieces.reserve(params.size() + 1);
  at::Tensor flags = at::zeros({static_cast<int64_t>(params.size())}, at::TensorOptions(*dtype));
  for (size_t i = 0; i < params.size(); ++i) {
    const at::Tensor& g = params[i].grad();
    if (g.defined()) {
      pieces.push_back(g.detach().reshape({-1}));
      flags[i] = 1;
    } else {
      pieces.push_back(at::zeros({params[i].numel()}, at::TensorOptions(*dtype)));
    }
  }
  pieces.push_back(flags);
  at::Tensor flat = at::cat(pieces, 0);
  absl::Status st = dist.AllReduce(flat, ReduceOp::kSum);
  if (!st.ok()) return st;
  const int64_t n_flags = static_cast<int64_t>(params.size());
  const at::Tensor counts = flat.narrow(0, flat.numel() - n_flags, n_flags);
  at::NoGradGuard no_grad;
  int64_t offset = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor p = params[i];
    const int64_t n = p.numel();
    if (counts[i].item<double>() > 0) {
      at::Tensor avg = flat.narrow(0, offset, n).view(p.sizes()) / dist.world_size();
      if (p.grad().defined()) {
        p.mutable_grad().copy_(avg);
      } else {
        p.mutable_grad() = avg.clone();
      }
    }
    offset += n;
  }
  return absl::OkStatus();
}

absl::Status BroadcastParameters(const DistContext& dist, torch::nn::Module& module, int root) {
  if (dist.world_size() == 1) return absl::OkStatus();
  std::vector<at::Tensor> tensors = module.parameters(/*recurse=*/true);
  for (const at::Tensor& b : module.buffers(/*recurse=*/true)) tensors.push_back(b);
  if (tensors.empty()) return absl::OkStatus();
  at::NoGradGuard no_grad;
  // One broadcast per dtype, in the order the tensors come.
  std::vector<at::ScalarType> dtypes;
  for (const at::Tensor& t : tensors) {
    if (std::find(dtypes.begin(), dtypes.end(), t.scalar_type()) == dtypes.end()) {
      dtypes.push_back(t.scalar_type());
    }
  }
  for (at::ScalarType dt : dtypes) {
    std::vector<at::Tensor> group, flat_parts;
    for (const at::Tensor& t : tensors) {
      if (t.scalar_type() != dt) continue;
      group.push_back(t);
      flat_parts.push_back(t.detach().reshape({-1}));
    }
    at::Tensor flat = at::cat(flat_parts, 0);
    absl::Status st = dist.Broadcast(flat, root);
    if (!st.ok()) return st;
    int64_t offset = 0;
    for (at::Tensor& t : group) {
      t.detach().copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<double> MaxParameterDrift(const DistContext& dist, torch::nn::Module& module) {
  if (dist.world_size() == 1) return 0.0;
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> flat_parts;
  for (const at::Tensor& p : module.parameters(/*recurse=*/true)) {
    flat_parts.push_back(p.detach().reshape({-1}).to(at::kDouble));
  }
  if (flat_parts.empty()) return 0.0;
  const at::Tensor mine = at::cat(flat_parts, 0);
  at::Tensor root = mine.clone();
  absl::Status st = dist.Broadcast(root, 0);
  if (!st.ok()) return st;
  at::Tensor drift = (mine - root).abs().max().reshape({1});
  st = dist.AllReduce(drift, ReduceOp::kMax);
  if (!st.ok()) return st;
  return drift.item<double>();
}

absl::StatusOr<bool> AnyRank(const DistContext& dist, bool flag) {
  at::Tensor t = at::full({1}, flag ? 1 : 0, at::kInt);
  absl::Status st = dist.AllReduce(t, ReduceOp::kMax);
  if (!st.ok()) return st;
  return t.item<int>() != 0;
}

absl::StatusOr<int64_t> LocalBatchSize(int64_t global_batch, int world_size) {
  if (world_size < 1 || global_batch < world_size || global_batch % world_size != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "global batch ", global_batch, " does not split into ", world_size,
        " equal rank shares: choose a batch that is a multiple of WORLD_SIZE"));
  }
  return global_batch / world_size;
}

at::Tensor ShardRows(const at::Tensor& x, int rank, int world_size) {
  TORCH_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "ShardRows: rank ", rank,
              " of world ", world_size);
  TORCH_CHECK(x.dim() >= 1 && x.size(0) % world_size == 0, "ShardRows: ", x.size(0),
              " rows do not split into ", world_size, " equal shards");
  const int64_t n = x.size(0) / world_size;
  return x.narrow(0, rank * n, n);
}

uint64_t RankSeed(uint64_t seed, int rank) {
  if (rank == 0) return seed;
  uint64_t z = seed + static_cast<uint64_t>(rank) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace otgan::dist

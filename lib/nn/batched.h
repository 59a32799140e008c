// One call of a net on several batches: concatenate them along dim 0, apply
// `f` once, split the output back. For a net without batch statistics (no
// batch norm: every output row depends on its own input row only) this is the
// same function as one call per batch, with one larger matrix product per
// layer instead of several small ones and a single pass of per-call overhead.
// Autograd flows back to every input through the concatenation. Results equal
// the separate calls up to floating-point rounding (the kernels may block a
// larger product differently).
//
// Measured, not assumed (bench/train_step --otgan_one_call,
// results/bench/train_step_otgan_one_call.jsonl): on this 2-core CPU one call
// of OT-GAN's MNIST critic on 4 x 256 images is 2.6x slower than four calls of
// 256 (oneDNN's convolutions at batch 1024 leave the caches and their >32 MB
// buffers are mmap'd afresh each time), so the replications keep one call per
// batch; the bench keeps this form to measure it again on other machines.
//
//   // OT-GAN: X, X', Y, Y' through the critic in one call.
//   std::vector<at::Tensor> e = otgan::nn::ApplyBatched(embed, {x, x2, y, y2});
#ifndef OTGAN_LIB_NN_BATCHED_H_
#define OTGAN_LIB_NN_BATCHED_H_

#include <functional>
#include <vector>

#include <ATen/ATen.h>

namespace otgan::nn {

// f maps [n, ...] to [n, ...]. Throws c10::Error when `inputs` is empty, when
// their trailing shapes differ, or when f does not return one row per input
// row.
std::vector<at::Tensor> ApplyBatched(const std::function<at::Tensor(const at::Tensor&)>& f,
                                     const std::vector<at::Tensor>& inputs);

// The other direction: f on consecutive chunks of at most `chunk` rows of x,
// outputs concatenated back in order. The same function as f(x) for a net
// without batch statistics; smaller per-layer products that may stay in the
// caches. Measured in the OT-GAN MNIST step at batch 256 (bench/train_step
// --otgan_chunks=64,32, results/bench/train_step_otgan_variants.jsonl): no
// faster than whole batches here (critic update 2.98 s whole, 3.06 s in
// chunks of 64, 3.21 s of 32), so the replications do not chunk.
// chunk <= 0 or chunk >= rows: f(x) itself. Throws c10::Error when x
// has no batch dimension or f does not return one row per input row.
//
//   at::Tensor e = otgan::nn::ApplyChunked(embed, x, 64);  // 256 rows: 4 calls of 64
at::Tensor ApplyChunked(const std::function<at::Tensor(const at::Tensor&)>& f, const at::Tensor& x,
                        int64_t chunk);

}  // namespace otgan::nn

#endif  // OTGAN_LIB_NN_BATCHED_H_

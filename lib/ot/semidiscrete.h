// Semi-discrete assignment for the Laschos et al. assigner GAN (SPEC section 5):
// each of N generated points x_i goes to the real point
//
//   index_i = argmin_j  cost_scale * c(x_i, y_j) + psi_j
//
// among M real points y with potentials psi, and count_j = #{i : index_i = j}.
// When every count equals N / M the induced map is optimal (their Thm 3.3);
// AssignmentVariance measures the distance from that. Computed without
// autograd, in row chunks of x so that N = 100k, M = 5000 in 1024-d needs only
// one chunk's [rows, M] cost block (~16 MB by default) at a time. The squared
// Euclidean cost is one matrix product per chunk on top of the row
// s |y_j|^2 + psi_j (s |x_i|^2 does not move the argmin), then a row argmin:
// it runs near the GEMM rate (bench/assign.cc measures it).
//
//   auto a = otgan::ot::AssignSemiDiscrete(fake, real, psi, otgan::ot::CostKind::kSqEuclidean, 0.1);
//   double var = otgan::ot::AssignmentVariance(a.counts, fake.size(0));
//   // any cost, e.g. negative PSNR between images:
//   auto b = otgan::ot::AssignSemiDiscrete(fake_imgs, real_imgs, psi,
//       [](const at::Tensor& xc, const at::Tensor& y) { return otgan::ot::PsnrCost(xc, y, 2.0); });
#ifndef OTGAN_LIB_OT_SEMIDISCRETE_H_
#define OTGAN_LIB_OT_SEMIDISCRETE_H_

#include <cstdint>
#include <functional>

#include <ATen/ATen.h>

#include "lib/ot/cost.h"

namespace otgan::ot {

struct SemiDiscreteAssignment {
  at::Tensor index;      // int64 [N]: the assigned real point of each generated point
  at::Tensor counts;     // int64 [M]: how many generated points each real point received
  at::Tensor min_value;  // [N]: cost_scale * c(x_i, y_index_i) + psi_index_i (dtype of the cost)
};

// Cost of a chunk of generated points against all real points: [rows, M].
using ChunkCostFn = std::function<at::Tensor(const at::Tensor& x_chunk, const at::Tensor& y)>;

// x [N, d], y [M, d], psi [M]. `chunk_rows` = rows of x per chunk; 0 chooses
// it so a chunk's cost block is about 16 MB. Ties go to the smallest index
// as LibTorch's min reports it. Throws c10::Error on shape mismatches (callers
// pass tensors they built).
SemiDiscreteAssignment AssignSemiDiscrete(const at::Tensor& x, const at::Tensor& y,
                                          const at::Tensor& psi, CostKind kind,
                                          double cost_scale = 1.0, int64_t chunk_rows = 0);

// The same with any cost: `cost` maps (x_chunk [rows, ...], y [M, ...]) to
// [rows, M] (include any scale in it). x and y may have any trailing shape
// (e.g. images [N, C, H, W]); chunks are taken along dimension 0.
SemiDiscreteAssignment AssignSemiDiscrete(const at::Tensor& x, const at::Tensor& y,
                                          const at::Tensor& psi, const ChunkCostFn& cost,
                                          int64_t chunk_rows = 0);

// Laschos' "assignment variance" (1/M) sum_j |count_j - N/M| for counts [M]
// and N = n_generated.
double AssignmentVariance(const at::Tensor& counts, int64_t n_generated);

}  // namespace otgan::ot

#endif  // OTGAN_LIB_OT_SEMIDISCRETE_H_

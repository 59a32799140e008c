// Ground costs for optimal transport: pairwise cost matrices between point
// clouds (squared Euclidean, Euclidean, cosine) and between images (1 - SSIM,
// negative PSNR), plus the pairwise-aligned SSIM cost used as a generator loss
// (LaschosSsimPaired: the exact form of Laschos et al.'s code).
//
// Every function is differentiable with LibTorch autograd and works in row
// chunks, so the temporaries stay bounded even when only the [n, m] result fits
// in memory (e.g. 5000 x 5000 images of 32 x 32).
//
//   OTGAN_ASSIGN_OR_RETURN(auto kind, otgan::ot::ParseCostKind("sqeuclidean"));
//   at::Tensor c = otgan::ot::PairwiseCost(x, y, kind);        // x [n,d], y [m,d] -> [n,m]
//   at::Tensor s = otgan::ot::SsimCost(imgs_a, imgs_b, 2.0);    // [n,C,H,W],[m,C,H,W] -> [n,m]
#ifndef OTGAN_LIB_OT_COST_H_
#define OTGAN_LIB_OT_COST_H_

#include <cstdint>
#include <string>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace otgan::ot {

enum class CostKind {
  kSqEuclidean,  // |x - y|^2
  kEuclidean,    // |x - y| (gradient 0, not NaN, at coincident points)
  kCosine,       // 1 - <x, y> / (|x| |y|) (a zero vector has cost 1 to everything)
  // 1 - <x, y> for rows the caller already made unit vectors (OT-GAN's critic
  // returns l2-normalised embeddings): kCosine without normalising them again,
  // as the authors' code computes it. Not a ParseCostKind name: on rows that
  // are not unit vectors it is not a cosine.
  kCosineOfUnitRows,
};

// "sqeuclidean" | "euclidean" | "cosine"; anything else is InvalidArgument.
// (kCosineOfUnitRows, a library-internal kind, has no name here.)
absl::StatusOr<CostKind> ParseCostKind(const std::string& name);
// The inverse of ParseCostKind (kCosineOfUnitRows: "cosine_of_unit_rows").
std::string CostKindName(CostKind kind);

// Cost matrix between x [n, d] and y [m, d] -> [n, m], or batched x [B, n, d],
// y [B, m, d] -> [B, n, m]. Squared distances use |x|^2 + |y|^2 - 2 x y^T (one
// matrix product per chunk) clamped at 0. `chunk_rows` > 0 forces the number of
// rows of x per chunk (for tests); 0 picks it so a chunk holds about 4M entries.
// Throws c10::Error on shape mismatch (library callers pass valid tensors).
at::Tensor PairwiseCost(const at::Tensor& x, const at::Tensor& y, CostKind kind,
                        int64_t chunk_rows = 0);

// Every row of v [..., n, d] divided by its Euclidean norm (a zero row stays
// zero), with a three-pass backward (see cost.cc); double backward works.
at::Tensor UnitRows(const at::Tensor& v);

// The cosine cost 1 - <ux_i, uy_j> of rows that are already unit vectors
// (UnitRows): PairwiseCost(x, y, kCosine) is CosineCostOfUnitRows(UnitRows(x),
// UnitRows(y)). A caller with several costs over the same clouds (the
// minibatch energy distance: 4 clouds, 6 costs) normalises each cloud once.
at::Tensor CosineCostOfUnitRows(const at::Tensor& ux, const at::Tensor& uy, int64_t chunk_rows = 0);

// SSIM as tf.image.ssim computes it (TF image_ops_impl.py: _fspecial_gauss,
// _ssim_helper, _ssim_per_channel): a `window` x `window` Gaussian of standard
// deviation `sigma` on the coordinates k - (window - 1)/2, normalised to sum 1
// (so an even window such as 4 is centred between pixels), applied without
// padding (TF's 'VALID' depthwise convolution), C1 = (k1 L)^2, C2 = (k2 L)^2
// with L = data_range, compensation 1, SSIM = mean over the map positions and
// channels of luminance x contrast-structure. The defaults are TF's.
struct SsimOptions {
  int64_t window = 11;  // tf.image.ssim filter_size
  double sigma = 1.5;   // filter_sigma
  double k1 = 0.01;
  double k2 = 0.03;
};

// 1 - SSIM between every image of x [n, C, H, W] and every image of y
// [m, C, H, W] -> [n, m]. H and W must be at least options.window. Computed in
// tiles of (rows, columns) with batched matrix products; `tile_elements`
// bounds a tile's temporaries (0 = about 16M entries).
at::Tensor SsimCost(const at::Tensor& x, const at::Tensor& y, double data_range,
                    int64_t tile_elements = 0, const SsimOptions& options = {});

// 1 - SSIM(x_i, y_i) for aligned batches x, y [n, C, H, W] -> [n] (generator loss).
at::Tensor SsimPaired(const at::Tensor& x, const at::Tensor& y, double data_range,
                      const SsimOptions& options = {});

// The generator cost of Laschos et al.'s SSIM runs for images in [-1, 1]:
// 1 - tf.image.ssim(real + 1, fake + 1, max_val=2, filter_size=4) per pair
// (artnoage/Optimal-Transport-GAN @ 09a4c89, src/models/Assignment_model.py:160),
// i.e. SsimPaired on the images shifted to [0, 2] with a 4 x 4 window,
// sigma 1.5, k1 0.01, k2 0.03. SSIM's luminance term is not shift-invariant,
// so the shift matters. x, y [n, C, H, W] with H, W >= 4 -> [n].
at::Tensor LaschosSsimPaired(const at::Tensor& x, const at::Tensor& y);

// Negative PSNR in dB as a cost (lower = more similar): 10 log10(MSE_ij / L^2)
// with MSE over all C*H*W entries, for x [n, C, H, W] (or [n, d]) and y
// [m, ...] -> [n, m]. MSE is floored at L^2 * 1e-10, so identical images cost
// -100 (PSNR capped at 100 dB) instead of -inf.
at::Tensor PsnrCost(const at::Tensor& x, const at::Tensor& y, double data_range);

}  // namespace otgan::ot

#endif  // OTGAN_LIB_OT_COST_H_

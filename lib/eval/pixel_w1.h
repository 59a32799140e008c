// Exact W1 in pixel space under the protocol of Laschos et al. (2019):
// generated images against 5000 real training images, all as 32x32 pixels in
// [-1,1] (1024-d vectors), Euclidean ground cost, uniform weights, solved
// exactly (an optimal assignment, lib/ot/exact.h). The paper evaluates 10 x
// 5000 generated samples against the 5000 real images; here `generated` may
// hold any multiple R of num_real images and the W1 of each consecutive
// block of num_real against the real set is reported (mean, std, values).
//
// The real images are the fixed seeded subset of lib/data (subset_size =
// num_real, subset_seed = seed, subset_offset = 0; bilinear resize to 32x32,
// [-1,1]). The real-vs-real floor is the same W1 between the next disjoint
// num_real images of the same permutation (subset_offset = num_real) and the
// first set: what a perfect generator of num_real fresh samples would score.
//
// Generated images in another format are first mapped with ToLaschosPixels:
// [N,784] / [N,H,W] / [N,1,H,W] in [0,1] or [-1,1] -> [N,1,32,32] in [-1,1]
// (x -> 2x - 1, then bilinear resize, align_corners = false, as lib/data does
// for the real images), clamped to [-1,1].
//
//   otgan::eval::PixelW1Options opt;  // mnist, 5000 real, seed 0
//   OTGAN_ASSIGN_OR_RETURN(otgan::eval::PixelW1Result r,
//       otgan::eval::LaschosPixelW1(samples, otgan::eval::PixelRange::kMinusOneOne, opt));
//   // r.w1_mean vs r.real_floor
#ifndef OTGAN_LIB_EVAL_PIXEL_W1_H_
#define OTGAN_LIB_EVAL_PIXEL_W1_H_

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"
#include "lib/data/dataset.h"
#include "lib/eval/lenet.h"

namespace otgan::eval {

struct PixelW1Options {
  data::DatasetName dataset = data::DatasetName::kMnist;
  std::string data_dir;     // empty = default <workspace>/data
  int64_t num_real = 5000;
  uint64_t seed = 0;        // subset seed of the real images
  int resize = 32;          // side length of the pixel space
  bool real_floor = true;   // also compute the real-vs-real floor
};

struct PixelW1Result {
  double w1_mean = 0;
  double w1_std = 0;                 // ddof 0 over repeats (0 for one repeat)
  std::vector<double> w1_values;     // one per block of num_real generated images
  double real_floor = -1;            // -1 when not computed
  int64_t repeats = 0;
  int64_t num_generated = 0;         // all generated images used (repeats * num_real)
  int64_t num_real = 0;
  int resize = 0;
  uint64_t seed = 0;
  std::string dataset;
  std::string real_description;      // lib/data's description of the real set
  std::string floor_description;     // and of the second, disjoint real set
  std::string generated_preprocessing;
};

// Maps generated images to the pixel space (see the file comment).
absl::StatusOr<at::Tensor> ToLaschosPixels(const at::Tensor& images, PixelRange range,
                                           int size = 32);

// W1 of each consecutive block of real.size(0) rows of `generated` [R*n, ...]
// against `real` [n, ...] (both flattened per row), Euclidean cost, exact.
absl::StatusOr<std::vector<double>> BlockwiseExactW1(const at::Tensor& generated,
                                                     const at::Tensor& real);

// The whole protocol: loads the real sets from lib/data, maps `generated` with
// ToLaschosPixels, and solves. InvalidArgument when the number of generated
// images is not a positive multiple of options.num_real.
absl::StatusOr<PixelW1Result> LaschosPixelW1(const at::Tensor& generated, PixelRange range,
                                             const PixelW1Options& options);

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_PIXEL_W1_H_

// Sample grids: N images tiled into one picture, written as PNG.
//
// Images are [N, C, H, W] (C = 1 grey or 3 RGB) or [N, H, W] (grey), any
// real dtype, any device. Values are mapped from [lo, hi] to 0..255 by
//   q = floor(255 * clamp((v - lo) / (hi - lo), 0, 1) + 0.5)
// (round half up: 0.5 in [0, 1] -> 128; NaN -> 0). Tiles are laid out row by
// row, separated and framed by `padding` pixels of value pad_value (in [0, 1],
// mapped with the same rounding); unused cells are filled with it too.
//
//   otgan::io::GridOptions opt;  // auto layout, 2 px white padding, range [0, 1]
//   opt.lo = -1.0;               // generator output in [-1, 1] (tanh)
//   OTGAN_RETURN_IF_ERROR(otgan::io::WriteImageGrid("out/samples.png", x, opt));
#ifndef OTGAN_LIB_IO_IMAGE_GRID_H_
#define OTGAN_LIB_IO_IMAGE_GRID_H_

#include <string>

#include <ATen/ATen.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otgan::io {

struct GridOptions {
  // 0 = automatic. Both 0: cols = ceil(sqrt(N)), rows = ceil(N / cols). One of
  // them 0: derived from the other. Both set: rows * cols must be >= N.
  int rows = 0;
  int cols = 0;
  int padding = 2;         // pixels between tiles and around the border, >= 0
  float pad_value = 1.0f;  // in [0, 1] (1 = white)
  double lo = 0.0;         // input value shown as 0 (black)
  double hi = 1.0;         // input value shown as 255 (white); hi > lo
};

// Returns the grid as uint8 [rows*H + (rows+1)*pad, cols*W + (cols+1)*pad, C]
// (contiguous, CPU). Errors name the bad option or shape.
absl::StatusOr<at::Tensor> MakeGrid(const at::Tensor& images, const GridOptions& options);

// MakeGrid, then writes a grey (C = 1) or RGB (C = 3) PNG atomically.
absl::Status WriteImageGrid(const std::string& path, const at::Tensor& images,
                            const GridOptions& options);

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_IMAGE_GRID_H_

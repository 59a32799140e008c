#include "lib/io/image_grid.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/io/atomic_file.h"
#include "lib/util/status.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace otgan::io {
namespace {

std::string ShapeString(at::IntArrayRef s) { return absl::StrCat("[", absl::StrJoin(s, ", "), "]"); }

absl::Status CheckOptions(const GridOptions& o) {
  if (o.rows < 0 || o.cols < 0) {
    return absl::InvalidArgumentError(absl::StrCat("GridOptions: rows and cols must be >= 0 (0 = auto), got rows=",
                                                   o.rows, " cols=", o.cols));
  }
  if (o.padding < 0) {
    return absl::InvalidArgumentError(absl::StrCat("GridOptions: padding must be >= 0, got ", o.padding));
  }
  if (!(o.pad_value >= 0.0f && o.pad_value <= 1.0f)) {
    return absl::InvalidArgumentError(absl::StrCat("GridOptions: pad_value must be in [0, 1], got ", o.pad_value));
  }
  if (!std::isfinite(o.lo) || !std::isfinite(o.hi) || !(o.hi > o.lo)) {
    return absl::InvalidArgumentError(
        absl::StrCat("GridOptions: need finite lo < hi, got lo=", o.lo, " hi=", o.hi));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<at::Tensor> MakeGrid(const at::Tensor& images, const GridOptions& options) {
  OTGAN_RETURN_IF_ERROR(CheckOptions(options));
  if (!images.defined()) return absl::InvalidArgumentError("MakeGrid: undefined tensor");
  if (images.is_complex() || images.scalar_type() == at::kBool) {
    return absl::InvalidArgumentError(absl::StrCat("MakeGrid: expected real-valued images, got dtype ",
                                                   c10::toString(images.scalar_type())));
  }
  const bool shape_ok = images.dim() == 3 ||
                        (images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3));
  if (!shape_ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MakeGrid: expected images [N, C, H, W] with C = 1 or 3, or [N, H, W]; got shape ",
        ShapeString(images.sizes())));
  }
  const int64_t n = images.size(0);
  const int64_t c = images.dim() == 4 ? images.size(1) : 1;
  const int64_t h = images.size(-2), w = images.size(-1);
  if (n == 0 || h == 0 || w == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("MakeGrid: no pixels to show, shape ", ShapeString(images.sizes())));
  }
  int64_t rows = options.rows, cols = options.cols;
  if (rows == 0 && cols == 0) {
    cols = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
    while (cols * cols < n) ++cols;                      // guard against sqrt rounding
    while (cols > 1 && (cols - 1) * (cols - 1) >= n) --cols;
    rows = (n + cols - 1) / cols;
  } else if (rows == 0) {
    rows = (n + cols - 1) / cols;
  } else if (cols == 0) {
    cols = (n + rows - 1) / rows;
  } else if (rows * cols < n) {
    return absl::InvalidArgumentError(absl::StrCat("MakeGrid: a ", rows, " x ", cols,
                                                   " grid has room for ", rows * cols,
                                                   " images, got ", n));
  }
  const int64_t pad = options.padding;
  const int64_t gh = rows * h + (rows + 1) * pad;
  const int64_t gw = cols * w + (cols + 1) * pad;
  if (gh > (1 << 20) || gw > (1 << 20) || gh * gw * c > (int64_t{1} << 31)) {
    return absl::InvalidArgumentError(absl::StrCat("MakeGrid: grid of ", gh, " x ", gw, " x ", c,
                                                   " pixels is too large"));
  }
  const double lo = options.lo, hi = options.hi;
  const auto pad_q = static_cast<uint8_t>(std::floor(255.0 * options.pad_value + 0.5));
  return TorchCall("MakeGrid", [&]() -> at::Tensor {
    at::NoGradGuard no_grad;
    // [N, H, W, C] in double so that the documented rounding is exact.
    at::Tensor x = images.detach().to(at::kCPU, at::kDouble).reshape({n, c, h, w}).permute({0, 2, 3, 1});
    x = at::nan_to_num(x, 0.0, hi, lo);  // NaN -> black, +-inf -> clamped
    at::Tensor q = at::floor(at::clamp((x - lo) / (hi - lo), 0.0, 1.0) * 255.0 + 0.5).to(at::kByte);
    at::Tensor grid = at::full({gh, gw, c}, pad_q, at::TensorOptions().dtype(at::kByte));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = i / cols, k = i % cols;
      grid.narrow(0, pad + r * (h + pad), h).narrow(1, pad + k * (w + pad), w).copy_(q[i]);
    }
    return grid;
  });
}

absl::Status WriteImageGrid(const std::string& path, const at::Tensor& images,
                            const GridOptions& options) {
  auto grid = MakeGrid(images, options);
  if (!grid.ok()) {
    return absl::Status(grid.status().code(), absl::StrCat(path, ": ", grid.status().message()));
  }
  const int height = static_cast<int>(grid->size(0));
  const int width = static_cast<int>(grid->size(1));
  const int comp = static_cast<int>(grid->size(2));
  const void* data = grid->data_ptr();
  return WriteViaTempFile(path, [&](const std::string& tmp) -> absl::Status {
    if (stbi_write_png(tmp.c_str(), width, height, comp, data, width * comp) == 0) {
      return absl::InternalError(absl::StrCat("stbi_write_png failed writing ", path, " (via ", tmp, ")"));
    }
    return absl::OkStatus();
  });
}

}  // namespace otgan::io

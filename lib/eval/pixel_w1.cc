#include "lib/eval/pixel_w1.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "lib/ot/exact.h"
#include "lib/util/status.h"

namespace otgan::eval {

absl::StatusOr<at::Tensor> ToLaschosPixels(const at::Tensor& images, PixelRange range,
                                           int size) {
  if (size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("ToLaschosPixels: size=", size, " <= 0"));
  }
  if (!images.defined() || images.numel() == 0) {
    return absl::InvalidArgumentError("ToLaschosPixels: expected a non-empty image batch");
  }
  at::Tensor x = images.detach().to(at::kCPU, at::kFloat);
  if (x.dim() == 2) {
    const int64_t side = static_cast<int64_t>(std::lround(std::sqrt(double(x.size(1)))));
    if (side * side != x.size(1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ToLaschosPixels: a 2-D batch must hold square images flattened, found [", x.size(0),
          ",", x.size(1), "]"));
    }
    x = x.reshape({x.size(0), 1, side, side});
  } else if (x.dim() == 3) {
    x = x.unsqueeze(1);
  } else if (x.dim() != 4 || x.size(1) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ToLaschosPixels: expected [N,HW], [N,H,W] or [N,1,H,W] grey images, found sizes ",
        c10::str(x.sizes())));
  }
  if (range == PixelRange::kZeroOne) x = x * 2.0 - 1.0;
  return TorchCall("ToLaschosPixels", [&] {
    at::Tensor y = x;
    if (y.size(2) != size || y.size(3) != size) {
      y = at::upsample_bilinear2d(y, {size, size}, /*align_corners=*/false);
    }
    return y.clamp(-1.0, 1.0).contiguous();
  });
}

absl::StatusOr<std::vector<double>> BlockwiseExactW1(const at::Tensor& generated,
                                                     const at::Tensor& real) {
  if (!generated.defined() || !real.defined() || generated.dim() < 2 || real.dim() < 2) {
    return absl::InvalidArgumentError("BlockwiseExactW1: expected two batches of images");
  }
  const int64_t n = real.size(0);
  at::Tensor g = generated.reshape({generated.size(0), -1});
  at::Tensor r = real.reshape({n, -1});
  if (n < 1 || g.size(1) != r.size(1) || g.size(0) < n || g.size(0) % n != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BlockwiseExactW1: expected R * n generated images of the real images' size (n = ", n,
        ", ", r.size(1), " values each), found ", g.size(0), " of ", g.size(1)));
  }
  std::vector<double> values;
  for (int64_t s = 0; s < g.size(0); s += n) {
    OTGAN_ASSIGN_OR_RETURN(double w1, ot::ExactW1Points(g.slice(0, s, s + n), r));
    values.push_back(w1);
  }
  return values;
}

absl::StatusOr<PixelW1Result> LaschosPixelW1(const at::Tensor& generated, PixelRange range,
                                             const PixelW1Options& options) {
  if (options.num_real < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("pixel W1: num_real=", options.num_real, " must be at least 2"));
  }
  if (!generated.defined() || generated.dim() < 2 || generated.size(0) < options.num_real ||
      generated.size(0) % options.num_real != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pixel W1: the number of generated images must be a positive multiple of num_real=",
        options.num_real, ", found ", generated.defined() ? generated.size(0) : 0));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor fake, ToLaschosPixels(generated, range, options.resize));

  data::ImageDatasetOptions d;
  d.dataset = options.dataset;
  d.split = data::Split::kTrain;
  d.data_dir = options.data_dir;
  d.range = data::ValueRange::kMinusOneOne;
  d.resize = options.resize;
  d.subset_size = options.num_real;
  d.subset_seed = options.seed;
  d.subset_offset = 0;
  OTGAN_ASSIGN_OR_RETURN(data::ImageDataset real, data::LoadImageDataset(d));

  PixelW1Result r;
  r.dataset = data::DatasetNameString(options.dataset);
  r.num_real = options.num_real;
  r.resize = options.resize;
  r.seed = options.seed;
  r.real_description = real.description;
  r.generated_preprocessing = absl::StrCat(
      "generated ", generated.dim() == 2 ? "flattened" : c10::str(generated.sizes().slice(1)),
      " in ", PixelRangeName(range), range == PixelRange::kZeroOne ? " -> 2x-1" : "",
      " -> bilinear to ", options.resize, "x", options.resize,
      " (align_corners=false) -> clamp [-1,1]");
  OTGAN_ASSIGN_OR_RETURN(r.w1_values, BlockwiseExactW1(fake, real.images));
  r.repeats = static_cast<int64_t>(r.w1_values.size());
  r.num_generated = fake.size(0);
  for (double v : r.w1_values) r.w1_mean += v;
  r.w1_mean /= r.repeats;
  for (double v : r.w1_values) r.w1_std += (v - r.w1_mean) * (v - r.w1_mean);
  r.w1_std = std::sqrt(r.w1_std / r.repeats);

  if (options.real_floor) {
    d.subset_offset = options.num_real;
    OTGAN_ASSIGN_OR_RETURN(data::ImageDataset second, data::LoadImageDataset(d));
    r.floor_description = second.description;
    OTGAN_ASSIGN_OR_RETURN(std::vector<double> floor, BlockwiseExactW1(second.images, real.images));
    r.real_floor = floor[0];
  }
  return r;
}

}  // namespace otgan::eval

#include "lib/data/dataset.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/data/idx.h"
#include "lib/data/shuffler.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

namespace otgan::data {
namespace {

namespace fs = std::filesystem;

// <dir>/<name> if it exists, else <dir>/<name>.gz if that exists, else NotFound.
absl::StatusOr<std::string> FindIdxFile(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  fs::path raw = dir / name;
  if (fs::is_regular_file(raw, ec)) return raw.string();
  fs::path gz = dir / (name + ".gz");
  if (fs::is_regular_file(gz, ec)) return gz.string();
  return absl::NotFoundError(absl::StrCat(
      raw.string(), ": expected this IDX file (raw or with .gz), found neither it nor ",
      gz.string(), "; run scripts/setup.sh to install the datasets, or pass --data_dir"));
}

}  // namespace

absl::StatusOr<DatasetName> ParseDatasetName(const std::string& name) {
  if (name == "mnist") return DatasetName::kMnist;
  if (name == "fashion") return DatasetName::kFashion;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown dataset '", name, "': expected \"mnist\" or \"fashion\""));
}

std::string DatasetNameString(DatasetName name) {
  return name == DatasetName::kMnist ? "mnist" : "fashion";
}

absl::StatusOr<ImageDataset> LoadImageDataset(const ImageDatasetOptions& options) {
  if (options.resize < 0 || options.resize > 1024) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "resize: expected 0 (keep the native size) or a side length in [1, 1024], found %d",
        options.resize));
  }
  if (options.subset_size < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "subset_size: expected >= 0 (0 = all images), found %d", options.subset_size));
  }
  if (options.subset_offset < 0 || (options.subset_size == 0 && options.subset_offset != 0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "subset_offset: expected >= 0, and 0 when subset_size is 0 (all images), found %d "
        "with subset_size %d",
        options.subset_offset, options.subset_size));
  }

  const std::string name = DatasetNameString(options.dataset);
  const bool train = options.split == Split::kTrain;
  const std::string prefix = train ? "train" : "t10k";
  const fs::path dir =
      fs::path(options.data_dir.empty() ? otgan::DefaultDataDir() : options.data_dir) / name;
  OTGAN_ASSIGN_OR_RETURN(std::string image_path,
                         FindIdxFile(dir, prefix + "-images-idx3-ubyte"));
  OTGAN_ASSIGN_OR_RETURN(std::string label_path,
                         FindIdxFile(dir, prefix + "-labels-idx1-ubyte"));
  // MNIST and Fashion-MNIST are 28x28; any other size is refused naming the file.
  OTGAN_ASSIGN_OR_RETURN(at::Tensor images, ReadIdxImages(image_path, 28, 28));
  OTGAN_ASSIGN_OR_RETURN(at::Tensor labels, ReadIdxLabels(label_path, 10));
  const int64_t total = images.size(0);
  if (labels.size(0) != total) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s and %s: expected as many labels as images, found %d images and %d labels",
        image_path, label_path, total, labels.size(0)));
  }
  const std::string split_name = absl::StrCat(name, train ? " train" : " test");

  std::string subset_desc = absl::StrFormat("all %d", total);
  if (options.subset_size > 0) {
    if (options.subset_offset + options.subset_size > total) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "subset_offset + subset_size: expected at most the %d images of %s, found %d + %d = %d",
          total, split_name, options.subset_offset, options.subset_size,
          options.subset_offset + options.subset_size));
    }
    std::vector<int64_t> perm = SeededPermutation(total, options.subset_seed, 0);
    at::Tensor idx = at::empty({options.subset_size}, at::kLong);
    std::copy(perm.begin() + options.subset_offset,
              perm.begin() + options.subset_offset + options.subset_size,
              idx.data_ptr<int64_t>());
    images = images.index_select(0, idx);
    labels = labels.index_select(0, idx);
    subset_desc = absl::StrFormat("%d of %d (seed %d, offset %d)", options.subset_size, total,
                                  options.subset_seed, options.subset_offset);
  }

  const bool resized =
      options.resize > 0 && (options.resize != images.size(1) || options.resize != images.size(2));
  auto converted = otgan::TorchCall("convert " + image_path, [&] {
    at::Tensor x = images.unsqueeze(1).to(at::kFloat).div_(255.0);
    if (resized) {
      x = at::upsample_bilinear2d(x, {options.resize, options.resize}, /*align_corners=*/false);
    }
    if (options.range == ValueRange::kMinusOneOne) x = x.mul_(2.0).sub_(1.0);
    return x.contiguous();
  });
  OTGAN_ASSIGN_OR_RETURN(at::Tensor x, std::move(converted));

  ImageDataset out;
  out.description = absl::StrFormat(
      "%s, %s, %dx%d%s, %s", split_name, subset_desc, x.size(2), x.size(3),
      resized ? " bilinear" : "",
      options.range == ValueRange::kZeroOne ? "[0,1]" : "[-1,1]");
  out.images = std::move(x);
  out.labels = std::move(labels);
  return out;
}

}  // namespace otgan::data

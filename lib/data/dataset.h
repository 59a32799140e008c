// MNIST and Fashion-MNIST as float image tensors, with the protocol knobs the
// replications need: split, value range, bilinear resize, and fixed seeded
// subsets (two offsets in one seed's permutation give disjoint subsets, e.g.
// the 5000 training images of Laschos et al. and a second 5000 for the
// real-vs-real W1 floor).
//
// Files: <data_dir>/mnist/ and <data_dir>/fashion/ hold
// {train,t10k}-{images-idx3,labels-idx1}-ubyte, each either raw or with a .gz
// suffix (raw is tried first). scripts/setup.sh installs them.
//
//   otgan::data::ImageDatasetOptions opt;
//   opt.dataset = otgan::data::DatasetName::kFashion;
//   opt.range = otgan::data::ValueRange::kMinusOneOne;
//   opt.resize = 32;
//   opt.subset_size = 5000;
//   OTGAN_ASSIGN_OR_RETURN(otgan::data::ImageDataset ds, otgan::data::LoadImageDataset(opt));
//   // ds.images: float32 [5000, 1, 32, 32] in [-1, 1]; ds.labels: int64 [5000]
//   // ds.description: "fashion train, 5000 of 60000 (seed 0, offset 0), 32x32 bilinear, [-1,1]"
#ifndef OTGAN_LIB_DATA_DATASET_H_
#define OTGAN_LIB_DATA_DATASET_H_

#include <cstdint>
#include <string>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace otgan::data {

enum class DatasetName { kMnist, kFashion };
// "mnist" | "fashion".
absl::StatusOr<DatasetName> ParseDatasetName(const std::string& name);
// The inverse of ParseDatasetName (also the folder name under data_dir).
std::string DatasetNameString(DatasetName name);

enum class Split { kTrain, kTest };
enum class ValueRange { kZeroOne, kMinusOneOne };

struct ImageDatasetOptions {
  DatasetName dataset = DatasetName::kMnist;
  Split split = Split::kTrain;
  std::string data_dir;  // empty = otgan::DefaultDataDir() (lib/util/runtime.h)
  ValueRange range = ValueRange::kZeroOne;
  int resize = 0;  // 0 = keep 28x28, else the side length; bilinear, align_corners=false
  int64_t subset_size = 0;  // 0 = all images
  uint64_t subset_seed = 0;
  // Take subset_size images starting at subset_offset in the permutation
  // SeededPermutation(N, subset_seed, 0) (lib/data/shuffler.h), in permutation
  // order. Offsets 0 and 5000 with size 5000 give disjoint fixed subsets.
  // Must be 0 when subset_size is 0.
  int64_t subset_offset = 0;
};

struct ImageDataset {
  at::Tensor images;        // float32 [N, 1, H, W]
  at::Tensor labels;        // int64 [N]
  std::string description;  // e.g. "mnist train, 5000 of 60000 (seed 0, offset 0), 32x32 bilinear, [-1,1]"
};

// Loads and converts one split. Errors (InvalidArgument for bad options,
// NotFound for a missing file, DataLoss/InvalidArgument for a bad file, and
// FailedPrecondition when image and label counts disagree) name the option or
// file, what was expected and what was found.
absl::StatusOr<ImageDataset> LoadImageDataset(const ImageDatasetOptions& options);

}  // namespace otgan::data

#endif  // OTGAN_LIB_DATA_DATASET_H_

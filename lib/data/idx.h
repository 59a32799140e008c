// Reader for IDX files (the MNIST / Fashion-MNIST container), raw or gzip'd.
//
// A file is gzip'd when it starts with the gzip magic bytes 1f 8b, whatever its
// name; it is then inflated with zlib, which checks the CRC-32 and length in the
// gzip trailer, so a truncated or corrupted .gz is an error, not short data.
// Only the unsigned-byte element type (0x08) is supported: it is the only one
// the datasets of this project use. Every defect (missing file, bad magic,
// wrong type byte, wrong number of dimensions, wrong length, label out of
// range, broken gzip stream) is a Status whose message names the file, what
// was expected and what was found.
//
//   OTGAN_ASSIGN_OR_RETURN(at::Tensor x,
//       otgan::data::ReadIdxImages("data/mnist/train-images-idx3-ubyte"));  // uint8 [60000,28,28]
//   OTGAN_ASSIGN_OR_RETURN(at::Tensor y,
//       otgan::data::ReadIdxLabels("data/fashion/train-labels-idx1-ubyte.gz"));  // int64 [60000]
#ifndef OTGAN_LIB_DATA_IDX_H_
#define OTGAN_LIB_DATA_IDX_H_

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace otgan::data {

// The magic numbers (big-endian first four bytes) of the two layouts we read.
inline constexpr uint32_t kIdxImagesMagic = 0x00000803;  // ubyte, 3 dims
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // ubyte, 1 dim

// A decoded IDX file: its dimensions and its payload (row-major, header removed).
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Reads `path` (raw or gzip'd). Validates the magic (two zero bytes, type byte
// 0x08, 1 to 4 dimensions), the dimensions and the exact length: header
// (4 + 4 * ndims bytes) plus the product of the dimensions, nothing more.
absl::StatusOr<IdxArray> ReadIdx(const std::string& path);

// An image file (magic 0x00000803): uint8 tensor [N, rows, cols]. With
// expected_rows / expected_cols > 0 the images must be that size, else
// InvalidArgument naming the file, e.g. "data/mnist/train-images-idx3-ubyte:
// images are 32x32, expected 28x28".
absl::StatusOr<at::Tensor> ReadIdxImages(const std::string& path, int64_t expected_rows = 0,
                                         int64_t expected_cols = 0);

// A label file (magic 0x00000801): int64 tensor [N]; every label must be
// < num_classes (1 <= num_classes <= 256).
absl::StatusOr<at::Tensor> ReadIdxLabels(const std::string& path, int num_classes = 10);

}  // namespace otgan::data

#endif  // OTGAN_LIB_DATA_IDX_H_

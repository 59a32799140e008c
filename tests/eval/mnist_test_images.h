// MNIST test-split fixtures shared by the evaluation tests
// (image_metrics_test, run_eval_test): a fixed subset of the test images
// from the data dependency @otgan_data//:mnist.
//
//   data::ImageDataset real = fixtures::LoadTestImages(
//       1000, /*offset=*/0, data::ValueRange::kZeroOne, /*resize=*/0, /*subset_seed=*/7);
#ifndef OTGAN_TESTS_EVAL_MNIST_TEST_IMAGES_H_
#define OTGAN_TESTS_EVAL_MNIST_TEST_IMAGES_H_

#include <cstdint>
#include <utility>

#include "gtest/gtest.h"
#include "lib/data/dataset.h"

namespace otgan::eval::fixtures {

// Where the tests find @otgan_data (relative to the test's runfiles root).
inline constexpr char kDataDir[] = "../otgan_data";

// n MNIST test images starting at `offset` in the permutation seeded
// `subset_seed`, in `range`, resized to resize x resize (0: 28x28). A load
// failure is a test failure (and an empty dataset).
inline data::ImageDataset LoadTestImages(int64_t n, int64_t offset, data::ValueRange range,
                                         int resize, uint64_t subset_seed) {
  data::ImageDatasetOptions d;
  d.data_dir = kDataDir;
  d.split = data::Split::kTest;
  d.range = range;
  d.resize = resize;
  d.subset_size = n;
  d.subset_seed = subset_seed;
  d.subset_offset = offset;
  auto ds = data::LoadImageDataset(d);
  EXPECT_TRUE(ds.ok()) << ds.status();
  return *std::move(ds);
}

}  // namespace otgan::eval::fixtures

#endif  // OTGAN_TESTS_EVAL_MNIST_TEST_IMAGES_H_

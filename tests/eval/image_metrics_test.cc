#include "lib/eval/image_metrics.h"

#include <iostream>
#include <string>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"
#include "lib/data/dataset.h"
#include "lib/eval/lenet.h"
#include "lib/io/json.h"
#include "tests/eval/mnist_test_images.h"

namespace otgan::eval {
namespace {

constexpr char kWeights[] = "eval/weights/lenet_mnist.pt";

// The test images of this file: subset seed 7.
data::ImageDataset LoadTest(int64_t n, int64_t offset, data::ValueRange range, int resize) {
  return fixtures::LoadTestImages(n, offset, range, resize, /*subset_seed=*/7);
}

TEST(ImageMetricsTest, CommittedMnistClassifierIsAccurateOnTestImages) {
  auto clf = LoadLeNet(kWeights);
  ASSERT_TRUE(clf.ok()) << clf.status();
  EXPECT_EQ(clf->sha256.size(), 64u);
  data::ImageDataset test = LoadTest(2000, 0, data::ValueRange::kZeroOne, 0);
  auto acc = ClassifierAccuracy(clf->net, test.images, test.labels);
  ASSERT_TRUE(acc.ok()) << acc.status();
  EXPECT_GE(*acc, 0.98);
}

TEST(ImageMetricsTest, RealVersusRealIsCloseAndNoiseIsFarWithProtocolRecorded) {
  auto clf = LoadLeNet(kWeights);
  ASSERT_TRUE(clf.ok()) << clf.status();
  // "Generated": 1000 real test images as Laschos-style 32x32 [-1,1] images;
  // real: 1000 other test images at 32x32 in [0,1] (ImageMetricsOptions::
  // real_resize), so both sets go through the same 32 -> 28 resize.
  data::ImageDataset gen = LoadTest(1000, 0, data::ValueRange::kMinusOneOne, 32);
  data::ImageDataset real = LoadTest(1000, 1000, data::ValueRange::kZeroOne, 32);
  ImageMetricsOptions opt;
  opt.kid_subset_size = 500;
  auto m = ComputeImageMetrics(*clf, gen.images, PixelRange::kMinusOneOne, real.images,
                               PixelRange::kZeroOne, real.description, opt);
  ASSERT_TRUE(m.ok()) << m.status();
  at::Tensor noise = at::rand({1000, 784}, at::make_generator<at::CPUGeneratorImpl>(1));
  auto bad = ComputeImageMetrics(*clf, noise, PixelRange::kZeroOne, real.images,
                                 PixelRange::kZeroOne, real.description, opt);
  ASSERT_TRUE(bad.ok()) << bad.status();
  // Real digits: confident, balanced predictions; noise: far in every metric.
  EXPECT_GT(m->inception_score.mean, 8.0);
  EXPECT_LE(m->inception_score.mean, 10.0);
  EXPECT_LT(m->label_kl, 0.05);
  std::cout << "real vs real: FID " << m->fid << " KID " << m->kid.mean << " +- " << m->kid.std
            << " IS " << m->inception_score.mean << " P " << m->precision_recall.precision
            << " R " << m->precision_recall.recall << "\nnoise: FID " << bad->fid << " KID "
            << bad->kid.mean << " IS " << bad->inception_score.mean << "\n";
  EXPECT_GT(bad->fid, 20 * m->fid);
  EXPECT_GT(bad->kid.mean, 20 * std::max(m->kid.mean, 1e-4));
  EXPECT_GT(m->precision_recall.precision, 0.6);
  EXPECT_GT(m->precision_recall.recall, 0.6);
  EXPECT_LT(bad->precision_recall.precision, 0.1);
  // The protocol carries the checksum and the counts.
  const io::Json& p = m->protocol;
  EXPECT_EQ(p["classifier"]["sha256"], clf->sha256);
  EXPECT_EQ(p["generated"]["count"], 1000);
  EXPECT_EQ(p["kid"]["subset_size"], 500);
  EXPECT_NE(p["generated"]["preprocessing"].get<std::string>().find("bilinear"), std::string::npos);
}

}  // namespace
}  // namespace otgan::eval

#include "lib/eval/pixel_w1.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gtest/gtest.h"
#include "lib/data/dataset.h"

namespace otgan::eval {
namespace {

at::Generator Gen(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// Runfiles of @otgan_data (see third_party/repositories.bzl).
constexpr char kDataDir[] = "../otgan_data";

double BruteForceW1(const at::Tensor& a, const at::Tensor& b) {
  const int n = a.size(0);
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  double best = 1e300;
  do {
    double s = 0;
    for (int i = 0; i < n; ++i) s += (a[i] - b[perm[i]]).pow(2).sum().sqrt().item<double>();
    best = std::min(best, s / n);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

TEST(PixelW1Test, BlockwiseW1EqualsBruteForceAssignment) {
  at::Tensor real = at::rand({6, 1, 4, 4}, Gen(1), at::kDouble) * 2 - 1;
  at::Tensor fake = at::rand({12, 1, 4, 4}, Gen(2), at::kDouble) * 2 - 1;
  auto w = BlockwiseExactW1(fake, real);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->size(), 2u);
  at::Tensor r = real.reshape({6, -1});
  EXPECT_NEAR((*w)[0], BruteForceW1(fake.slice(0, 0, 6).reshape({6, -1}), r), 1e-9);
  EXPECT_NEAR((*w)[1], BruteForceW1(fake.slice(0, 6, 12).reshape({6, -1}), r), 1e-9);
  EXPECT_FALSE(BlockwiseExactW1(fake.slice(0, 0, 7), real).ok());
}

TEST(PixelW1Test, ToLaschosPixelsMapsRangeAndSize) {
  // A constant 0.5 image in [0,1] at 28x28 is 0 everywhere in [-1,1] at 32x32.
  auto p = ToLaschosPixels(at::full({3, 784}, 0.5), PixelRange::kZeroOne, 32);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->sizes(), (at::IntArrayRef{3, 1, 32, 32}));
  EXPECT_LT(p->abs().max().item<float>(), 1e-6);
  // [-1,1] 32x32 input passes through unchanged.
  at::Tensor x = at::rand({2, 1, 32, 32}, Gen(3)) * 2 - 1;
  auto q = ToLaschosPixels(x, PixelRange::kMinusOneOne, 32);
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(at::equal(*q, x));
  EXPECT_FALSE(ToLaschosPixels(at::zeros({2, 3, 8, 8}), PixelRange::kZeroOne, 32).ok());
  EXPECT_FALSE(ToLaschosPixels(at::zeros({2, 10}), PixelRange::kZeroOne, 32).ok());
}

TEST(PixelW1Test, ProtocolOnRealMnistRealFloorEqualsSecondSetAsGenerated) {
  // Small protocol (200 images) on the real data: feeding the second real set
  // as the "generated" images reproduces the real-vs-real floor exactly, and
  // a second real set sits far below noise images.
  PixelW1Options opt;
  opt.data_dir = kDataDir;
  opt.num_real = 200;
  opt.seed = 3;
  data::ImageDatasetOptions d;
  d.data_dir = kDataDir;
  d.range = data::ValueRange::kZeroOne;  // a different range and size on purpose
  d.subset_size = 200;
  d.subset_seed = 3;
  d.subset_offset = 200;
  auto second = data::LoadImageDataset(d);
  ASSERT_TRUE(second.ok()) << second.status();
  auto r = LaschosPixelW1(second->images, PixelRange::kZeroOne, opt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->repeats, 1);
  EXPECT_EQ(r->num_real, 200);
  EXPECT_EQ(r->resize, 32);
  EXPECT_NEAR(r->w1_mean, r->real_floor, 1e-4 * r->real_floor);
  EXPECT_GT(r->real_floor, 1.0);
  at::Tensor noise = at::rand({400, 1, 32, 32}, Gen(4)) * 2 - 1;
  auto n = LaschosPixelW1(noise, PixelRange::kMinusOneOne, opt);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->repeats, 2);
  EXPECT_GT(n->w1_mean, 1.5 * n->real_floor);
  EXPECT_FALSE(LaschosPixelW1(noise.slice(0, 0, 300), PixelRange::kMinusOneOne, opt).ok());
}

}  // namespace
}  // namespace otgan::eval

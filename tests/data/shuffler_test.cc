#include "lib/data/shuffler.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace otgan::data {
namespace {

std::vector<int64_t> ToVector(const at::Tensor& t) {
  EXPECT_EQ(t.scalar_type(), at::kLong);
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

// Concatenation of `batches` batches of `size`.
std::vector<int64_t> Draw(EpochShuffler& s, int batches, int64_t size) {
  std::vector<int64_t> out;
  for (int b = 0; b < batches; ++b) {
    std::vector<int64_t> v = ToVector(s.NextBatch(size));
    EXPECT_EQ(static_cast<int64_t>(v.size()), size);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

TEST(SeededPermutationTest, IsADeterministicPermutation) {
  std::vector<int64_t> p = SeededPermutation(1000, 7, 2);
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(1000);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(p, iota);
  EXPECT_EQ(p, SeededPermutation(1000, 7, 2));
  EXPECT_NE(p, SeededPermutation(1000, 7, 3));
  EXPECT_NE(p, SeededPermutation(1000, 8, 2));
  EXPECT_TRUE(SeededPermutation(0, 1, 1).empty());
}

TEST(EpochShufflerTest, EveryIndexOncePerEpochAcrossBatchBoundaries) {
  const int64_t n = 17;
  EpochShuffler s(n, 42);
  // 5 does not divide 17: batches straddle epoch boundaries.
  std::vector<int64_t> all = Draw(s, 34, 5);  // 170 = 10 epochs
  EXPECT_EQ(s.epoch(), 10);
  EXPECT_EQ(s.position(), 0);
  std::vector<int64_t> iota(n);
  std::iota(iota.begin(), iota.end(), 0);
  std::vector<std::vector<int64_t>> epochs;
  for (int e = 0; e < 10; ++e) {
    std::vector<int64_t> ep(all.begin() + e * n, all.begin() + (e + 1) * n);
    epochs.push_back(ep);
    std::sort(ep.begin(), ep.end());
    EXPECT_EQ(ep, iota) << "epoch " << e;
  }
  // A fresh permutation per epoch, equal to SeededPermutation(n, seed, epoch).
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_EQ(epochs[3], SeededPermutation(n, 42, 3));
}

TEST(EpochShufflerTest, BatchLargerThanDataset) {
  EpochShuffler s(4, 1);
  std::vector<int64_t> v = ToVector(s.NextBatch(10));
  EXPECT_EQ(s.epoch(), 2);
  EXPECT_EQ(s.position(), 2);
  for (int e = 0; e < 2; ++e) {
    std::vector<int64_t> ep(v.begin() + 4 * e, v.begin() + 4 * e + 4);
    std::sort(ep.begin(), ep.end());
    EXPECT_EQ(ep, (std::vector<int64_t>{0, 1, 2, 3}));
  }
}

TEST(EpochShufflerTest, SameSeedSameBatchesDifferentSeedDifferent) {
  EpochShuffler a(100, 5), b(100, 5), c(100, 6);
  std::vector<int64_t> va = Draw(a, 12, 32), vb = Draw(b, 12, 32), vc = Draw(c, 12, 32);
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
}

TEST(EpochShufflerTest, FirstIndexIsRoughlyUniform) {
  // Over 4000 epochs of n = 5 each index leads an epoch 800 times on average
  // (binomial std ~25); a biased shuffle would show here.
  std::vector<int> first(5, 0);
  for (int e = 0; e < 4000; ++e) ++first[SeededPermutation(5, 9, e)[0]];
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(first[i], 800, 125) << "index " << i;
}

TEST(EpochShufflerTest, SaveRestoreMidEpochReproducesTheStream) {
  EpochShuffler a(23, 11);
  Draw(a, 7, 6);  // 42 items: epoch 1, position 19
  at::Tensor state = a.State();
  ASSERT_EQ(state.scalar_type(), at::kLong);
  ASSERT_EQ(state.sizes(), (std::vector<int64_t>{4}));
  EXPECT_EQ(ToVector(state), (std::vector<int64_t>{23, 11, 1, 19}));
  std::vector<int64_t> uninterrupted = Draw(a, 20, 6);

  EpochShuffler b(23, /*seed=*/999);  // the seed comes from the state
  Draw(b, 3, 4);                      // and so do epoch and position
  ASSERT_TRUE(b.Restore(state.clone()).ok());
  EXPECT_EQ(b.seed(), 11u);
  EXPECT_EQ(b.epoch(), 1);
  EXPECT_EQ(b.position(), 19);
  EXPECT_EQ(Draw(b, 20, 6), uninterrupted);
}

TEST(EpochShufflerTest, LargeSeedRoundTrips) {
  const uint64_t seed = 0xfedcba9876543210ULL;
  EpochShuffler a(10, seed);
  Draw(a, 1, 3);
  EpochShuffler b(10, 0);
  ASSERT_TRUE(b.Restore(a.State()).ok());
  EXPECT_EQ(b.seed(), seed);
  EXPECT_EQ(Draw(b, 5, 3), Draw(a, 5, 3));
}

TEST(EpochShufflerTest, RestoreRefusesWrongNShapeDtypeAndRange) {
  EpochShuffler a(17, 1);
  EpochShuffler b(18, 1);
  absl::Status s = b.Restore(a.State());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("n = 17"), std::string::npos) << s;
  EXPECT_NE(s.message().find("n = 18"), std::string::npos) << s;
  // b is untouched by the refused restore.
  EXPECT_EQ(b.epoch(), 0);
  EXPECT_EQ(b.position(), 0);

  s = a.Restore(a.State().to(at::kInt));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("expected an int64 tensor of shape [4]"), std::string::npos) << s;
  EXPECT_NE(s.message().find("Int"), std::string::npos) << s;
  s = a.Restore(at::zeros({2, 2}, at::kLong));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("shape [2, 2]"), std::string::npos) << s;
  EXPECT_FALSE(a.Restore(at::Tensor()).ok());

  at::Tensor bad = a.State();
  bad[3] = 17;  // position must be < n
  s = a.Restore(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("position 17"), std::string::npos) << s;
}

}  // namespace
}  // namespace otgan::data

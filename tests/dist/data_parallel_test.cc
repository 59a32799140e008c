#include "lib/dist/data_parallel.h"

#include <set>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/nn/modules/linear.h>

#include "gtest/gtest.h"
#include "lib/util/status.h"
#include "tests/dist/rank_threads.h"

namespace otgan::dist {
namespace {

using testing::RunRankThreads;

class DataParallelTest : public ::testing::Test {
 protected:
  void SetUp() override { at::set_num_threads(1); }
};

void ExpectAllOk(const std::vector<absl::Status>& st) {
  for (size_t r = 0; r < st.size(); ++r) EXPECT_TRUE(st[r].ok()) << "rank " << r << ": " << st[r];
}

absl::Status Check(bool ok, const std::string& what) {
  return ok ? absl::OkStatus() : absl::InternalError(what);
}

// Rank r's shard: rows [[r, r + 0.5], [10 r, 10 r + 0.5]].
at::Tensor Shard(int r) {
  return at::tensor({1.0 * r, r + 0.5, 10.0 * r, 10.0 * r + 0.5}, at::kDouble).view({2, 2});
}
// Weights of rank q's loss sum(W_q * gathered) over the gathered [2 W, 2] tensor.
at::Tensor LossWeights(int q, int world) {
  return at::arange(4 * world, at::kDouble).view({2 * world, 2}) * (q + 1) + q;
}

TEST_F(DataParallelTest, AllGatherConcatenatesInRankOrder) {
  ExpectAllOk(RunRankThreads(3, [](DistContext& d) -> absl::Status {
    OTGAN_ASSIGN_OR_RETURN(at::Tensor g, AllGatherWithGrad(d, Shard(d.rank())));
    return Check(at::equal(g, at::cat({Shard(0), Shard(1), Shard(2)}, 0)), "gathered rows");
  }));
}

// Different losses per rank: the gradient that reaches rank r's shard is the
// sum over ranks q of d loss_q / d rows_r (the gradient of sum_q loss_q).
TEST_F(DataParallelTest, AllGatherBackwardSumsOverRanks) {
  const int world = 3;
  ExpectAllOk(RunRankThreads(world, [&](DistContext& d) -> absl::Status {
    const int r = d.rank();
    at::Tensor x = Shard(r).requires_grad_(true);
    OTGAN_ASSIGN_OR_RETURN(at::Tensor g, AllGatherWithGrad(d, x));
    (LossWeights(r, world) * g).sum().backward();
    at::Tensor want = at::zeros({2, 2}, at::kDouble);
    for (int q = 0; q < world; ++q) want += LossWeights(q, world).narrow(0, 2 * r, 2);
    return Check(at::allclose(x.grad(), want), "gradient of the shard");
  }));
}

// The same loss on every rank: kReplicatedLoss gives what kSumOverRanks gives
// (world_size times this rank's rows) without a collective in backward.
TEST_F(DataParallelTest, ReplicatedLossModeMatchesSumModeWithoutCommunication) {
  const int world = 2;
  ExpectAllOk(RunRankThreads(world, [&](DistContext& d) -> absl::Status {
    const int r = d.rank();
    const at::Tensor w = LossWeights(0, world);
    at::Tensor grads[2];
    int64_t reduce_calls[2];
    for (int m = 0; m < 2; ++m) {
      at::Tensor x = Shard(r).requires_grad_(true);
      d.ResetTraffic();
      OTGAN_ASSIGN_OR_RETURN(
          at::Tensor g,
          AllGatherWithGrad(d, x, m == 0 ? GatherGrad::kSumOverRanks : GatherGrad::kReplicatedLoss));
      (w * g).sum().backward();
      grads[m] = x.grad();
      reduce_calls[m] = d.traffic().all_reduce_calls;
    }
    OTGAN_RETURN_IF_ERROR(Check(at::allclose(grads[0], grads[1]), "modes differ"));
    OTGAN_RETURN_IF_ERROR(Check(at::allclose(grads[0], world * w.narrow(0, 2 * r, 2)), "value"));
    return Check(reduce_calls[0] == 1 && reduce_calls[1] == 0, "all-reduce count");
  }));
}

TEST_F(DataParallelTest, AllGatherRejectsMismatchedShapesOnEveryRank) {
  std::vector<absl::Status> st = RunRankThreads(2, [](DistContext& d) -> absl::Status {
    return AllGatherWithGrad(d, at::zeros({2 + d.rank(), 3})).status();
  });
  for (int r = 0; r < 2; ++r) {
    ASSERT_FALSE(st[r].ok()) << "rank " << r;
    EXPECT_EQ(st[r].code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(st[r].message().find("[2, 3]"), std::string::npos) << st[r];
    EXPECT_NE(st[r].message().find("[3, 3]"), std::string::npos) << st[r];
  }
}

TEST_F(DataParallelTest, AllReduceGradientsAveragesAndKeepsUndefinedUndefined) {
  ExpectAllOk(RunRankThreads(2, [](DistContext& d) -> absl::Status {
    const int r = d.rank();
    at::Tensor both = at::zeros({2, 2}, at::kFloat).requires_grad_(true);
    at::Tensor only0 = at::zeros({3}, at::kFloat).requires_grad_(true);
    at::Tensor none = at::zeros({1}, at::kFloat).requires_grad_(true);
    both.mutable_grad() = at::full({2, 2}, r == 0 ? 1.0 : 3.0);
    if (r == 0) only0.mutable_grad() = at::full({3}, 4.0);
    OTGAN_RETURN_IF_ERROR(AllReduceGradients(d, {both, only0, none}));
    OTGAN_RETURN_IF_ERROR(Check(at::allclose(both.grad(), at::full({2, 2}, 2.0)), "average"));
    OTGAN_RETURN_IF_ERROR(Check(only0.grad().defined() &&
                                    at::allclose(only0.grad(), at::full({3}, 2.0)),
                                "grad on one rank only"));
    return Check(!none.grad().defined(), "undefined everywhere stays undefined");
  }));
}

TEST_F(DataParallelTest, BroadcastParametersSynchronisesReplicas) {
  ExpectAllOk(RunRankThreads(2, [](DistContext& d) -> absl::Status {
    torch::nn::Linear lin(4, 3);
    {
      at::NoGradGuard no_grad;
      for (at::Tensor& p : lin->parameters()) p.fill_(d.rank() + 1.0);
    }
    OTGAN_ASSIGN_OR_RETURN(double before, MaxParameterDrift(d, *lin));
    OTGAN_RETURN_IF_ERROR(Check(before == 1.0, "drift before: " + std::to_string(before)));
    OTGAN_RETURN_IF_ERROR(BroadcastParameters(d, *lin));
    OTGAN_ASSIGN_OR_RETURN(double after, MaxParameterDrift(d, *lin));
    OTGAN_RETURN_IF_ERROR(Check(after == 0.0, "drift after"));
    return Check(at::allclose(lin->weight, at::ones({3, 4})), "root's values");
  }));
}

TEST_F(DataParallelTest, AnyRankAgreesOnEveryRank) {
  ExpectAllOk(RunRankThreads(3, [](DistContext& d) -> absl::Status {
    OTGAN_ASSIGN_OR_RETURN(bool none, AnyRank(d, false));
    OTGAN_ASSIGN_OR_RETURN(bool one, AnyRank(d, d.rank() == 2));
    OTGAN_ASSIGN_OR_RETURN(bool all, AnyRank(d, true));
    return Check(!none && one && all, "AnyRank");
  }));
}

TEST(DataParallelHelpersTest, LocalBatchSizeNeedsEqualShares) {
  EXPECT_EQ(*LocalBatchSize(256, 4), 64);
  EXPECT_EQ(*LocalBatchSize(7, 1), 7);
  absl::StatusOr<int64_t> bad = LocalBatchSize(10, 4);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("multiple of WORLD_SIZE"), std::string::npos);
  EXPECT_FALSE(LocalBatchSize(2, 4).ok());
}

TEST(DataParallelHelpersTest, ShardRowsPartitionsInRankOrder) {
  const at::Tensor x = at::arange(12).view({6, 2});
  EXPECT_TRUE(at::equal(at::cat({ShardRows(x, 0, 3), ShardRows(x, 1, 3), ShardRows(x, 2, 3)}), x));
  EXPECT_THROW(ShardRows(x, 0, 4), c10::Error);
}

TEST(DataParallelHelpersTest, RankSeedsAreDistinctAndRankZeroKeepsTheSeed) {
  EXPECT_EQ(RankSeed(1234, 0), 1234u);
  std::set<uint64_t> seen;
  for (int r = 0; r < 64; ++r) seen.insert(RankSeed(1234, r));
  EXPECT_EQ(seen.size(), 64u);
  EXPECT_EQ(RankSeed(1234, 5), RankSeed(1234, 5));
  EXPECT_NE(RankSeed(1234, 5), RankSeed(1235, 5));
}

}  // namespace
}  // namespace otgan::dist

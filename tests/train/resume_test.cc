// A run of 2N steps and a run of N steps, stopped, then resumed by fresh
// objects (as a new process would) for N more, end with identical weights.
#include <fstream>

#include <ATen/Parallel.h>

#include "gtest/gtest.h"
#include "lib/train/trainer.h"
#include "tests/train/tiny_gan.h"

namespace otgan::train {
namespace {

using testing::TinyGan;
using testing::TinyRunConfig;

constexpr int64_t kN = 12;

absl::Status Train(TinyGan& model, const TrainerConfig& config) {
  Trainer trainer(config);
  model.Register(trainer);
  return trainer.Run([&](int64_t) -> absl::StatusOr<StepLosses> { return model.Step(); },
                     {"critic_loss", "gen_loss"});
}

void ExpectIdentical(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i].value(), pb[i].value())) << pa[i].key();
  }
}

TEST(ResumeTest, ResumedRunIsBitIdenticalToStraightRun) {
  at::set_num_threads(1);
  TinyGan straight(/*seed=*/3);
  ASSERT_TRUE(Train(straight, TinyRunConfig("straight", 2 * kN, false)).ok());

  {
    TinyGan first(/*seed=*/3);
    ASSERT_TRUE(Train(first, TinyRunConfig("resumed", kN, false)).ok());
  }
  TinyGan second(/*seed=*/777);  // different weights, optimiser, generators, shuffler
  at::manual_seed(12345);        // and a different default generator state
  ASSERT_TRUE(Train(second, TinyRunConfig("resumed", 2 * kN, true)).ok());

  ExpectIdentical(*straight.gen, *second.gen);
  ExpectIdentical(*straight.critic, *second.critic);
  EXPECT_TRUE(torch::equal(straight.shuffler.State(), second.shuffler.State()));
  EXPECT_TRUE(torch::equal(straight.gp_gen.get_state(), second.gp_gen.get_state()));

  // The loss columns of metrics.csv agree too (seconds differ).
  auto strip_seconds = [](const std::string& path) {
    std::ifstream in(path);
    std::string line, out;
    while (std::getline(in, line)) {
      const size_t a = line.find(','), b = line.find(',', a + 1);
      out += line.substr(0, a) + line.substr(b) + "\n";
    }
    return out;
  };
  const std::string root = ::testing::TempDir();
  EXPECT_EQ(strip_seconds(root + "/straight/metrics.csv"), strip_seconds(root + "/resumed/metrics.csv"));
}

TEST(ResumeTest, DifferentModelIsRefusedOnResume) {
  at::set_num_threads(1);
  TinyGan first(1);
  ASSERT_TRUE(Train(first, TinyRunConfig("mismatch", 3, false)).ok());
  TinyGan other(1);
  TrainerConfig c = TinyRunConfig("mismatch", 6, true);
  Trainer trainer(c);
  trainer.AddModule("generator", other.gen.ptr());  // critic not registered
  absl::Status st = trainer.Run([&](int64_t) -> absl::StatusOr<StepLosses> { return other.Step(); },
                                {"critic_loss", "gen_loss"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("module critic param"), std::string::npos) << st;
}

}  // namespace
}  // namespace otgan::train

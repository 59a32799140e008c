#include "lib/train/checkpoint.h"

#include <filesystem>
#include <fstream>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/activation.h>
#include <torch/optim/adam.h>

#include "gtest/gtest.h"

namespace otgan::train {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

torch::nn::Sequential Net(int64_t hidden) {
  return torch::nn::Sequential(torch::nn::Linear(3, hidden), torch::nn::ReLU(),
                               torch::nn::Linear(hidden, 1));
}

struct Model {
  explicit Model(uint64_t seed, int64_t hidden = 8)
      : net((at::manual_seed(seed), Net(hidden))),
        opt(net->parameters(), torch::optim::AdamOptions(1e-2)),
        gen(at::make_generator<at::CPUGeneratorImpl>(seed + 100)),
        counter(at::tensor({static_cast<int64_t>(seed)})) {
    state.AddModule("net", net.ptr());
    state.AddOptimizer("opt", &opt);
    state.AddGenerator("gen", gen);
    state.AddTensorState("counter", [this] { return counter; },
                         [this](const at::Tensor& t) {
                           counter = t.clone();
                           return absl::OkStatus();
                         });
  }
  void Step() {
    opt.zero_grad();
    net->forward(at::randn({4, 3}, gen)).pow(2).mean().backward();
    opt.step();
    counter += 1;
  }
  torch::nn::Sequential net;
  torch::optim::Adam opt;
  at::Generator gen;
  at::Tensor counter;
  TrainingState state;
};

void ExpectSameParameters(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.parameters(), pb = b.parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(at::equal(pa[i], pb[i])) << "parameter " << i;
}

TEST(CheckpointTest, RoundTripRestoresEverything) {
  const std::string path = CheckpointPath(TempDir("roundtrip"), 3);
  Model a(1);
  for (int i = 0; i < 3; ++i) a.Step();
  at::manual_seed(99);
  ASSERT_TRUE(SaveCheckpoint(path, a.state, {3, 12.5}).ok());
  const at::Tensor default_next = at::rand({3});  // default CPU generator after the save

  Model b(2);  // different initial weights, generator and counter
  b.Step();
  at::manual_seed(5);
  auto info = LoadCheckpoint(path, b.state);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->step, 3);
  EXPECT_DOUBLE_EQ(info->elapsed_seconds, 12.5);
  ExpectSameParameters(*a.net, *b.net);
  EXPECT_TRUE(at::equal(a.counter, b.counter));
  EXPECT_TRUE(at::equal(at::rand({3}), default_next));
  // Same generator and Adam moments: the next steps agree exactly.
  for (int i = 0; i < 2; ++i) {
    a.Step();
    b.Step();
  }
  ExpectSameParameters(*a.net, *b.net);
}

TEST(CheckpointTest, RefusesTruncatedAndForeignFiles) {
  const std::string dir = TempDir("corrupt");
  const std::string path = CheckpointPath(dir, 1);
  Model a(1);
  a.Step();
  ASSERT_TRUE(SaveCheckpoint(path, a.state, {1, 0}).ok());
  const auto size = fs::file_size(path);
  fs::resize_file(path, size / 2);
  Model b(2);
  auto truncated = LoadCheckpoint(path, b.state);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(truncated.status().message().find(path), std::string::npos) << truncated.status();

  const std::string text = dir + "/not_a_checkpoint.pt";
  std::ofstream(text) << "hello";
  auto foreign = LoadCheckpoint(text, b.state);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kDataLoss);

  auto missing = LoadCheckpoint(dir + "/ckpt_77.pt", b.state);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(CheckpointTest, RefusesDifferentArchitectureNamingTheDifference) {
  const std::string path = CheckpointPath(TempDir("arch"), 1);
  Model a(1, /*hidden=*/8);
  ASSERT_TRUE(SaveCheckpoint(path, a.state, {1, 0}).ok());
  Model b(2, /*hidden=*/16);
  const at::Tensor before = b.net->parameters()[0].clone();
  auto st = LoadCheckpoint(path, b.state);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string msg(st.status().message());
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("module net param 0.weight Float [8, 3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("module net param 0.weight Float [16, 3]"), std::string::npos) << msg;
  EXPECT_TRUE(at::equal(b.net->parameters()[0], before));  // untouched
}

TEST(CheckpointTest, KeepsTheNewestK) {
  const std::string dir = TempDir("prune");
  Model a(1);
  for (int64_t step : {10, 20, 30, 40, 50}) {
    ASSERT_TRUE(SaveCheckpoint(CheckpointPath(dir, step), a.state, {step, 0}).ok());
  }
  std::ofstream(dir + "/notes.txt") << "not a checkpoint";
  ASSERT_TRUE(PruneCheckpoints(dir, 3).ok());
  auto list = ListCheckpoints(dir);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].first, 30);
  EXPECT_EQ((*list)[2].first, 50);
  EXPECT_TRUE(fs::exists(dir + "/notes.txt"));
  auto latest = LatestCheckpoint(dir);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->second, CheckpointPath(dir, 50));
  EXPECT_FALSE(PruneCheckpoints(dir, 0).ok());
  // No temporary files are left behind.
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace otgan::train

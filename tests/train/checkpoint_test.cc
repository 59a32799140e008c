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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Where the raw float32 bytes of `t` sit in the file `bytes` (LibTorch stores
// tensor data uncompressed), or npos.
size_t FindTensorBytes(const std::string& bytes, const at::Tensor& t) {
  const at::Tensor c = t.detach().contiguous();
  return bytes.find(std::string(static_cast<const char*>(c.data_ptr()), c.nbytes()));
}

// A saved checkpoint of Model(1) after one step, and the model's first weight.
struct Saved {
  std::string path;
  at::Tensor weight;
};
Saved SaveOne(const std::string& dir_name) {
  Saved s{CheckpointPath(TempDir(dir_name), 1), {}};
  Model a(1);
  a.Step();
  EXPECT_TRUE(SaveCheckpoint(s.path, a.state, {1, 0}).ok());
  s.weight = a.net->parameters()[0].detach().clone();
  return s;
}

void ExpectDataLossNaming(const absl::Status& st, const std::string& path, const std::string& what) {
  ASSERT_FALSE(st.ok()) << "a damaged checkpoint was accepted";
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss) << st;
  EXPECT_NE(st.message().find(path), std::string::npos) << st;
  EXPECT_NE(st.message().find(what), std::string::npos) << st;
}

TEST(CheckpointIntegrityTest, FlippedLowBitOfAStoredFloatIsRefused) {
  Saved s = SaveOne("bitflip");
  std::string bytes = ReadAll(s.path);
  const size_t at = FindTensorBytes(bytes, s.weight);
  ASSERT_NE(at, std::string::npos);
  for (int i = 0; i < 4 * 8; i += 4) bytes[at + i] ^= 1;  // low mantissa bit of 8 floats
  WriteAll(s.path, bytes);
  Model b(2);
  ExpectDataLossNaming(LoadCheckpoint(s.path, b.state).status(), s.path, "checksum mismatch");
  ExpectDataLossNaming(VerifyCheckpoint(s.path), s.path, "checksum mismatch");
}

TEST(CheckpointIntegrityTest, OverwrittenBytesAreRefused) {
  Saved s = SaveOne("overwrite");
  std::string bytes = ReadAll(s.path);
  const size_t at = FindTensorBytes(bytes, s.weight);
  ASSERT_NE(at, std::string::npos);
  for (int i = 0; i < 64 && at + i < bytes.size(); ++i) bytes[at + i] = '\xff';
  WriteAll(s.path, bytes);
  Model b(2);
  ExpectDataLossNaming(LoadCheckpoint(s.path, b.state).status(), s.path, "checksum mismatch");
}

TEST(CheckpointIntegrityTest, TruncationAndTrailingBytesAreRefused) {
  Saved s = SaveOne("truncate");
  const std::string bytes = ReadAll(s.path);
  Model b(2);
  for (size_t keep : {bytes.size() - 1, bytes.size() / 2, size_t{40}, size_t{0}}) {
    WriteAll(s.path, bytes.substr(0, keep));
    const absl::Status st = LoadCheckpoint(s.path, b.state).status();
    ASSERT_FALSE(st.ok()) << "kept " << keep;
    EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss) << st;
  }
  WriteAll(s.path, bytes.substr(0, bytes.size() - 1));
  ExpectDataLossNaming(VerifyCheckpoint(s.path), s.path, "truncated");
  WriteAll(s.path, bytes + "x");
  ExpectDataLossNaming(VerifyCheckpoint(s.path), s.path, "trailing bytes");
  WriteAll(s.path, bytes);
  EXPECT_TRUE(VerifyCheckpoint(s.path).ok());
}

TEST(CheckpointIntegrityTest, MissingOrDamagedChecksumIsRefused) {
  Saved s = SaveOne("nosum");
  const std::string bytes = ReadAll(s.path);
  const size_t line = bytes.find("sha256 ");
  ASSERT_NE(line, std::string::npos);
  const size_t eol = bytes.find('\n', line);
  Model b(2);
  // The checksum line removed.
  WriteAll(s.path, bytes.substr(0, line) + bytes.substr(eol + 1));
  ExpectDataLossNaming(LoadCheckpoint(s.path, b.state).status(), s.path, "missing checksum");
  // One hex digit of the checksum changed.
  std::string changed = bytes;
  changed[line + 7] = changed[line + 7] == '0' ? '1' : '0';
  WriteAll(s.path, changed);
  ExpectDataLossNaming(VerifyCheckpoint(s.path), s.path, "checksum mismatch");
  // A format-1 checkpoint (the bare LibTorch archive, no checksum) is refused, saying why.
  WriteAll(s.path, bytes.substr(bytes.find("\n\n") + 2));
  ExpectDataLossNaming(LoadCheckpoint(s.path, b.state).status(), s.path, "no checksum");
}

TEST(CheckpointIntegrityTest, NewestVerifiedSkipsDamagedOnesSayingWhy) {
  const std::string dir = TempDir("newest_good");
  Model a(1);
  for (int64_t step : {10, 20, 30}) {
    a.Step();
    ASSERT_TRUE(SaveCheckpoint(CheckpointPath(dir, step), a.state, {step, 0}).ok());
  }
  const std::string p30 = CheckpointPath(dir, 30), p20 = CheckpointPath(dir, 20);
  std::string b30 = ReadAll(p30);
  b30[b30.size() / 2] ^= 1;
  WriteAll(p30, b30);
  fs::resize_file(p20, fs::file_size(p20) - 10);
  auto v = NewestVerifiedCheckpoint(dir);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->newest_good.has_value());
  EXPECT_EQ(v->newest_good->first, 10);
  ASSERT_EQ(v->skipped.size(), 2u);
  EXPECT_EQ(v->skipped[0].first, p30);
  EXPECT_NE(v->skipped[0].second.message().find("checksum mismatch"), std::string::npos);
  EXPECT_EQ(v->skipped[1].first, p20);
  EXPECT_NE(v->skipped[1].second.message().find("truncated"), std::string::npos);
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

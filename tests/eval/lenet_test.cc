#include "lib/eval/lenet.h"

#include <fstream>
#include <string>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/utils.h>

#include "gtest/gtest.h"
#include "lib/util/sha256.h"

namespace otgan::eval {
namespace {

at::Generator Gen(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

TEST(LeNetTest, ShapesAndProbabilities) {
  torch::manual_seed(0);
  LeNet net;
  at::Tensor x = at::rand({7, 1, 28, 28}, Gen(1));
  auto out = EvaluateClassifier(net, x, /*batch_size=*/3);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->features.sizes(), (at::IntArrayRef{7, 128}));
  EXPECT_EQ(out->logits.sizes(), (at::IntArrayRef{7, 10}));
  EXPECT_TRUE(at::allclose(out->probabilities.sum(1), at::ones({7}), 1e-5, 1e-6));
  EXPECT_GE(out->features.min().item<float>(), 0.0f);  // after ReLU
  // Batched evaluation equals one unbatched forward pass.
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(at::allclose(out->logits, net->forward(x), 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(out->features, net->Features(x), 1e-5, 1e-5));
  // Training mode is restored.
  EXPECT_TRUE(net->is_training());
  EXPECT_FALSE(EvaluateClassifier(net, at::rand({2, 1, 32, 32}), 10).ok());
  EXPECT_FALSE(EvaluateClassifier(net, x, 0).ok());
}

TEST(LeNetTest, ToClassifierInputHandlesEveryProtocolFormat) {
  // [N,784] in [0,1] is a reshape.
  at::Tensor flat = at::rand({4, 784}, Gen(2));
  auto a = ToClassifierInput(flat, PixelRange::kZeroOne);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(at::equal(*a, flat.reshape({4, 1, 28, 28})));
  // [N,1,32,32] in [-1,1]: rescaled to [0,1] and resized to 28x28. A constant
  // image stays constant under bilinear resizing: -1 -> 0, 0 -> 0.5, 1 -> 1.
  at::Tensor c = at::cat({at::full({1, 1, 32, 32}, -1.0), at::zeros({1, 1, 32, 32}),
                          at::ones({1, 1, 32, 32})});
  auto b = ToClassifierInput(c, PixelRange::kMinusOneOne);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->sizes(), (at::IntArrayRef{3, 1, 28, 28}));
  EXPECT_NEAR(b->select(0, 0).max().item<float>(), 0.0f, 1e-6);
  EXPECT_NEAR(b->select(0, 1).min().item<float>(), 0.5f, 1e-6);
  EXPECT_NEAR(b->select(0, 2).min().item<float>(), 1.0f, 1e-6);
  // Out-of-range values are clamped.
  auto d = ToClassifierInput(at::full({1, 28, 28}, 3.0), PixelRange::kZeroOne);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->max().item<float>(), 1.0f);
  EXPECT_FALSE(ToClassifierInput(at::zeros({2, 100}), PixelRange::kZeroOne).ok());
  EXPECT_FALSE(ToClassifierInput(at::zeros({2, 3, 28, 28}), PixelRange::kZeroOne).ok());
  EXPECT_FALSE(ToClassifierInput(at::Tensor(), PixelRange::kZeroOne).ok());
}

TEST(LeNetTest, SaveLoadRoundTripKeepsOutputsAndRecordsChecksum) {
  torch::manual_seed(1);
  LeNet net;
  const std::string path = ::testing::TempDir() + "/lenet_test.pt";
  auto sha = SaveLeNet(net, path);
  ASSERT_TRUE(sha.ok()) << sha.status();
  EXPECT_EQ(*sha, *Sha256File(path));
  auto loaded = LoadLeNet(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->sha256, *sha);
  EXPECT_FALSE(loaded->net->is_training());
  at::Tensor x = at::rand({5, 1, 28, 28}, Gen(3));
  auto p1 = ComputeLogits(net, x);
  auto p2 = ComputeLogits(loaded->net, x);
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_TRUE(at::equal(*p1, *p2));
  // Saving the same weights again gives the same bytes (same checksum).
  auto sha2 = SaveLeNet(net, path);
  ASSERT_TRUE(sha2.ok());
  EXPECT_EQ(*sha2, *sha);
}

TEST(LeNetTest, LoadErrorsNameTheFile) {
  const std::string missing = ::testing::TempDir() + "/no_such_lenet.pt";
  auto a = LoadLeNet(missing);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(a.status().message().find(missing), std::string::npos);
  const std::string garbage = ::testing::TempDir() + "/garbage_lenet.pt";
  std::ofstream(garbage) << "not a checkpoint";
  auto b = LoadLeNet(garbage);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find(garbage), std::string::npos);
  // A checkpoint of another width is refused, not silently loaded.
  LeNetOptions wide;
  wide.feature_dim = 64;
  LeNet other(wide);
  const std::string path = ::testing::TempDir() + "/lenet_wide.pt";
  ASSERT_TRUE(SaveLeNet(other, path).ok());
  EXPECT_FALSE(LoadLeNet(path).ok());
}

}  // namespace
}  // namespace otgan::eval

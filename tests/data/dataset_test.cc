#include "lib/data/dataset.h"

#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/data/idx_writer.h"

namespace otgan::data {
namespace {

namespace fs = std::filesystem;
using test_util::Pixel;

constexpr int kTrainN = 20;
constexpr int kTestN = 7;

bool Contains(const absl::Status& s, const std::string& needle) {
  return std::string(s.message()).find(needle) != std::string::npos;
}

// A data_dir with mnist/ (raw files) and fashion/ (gzip'd files), 28x28 images
// with Pixel() values and labels i % 10.
std::string MakeDataDir(const std::string& name) {
  fs::path root = fs::path(::testing::TempDir()) / name;
  fs::remove_all(root);
  for (const char* ds : {"mnist", "fashion"}) {
    const bool gz = std::string(ds) == "fashion";
    const std::string sfx = gz ? ".gz" : "";
    fs::create_directories(root / ds);
    test_util::WriteIdxImages((root / ds / ("train-images-idx3-ubyte" + sfx)).string(), kTrainN,
                              28, 28, gz);
    test_util::WriteIdxLabels((root / ds / ("train-labels-idx1-ubyte" + sfx)).string(), kTrainN,
                              gz);
    test_util::WriteIdxImages((root / ds / ("t10k-images-idx3-ubyte" + sfx)).string(), kTestN,
                              28, 28, gz);
    test_util::WriteIdxLabels((root / ds / ("t10k-labels-idx1-ubyte" + sfx)).string(), kTestN, gz);
  }
  return root.string();
}

// Recovers the file index n of an unresized [0,1] image from its (0,0) pixel:
// Pixel(n,0,0) = 31 n mod 256, and 31 is invertible mod 256 (inverse 223).
int64_t ImageId(const at::Tensor& image_zero_one) {
  int64_t v = std::lround(image_zero_one[0][0][0].item<float>() * 255.0f);
  return (v * 223) % 256;
}

TEST(DatasetTest, ParseDatasetName) {
  EXPECT_EQ(*ParseDatasetName("mnist"), DatasetName::kMnist);
  EXPECT_EQ(*ParseDatasetName("fashion"), DatasetName::kFashion);
  auto bad = ParseDatasetName("cifar10");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(Contains(bad.status(), "cifar10")) << bad.status();
  EXPECT_TRUE(Contains(bad.status(), "\"mnist\" or \"fashion\"")) << bad.status();
}

TEST(DatasetTest, ZeroOneRangeMatchesBytes) {
  ImageDatasetOptions opt;
  opt.data_dir = MakeDataDir("zero_one");
  auto ds = LoadImageDataset(opt);
  ASSERT_TRUE(ds.ok()) << ds.status();
  ASSERT_EQ(ds->images.scalar_type(), at::kFloat);
  ASSERT_EQ(ds->images.sizes(), (std::vector<int64_t>{kTrainN, 1, 28, 28}));
  ASSERT_EQ(ds->labels.scalar_type(), at::kLong);
  ASSERT_EQ(ds->labels.sizes(), (std::vector<int64_t>{kTrainN}));
  auto x = ds->images.accessor<float, 4>();
  for (int n = 0; n < kTrainN; ++n) {
    EXPECT_EQ(ds->labels[n].item<int64_t>(), n % 10);
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) ASSERT_FLOAT_EQ(x[n][0][r][c], Pixel(n, r, c) / 255.0f);
  }
  EXPECT_EQ(ds->images.min().item<float>(), 0.0f);
  EXPECT_EQ(ds->images.max().item<float>(), 1.0f);
  EXPECT_EQ(ds->description, "mnist train, all 20, 28x28, [0,1]");
}

TEST(DatasetTest, MinusOneOneRangeFromGzipFashionTestSplit) {
  ImageDatasetOptions opt;
  opt.data_dir = MakeDataDir("minus_one_one");
  opt.dataset = DatasetName::kFashion;
  opt.split = Split::kTest;
  opt.range = ValueRange::kMinusOneOne;
  auto ds = LoadImageDataset(opt);
  ASSERT_TRUE(ds.ok()) << ds.status();
  ASSERT_EQ(ds->images.sizes(), (std::vector<int64_t>{kTestN, 1, 28, 28}));
  auto x = ds->images.accessor<float, 4>();
  for (int n = 0; n < kTestN; ++n)
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c)
        ASSERT_NEAR(x[n][0][r][c], 2.0f * Pixel(n, r, c) / 255.0f - 1.0f, 1e-6);
  EXPECT_EQ(ds->images.min().item<float>(), -1.0f);
  EXPECT_EQ(ds->images.max().item<float>(), 1.0f);
  EXPECT_EQ(ds->description, "fashion test, all 7, 28x28, [-1,1]");
}

// Independent bilinear reference (align_corners = false, edge-clamped).
float BilinearRef(int n, int out_r, int out_c, int in_size, int out_size) {
  auto src = [&](int i, int* i0, int* i1, double* w) {
    double s = (i + 0.5) * in_size / out_size - 0.5;
    if (s < 0) s = 0;
    *i0 = static_cast<int>(std::floor(s));
    *i1 = std::min(*i0 + 1, in_size - 1);
    *w = s - *i0;
  };
  int r0, r1, c0, c1;
  double wr, wc;
  src(out_r, &r0, &r1, &wr);
  src(out_c, &c0, &c1, &wc);
  auto p = [&](int r, int c) { return Pixel(n, r, c) / 255.0; };
  return static_cast<float>((1 - wr) * ((1 - wc) * p(r0, c0) + wc * p(r0, c1)) +
                            wr * ((1 - wc) * p(r1, c0) + wc * p(r1, c1)));
}

TEST(DatasetTest, ResizeIsBilinearAndKeepsRange) {
  ImageDatasetOptions opt;
  opt.data_dir = MakeDataDir("resize");
  opt.resize = 32;
  auto ds = LoadImageDataset(opt);
  ASSERT_TRUE(ds.ok()) << ds.status();
  ASSERT_EQ(ds->images.sizes(), (std::vector<int64_t>{kTrainN, 1, 32, 32}));
  auto x = ds->images.accessor<float, 4>();
  for (int n : {0, 7, 19})
    for (int r = 0; r < 32; ++r)
      for (int c = 0; c < 32; ++c) ASSERT_NEAR(x[n][0][r][c], BilinearRef(n, r, c, 28, 32), 1e-5);
  EXPECT_EQ(ds->description, "mnist train, all 20, 32x32 bilinear, [0,1]");

  opt.resize = 28;  // the native size: no interpolation, exact bytes
  auto same = LoadImageDataset(opt);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_FLOAT_EQ(same->images[5][0][3][4].item<float>(), Pixel(5, 3, 4) / 255.0f);
  EXPECT_EQ(same->description, "mnist train, all 20, 28x28, [0,1]");

  opt.range = ValueRange::kMinusOneOne;
  opt.resize = 13;  // downsampling as well
  auto small = LoadImageDataset(opt);
  ASSERT_TRUE(small.ok()) << small.status();
  ASSERT_EQ(small->images.sizes(), (std::vector<int64_t>{kTrainN, 1, 13, 13}));
  EXPECT_GE(small->images.min().item<float>(), -1.0f);
  EXPECT_LE(small->images.max().item<float>(), 1.0f);
  EXPECT_NEAR(small->images[3][0][5][9].item<float>(), 2.0f * BilinearRef(3, 5, 9, 28, 13) - 1.0f,
              1e-5);
}

TEST(DatasetTest, SubsetsAreDeterministicAndOffsetsDisjoint) {
  ImageDatasetOptions opt;
  opt.data_dir = MakeDataDir("subset");
  auto full = LoadImageDataset(opt);
  ASSERT_TRUE(full.ok()) << full.status();

  opt.subset_size = 8;
  opt.subset_seed = 3;
  auto a = LoadImageDataset(opt);
  auto a2 = LoadImageDataset(opt);
  opt.subset_offset = 8;
  auto b = LoadImageDataset(opt);
  opt.subset_offset = 0;
  opt.subset_seed = 4;
  auto c = LoadImageDataset(opt);
  ASSERT_TRUE(a.ok() && a2.ok() && b.ok() && c.ok());
  ASSERT_EQ(a->images.sizes(), (std::vector<int64_t>{8, 1, 28, 28}));
  EXPECT_TRUE(a->images.equal(a2->images));
  EXPECT_TRUE(a->labels.equal(a2->labels));
  EXPECT_FALSE(a->images.equal(c->images));

  std::set<int64_t> ids_a, ids_b;
  for (int i = 0; i < 8; ++i) {
    int64_t ia = ImageId(a->images[i]), ib = ImageId(b->images[i]);
    ASSERT_LT(ia, kTrainN);
    ASSERT_LT(ib, kTrainN);
    // Each subset row is the full dataset's row with that id, label included.
    EXPECT_TRUE(a->images[i].equal(full->images[ia]));
    EXPECT_EQ(a->labels[i].item<int64_t>(), ia % 10);
    EXPECT_EQ(b->labels[i].item<int64_t>(), ib % 10);
    ids_a.insert(ia);
    ids_b.insert(ib);
  }
  EXPECT_EQ(ids_a.size(), 8u);  // no repeats inside a subset
  EXPECT_EQ(ids_b.size(), 8u);
  for (int64_t id : ids_a) EXPECT_EQ(ids_b.count(id), 0u) << "offsets 0 and 8 overlap at " << id;
  EXPECT_EQ(b->description, "mnist train, 8 of 20 (seed 3, offset 8), 28x28, [0,1]");
}

TEST(DatasetTest, BadSubsetOptionsRefused) {
  ImageDatasetOptions opt;
  opt.data_dir = MakeDataDir("bad_options");
  opt.subset_size = 15;
  opt.subset_offset = 10;
  auto s = LoadImageDataset(opt).status();
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s, "10 + 15 = 25")) << s;
  EXPECT_TRUE(Contains(s, "20 images of mnist train")) << s;

  opt.subset_size = -1;
  EXPECT_TRUE(Contains(LoadImageDataset(opt).status(), "subset_size"));
  opt.subset_size = 0;
  opt.subset_offset = 3;
  EXPECT_TRUE(Contains(LoadImageDataset(opt).status(), "subset_offset"));
  opt.subset_offset = 0;
  opt.resize = -4;
  EXPECT_TRUE(Contains(LoadImageDataset(opt).status(), "resize"));
}

TEST(DatasetTest, ImageLabelCountMismatch) {
  std::string dir = MakeDataDir("mismatch");
  std::string labels = dir + "/mnist/train-labels-idx1-ubyte";
  test_util::WriteIdxLabels(labels, kTrainN - 1, false);
  ImageDatasetOptions opt;
  opt.data_dir = dir;
  auto s = LoadImageDataset(opt).status();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(s, labels)) << s;
  EXPECT_TRUE(Contains(s, dir + "/mnist/train-images-idx3-ubyte")) << s;
  EXPECT_TRUE(Contains(s, "found 20 images and 19 labels")) << s;
}

// An IDX file of 32x32 images where MNIST's 28x28 are expected: refused at
// load time naming the file and both sizes (not a raw LibTorch error later).
TEST(DatasetTest, WrongImageSizeNamesTheFile) {
  std::string dir = MakeDataDir("wrong_size");
  std::string images = dir + "/mnist/train-images-idx3-ubyte";
  test_util::WriteIdxImages(images, kTrainN, 32, 32, false);
  ImageDatasetOptions opt;
  opt.data_dir = dir;
  auto s = LoadImageDataset(opt).status();
  ASSERT_FALSE(s.ok()) << "32x32 images were accepted as MNIST";
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(Contains(s, images + ": images are 32x32, expected 28x28")) << s;
}

TEST(DatasetTest, MissingFileSaysHowToGetIt) {
  std::string dir = MakeDataDir("missing");
  fs::remove(dir + "/fashion/train-images-idx3-ubyte.gz");
  ImageDatasetOptions opt;
  opt.data_dir = dir;
  opt.dataset = DatasetName::kFashion;
  auto s = LoadImageDataset(opt).status();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(s, dir + "/fashion/train-images-idx3-ubyte")) << s;
  EXPECT_TRUE(Contains(s, "scripts/setup.sh")) << s;
  EXPECT_TRUE(Contains(s, "--data_dir")) << s;
}

TEST(DatasetTest, RawAndGzipNamesAcceptedInBothFolders) {
  // Swap the layouts: gzip'd mnist, raw fashion.
  fs::path root = fs::path(::testing::TempDir()) / "swapped";
  fs::remove_all(root);
  fs::create_directories(root / "mnist");
  fs::create_directories(root / "fashion");
  test_util::WriteIdxImages((root / "mnist/train-images-idx3-ubyte.gz").string(), 4, 28, 28, true);
  test_util::WriteIdxLabels((root / "mnist/train-labels-idx1-ubyte.gz").string(), 4, true);
  test_util::WriteIdxImages((root / "fashion/train-images-idx3-ubyte").string(), 5, 28, 28, false);
  test_util::WriteIdxLabels((root / "fashion/train-labels-idx1-ubyte").string(), 5, false);
  ImageDatasetOptions opt;
  opt.data_dir = root.string();
  auto m = LoadImageDataset(opt);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->images.size(0), 4);
  opt.dataset = DatasetName::kFashion;
  auto f = LoadImageDataset(opt);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->images.size(0), 5);
}

TEST(DatasetTest, CorruptFileErrorPropagatesWithPath) {
  std::string dir = MakeDataDir("corrupt");
  std::string p = dir + "/mnist/t10k-images-idx3-ubyte";
  test_util::WriteBytes(p, test_util::IdxBytes({kTestN, 28, 28}, std::vector<uint8_t>(100, 0)));
  ImageDatasetOptions opt;
  opt.data_dir = dir;
  opt.split = Split::kTest;
  auto s = LoadImageDataset(opt).status();
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s, p + ": expected 5504 bytes (7 x 28 x 28 + 16 header), found 116")) << s;
}

}  // namespace
}  // namespace otgan::data

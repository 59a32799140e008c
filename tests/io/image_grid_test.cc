#include "lib/io/image_grid.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "lib/io/atomic_file.h"

// stb_image's decoder, for reading the PNG back; the writer's implementation
// lives in lib/io/image_grid.cc and uses disjoint symbol names.
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>

namespace otgan::io {
namespace {

// The documented mapping, computed independently pixel by pixel.
uint8_t Expected(double v, double lo, double hi) {
  if (std::isnan(v)) return 0;
  double t = (v - lo) / (hi - lo);
  t = t < 0 ? 0 : (t > 1 ? 1 : t);
  return static_cast<uint8_t>(std::floor(255.0 * t + 0.5));
}

// Checks every pixel of `grid` against a brute-force layout of `images` [N, C, H, W].
void CheckGrid(const at::Tensor& grid, const at::Tensor& images, int rows, int cols,
               const GridOptions& o) {
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  const int64_t pad = o.padding;
  ASSERT_EQ(grid.scalar_type(), at::kByte);
  ASSERT_EQ(grid.dim(), 3);
  ASSERT_EQ(grid.size(0), rows * h + (rows + 1) * pad);
  ASSERT_EQ(grid.size(1), cols * w + (cols + 1) * pad);
  ASSERT_EQ(grid.size(2), c);
  auto g = grid.accessor<uint8_t, 3>();
  at::Tensor imgs = images.to(at::kDouble).contiguous();
  auto x = imgs.accessor<double, 4>();
  const uint8_t pad_q = static_cast<uint8_t>(std::floor(255.0 * o.pad_value + 0.5));
  int64_t tile_pixels = 0;
  for (int64_t y = 0; y < grid.size(0); ++y) {
    for (int64_t xx = 0; xx < grid.size(1); ++xx) {
      const int64_t r = (y - pad) / (h + pad), ry = (y - pad) % (h + pad);
      const int64_t k = (xx - pad) / (w + pad), kx = (xx - pad) % (w + pad);
      const bool in_tile = y >= pad && xx >= pad && ry < h && kx < w && r * cols + k < n;
      for (int64_t ch = 0; ch < c; ++ch) {
        const uint8_t want = in_tile ? Expected(x[r * cols + k][ch][ry][kx], o.lo, o.hi) : pad_q;
        ASSERT_EQ(g[y][xx][ch], want) << "pixel (" << y << ", " << xx << ", " << ch << ")";
      }
      tile_pixels += in_tile;
    }
  }
  EXPECT_EQ(tile_pixels, n * h * w);
}

TEST(ImageGridTest, ExactRoundingOfMappedValues) {
  // 0.5 -> 127.5 -> 128 (round half up); 0.25 -> 63.75 -> 64; k/255 -> k.
  at::Tensor img = at::tensor({0.0, 1.0, 0.5, 0.25, 100.0 / 255.0, -3.0, 7.0, NAN},
                              at::TensorOptions().dtype(at::kDouble))
                       .reshape({1, 1, 1, 8});
  GridOptions o;
  o.padding = 0;
  auto grid = MakeGrid(img, o);
  ASSERT_TRUE(grid.ok()) << grid.status();
  std::vector<int> got;
  for (int i = 0; i < 8; ++i) got.push_back((*grid)[0][i][0].item<int>());
  EXPECT_EQ(got, (std::vector<int>{0, 255, 128, 64, 100, 0, 255, 0}));
  // Range [-1, 1]: 0 -> 128, -1 -> 0, 1 -> 255, in float32 input too.
  o.lo = -1.0;
  auto g2 = MakeGrid(at::tensor({-1.0f, 0.0f, 1.0f}).reshape({1, 1, 3}), o);
  ASSERT_TRUE(g2.ok());
  EXPECT_EQ((*g2)[0][0][0].item<int>(), 0);
  EXPECT_EQ((*g2)[0][1][0].item<int>(), 128);
  EXPECT_EQ((*g2)[0][2][0].item<int>(), 255);
}

TEST(ImageGridTest, AutoLayoutPaddingAndTilesMatchBruteForce) {
  at::manual_seed(3);
  at::Tensor imgs = at::rand({5, 1, 4, 3}) * 1.4 - 0.2;  // some values outside [0, 1]
  GridOptions o;  // auto: cols = ceil(sqrt(5)) = 3, rows = 2
  auto grid = MakeGrid(imgs, o);
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(grid->sizes(), (std::vector<int64_t>{2 * 4 + 3 * 2, 3 * 3 + 4 * 2, 1}));
  CheckGrid(*grid, imgs, 2, 3, o);
  // [N, H, W] gives the same grid as [N, 1, H, W].
  auto g3 = MakeGrid(imgs.squeeze(1), o);
  ASSERT_TRUE(g3.ok());
  EXPECT_TRUE(at::equal(*g3, *grid));
}

TEST(ImageGridTest, ExplicitLayoutsPadValueAndRange) {
  at::manual_seed(4);
  at::Tensor imgs = at::randn({7, 1, 3, 2}, at::TensorOptions().dtype(at::kDouble));
  GridOptions o;
  o.padding = 1;
  o.pad_value = 0.5f;  // -> 128
  o.lo = -2.0;
  o.hi = 2.0;
  o.cols = 2;  // rows = 4
  auto a = MakeGrid(imgs, o);
  ASSERT_TRUE(a.ok());
  CheckGrid(*a, imgs, 4, 2, o);
  o.cols = 0;
  o.rows = 2;  // cols = 4
  auto b = MakeGrid(imgs, o);
  ASSERT_TRUE(b.ok());
  CheckGrid(*b, imgs, 2, 4, o);
  o.rows = 3;
  o.cols = 3;  // two empty cells filled with the pad value
  o.padding = 0;
  o.pad_value = 0.0f;
  auto c = MakeGrid(imgs, o);
  ASSERT_TRUE(c.ok());
  CheckGrid(*c, imgs, 3, 3, o);
  o.rows = 2;
  o.cols = 3;
  auto too_small = MakeGrid(imgs, o);
  ASSERT_FALSE(too_small.ok());
  EXPECT_NE(too_small.status().message().find("room for 6"), std::string::npos);
}

TEST(ImageGridTest, RgbChannelsStayInPlace) {
  at::manual_seed(5);
  at::Tensor imgs = at::rand({4, 3, 5, 6});
  imgs[2][1].fill_(1.0);  // image 2: green channel saturated
  imgs[2][0].fill_(0.0);
  GridOptions o;
  auto grid = MakeGrid(imgs, o);
  ASSERT_TRUE(grid.ok());
  CheckGrid(*grid, imgs, 2, 2, o);
  // Image 2 is at row 1, column 0: its first pixel is at (2 + 5 + 2, 2).
  EXPECT_EQ((*grid)[9][2][0].item<int>(), 0);
  EXPECT_EQ((*grid)[9][2][1].item<int>(), 255);
}

TEST(ImageGridTest, BadShapesAndOptionsAreRefused) {
  GridOptions o;
  EXPECT_FALSE(MakeGrid(at::zeros({2, 2, 4, 4}), o).ok());   // C = 2
  EXPECT_FALSE(MakeGrid(at::zeros({4, 4}), o).ok());         // 2-d
  EXPECT_FALSE(MakeGrid(at::zeros({0, 1, 4, 4}), o).ok());   // N = 0
  GridOptions bad = o;
  bad.pad_value = 1.5f;
  auto st = MakeGrid(at::zeros({1, 4, 4}), bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("pad_value"), std::string::npos);
  bad = o;
  bad.hi = bad.lo;
  EXPECT_FALSE(MakeGrid(at::zeros({1, 4, 4}), bad).ok());
  bad = o;
  bad.padding = -1;
  EXPECT_FALSE(MakeGrid(at::zeros({1, 4, 4}), bad).ok());
  std::string path = ::testing::TempDir() + "/refused.png";
  auto w = WriteImageGrid(path, at::zeros({2, 2, 4, 4}), o);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.message().find(path), std::string::npos) << w;
  EXPECT_FALSE(std::filesystem::exists(path));
}

uint32_t BigEndian32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

TEST(ImageGridTest, PngOnDiskDecodesToTheGrid) {
  at::manual_seed(6);
  for (int c : {1, 3}) {
    at::Tensor imgs = at::rand({6, c, 7, 5});
    GridOptions o;
    auto grid = MakeGrid(imgs, o);
    ASSERT_TRUE(grid.ok());
    std::string path = ::testing::TempDir() + "/grid" + std::to_string(c) + ".png";
    ASSERT_TRUE(WriteImageGrid(path, imgs, o).ok());
    auto bytes = ReadFileToString(path);
    ASSERT_TRUE(bytes.ok());
    ASSERT_GT(bytes->size(), 33u);
    EXPECT_EQ(bytes->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(bytes->substr(12, 4), "IHDR");
    EXPECT_EQ(BigEndian32(*bytes, 16), grid->size(1));  // width
    EXPECT_EQ(BigEndian32(*bytes, 20), grid->size(0));  // height
    int w = 0, h = 0, comp = 0;
    unsigned char* px = stbi_load(path.c_str(), &w, &h, &comp, 0);
    ASSERT_NE(px, nullptr) << stbi_failure_reason();
    EXPECT_EQ(comp, c);
    ASSERT_EQ(int64_t{w} * h * comp, grid->numel());
    EXPECT_EQ(std::memcmp(px, grid->data_ptr(), grid->numel()), 0);
    stbi_image_free(px);
  }
}

}  // namespace
}  // namespace otgan::io

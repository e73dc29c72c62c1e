// The figures of nst visualize and the loss log they read: sizes, the pixels that carry meaning
// (each feature tile's maximum white and minimum black, the heat map's extremes at the colour
// bar's ends, each loss series in its colour), PNG round trips, and malformed logs refused.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apps/canvas.h"
#include "apps/figures.h"
#include "apps/image.h"
#include "apps/loss_log.h"
#include "engine/error.h"
#include "tests/support/error_of.h"

namespace nst::testing {
namespace {

namespace fs = std::filesystem;

std::vector<float> pixel_at(const Image& image, int x, int y) {
  const float* p = &image.rgb[(std::size_t(y) * image.width + x) * 3];
  return {p[0], p[1], p[2]};
}

bool has_colour(const Image& image, Rgb c) {
  for (std::size_t i = 0; i < image.rgb.size(); i += 3)
    if (image.rgb[i] == c.r && image.rgb[i + 1] == c.g && image.rgb[i + 2] == c.b) return true;
  return false;
}

TEST(FeatureMapGrid, TilesEachChannelToItsOwnRange) {
  // 5 channels of 2×3: a near-square grid of 3 columns and 2 rows; maps of 3 px drawn at 16×.
  constexpr int kChannels = 5, kH = 2, kW = 3, kScale = 48 / 3, kGap = 2;
  std::vector<float> values(kChannels * kH * kW);
  for (int c = 0; c < kChannels; ++c)
    for (int i = 0; i < kH * kW; ++i) values[std::size_t(c * kH * kW + i)] = float(c * 100 + i * (c + 1));
  const Image grid = feature_map_grid(Tensor::from_host({1, kChannels, kH, kW}, values, Device::cpu));
  EXPECT_EQ(grid_shape(kChannels).columns, 3);
  EXPECT_EQ(grid_shape(kChannels).rows, 2);
  EXPECT_EQ(grid.width, 3 * (kW * kScale + kGap) + kGap);
  EXPECT_EQ(grid.height, 2 * (kH * kScale + kGap) + kGap);
  for (int c = 0; c < kChannels; ++c) {
    const int x0 = kGap + (c % 3) * (kW * kScale + kGap), y0 = kGap + (c / 3) * (kH * kScale + kGap);
    EXPECT_EQ(pixel_at(grid, x0, y0), (std::vector<float>{0, 0, 0})) << "channel " << c << ": its minimum";
    EXPECT_EQ(pixel_at(grid, x0 + (kW - 1) * kScale, y0 + (kH - 1) * kScale), (std::vector<float>{255, 255, 255}))
        << "channel " << c << ": its maximum";
  }
}

TEST(GramHeatMap, ExtremesTakeTheColourBarsEnds) {
  // A 4×4 Gram with its minimum at (0, 1) and its maximum at (3, 3): 128-px cells.
  std::vector<float> g{5, -2, 1, 0, -2, 3, 0, 1, 1, 0, 4, 2, 0, 1, 2, 9};
  const Image map = gram_heat_map(Tensor::from_host({1, 4, 4}, g, Device::cpu));
  const Rgb low = viridis(0), high = viridis(1);
  const auto rgb = [](Rgb c) { return std::vector<float>{c.r, c.g, c.b}; };
  constexpr int kMargin = 12, kCell = 128;
  EXPECT_EQ(pixel_at(map, kMargin + kCell + 5, kMargin + 5), rgb(low));
  EXPECT_EQ(pixel_at(map, kMargin + 3 * kCell + 5, kMargin + 3 * kCell + 5), rgb(high));
  const int bar_x = kMargin + 4 * kCell + 16 + 4;
  EXPECT_EQ(pixel_at(map, bar_x, kMargin), rgb(high)) << "the bar's top is the maximum";
  EXPECT_EQ(pixel_at(map, bar_x, kMargin + 4 * kCell - 1), rgb(low)) << "its bottom the minimum";
  EXPECT_GT(map.width, bar_x + 24) << "room for the labels";
}

TEST(LossPlot, DrawsEachTermInItsColourAndWritesAValidPng) {
  std::vector<LossRow> rows;
  for (int i = 1; i <= 20; ++i)
    rows.push_back({i, {1e8f / float(i), i == 1 ? 0.0f : 1e5f * float(i), 1e8f / float(i) - 1e5f, 3e3f}});
  const Image plot = loss_plot(rows);
  EXPECT_EQ(plot.width, 760);
  EXPECT_EQ(plot.height, 460);
  for (const Rgb c : {Rgb{31, 119, 180}, Rgb{214, 39, 40}, Rgb{44, 160, 44}}) EXPECT_TRUE(has_colour(plot, c));

  const std::string path =
      (fs::temp_directory_path() / ("nst_loss_plot_" + std::to_string(::getpid()) + ".png")).string();
  write_image(plot, path);
  const Image back = read_image(path);  // decodes as PNG, or throws
  EXPECT_EQ(back.width, 760);
  EXPECT_EQ(back.height, 460);
  fs::remove(path);
}

class LossLogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (fs::temp_directory_path() / ("nst_loss_log_" + std::to_string(::getpid()) + ".csv")).string();
  }
  void TearDown() override { fs::remove(path_); }
  void write(const std::string& text) { std::ofstream(path_) << text; }
  std::string path_;
};

TEST_F(LossLogFile, ReadsBackWhatARunWroteBitForBit) {
  const LossValues first{1.234567e8f, 0.0f, 1.2345e8f, 1978.35522f}, second{3.0f, 1.0f, 1.5f, 0.5f};
  {
    LossLog log(path_);
    log.record(1, first);
    log.record(2, second);
  }
  const std::vector<LossRow> rows = read_loss_log(path_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].iteration, 1);
  EXPECT_EQ(rows[0].losses.total, first.total);
  EXPECT_EQ(rows[0].losses.tv, first.tv);
  EXPECT_EQ(rows[1].losses.style, second.style);
}

TEST_F(LossLogFile, MalformedLogsAreRefusedNamingTheLine) {
  write("iteration,total\n1,2\n");
  EXPECT_NE(error_of([&] { read_loss_log(path_); }).find("line 1 is not the header"), std::string::npos);
  write("iteration,total,content,style,tv\n1,2,3,4,5\n2,3,4,5\n");
  EXPECT_NE(error_of([&] { read_loss_log(path_); }).find("line 3"), std::string::npos);
  write("iteration,total,content,style,tv\n1,2,3,4,5,\n");
  EXPECT_NE(error_of([&] { read_loss_log(path_); }).find("line 2"), std::string::npos);
  write("iteration,total,content,style,tv\n");
  EXPECT_NE(error_of([&] { read_loss_log(path_); }).find("no rows"), std::string::npos);
  write("iteration,total,content,style,tv\n1,nan,0,inf,1\n");  // a run that turned non-finite logs these
  EXPECT_EQ(read_loss_log(path_).size(), 1u);
  EXPECT_NE(error_of([&] { read_loss_log(path_ + ".missing"); }).find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace nst::testing

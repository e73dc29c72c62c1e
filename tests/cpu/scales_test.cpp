// Coarse to fine (layers/scales.h): the schedule's sizes (geometric, rounded, the final size last,
// the aspect ratio kept), its refusals, the loop that carries each scale's result to the next
// (next_scale_start, through layers/resample.h), and the curvature carried to the next L-BFGS.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apps/image.h"
#include "engine/error.h"
#include "layers/resample.h"
#include "layers/scales.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

std::vector<int> sides(const std::vector<Scale>& schedule) {
  std::vector<int> out;
  for (const Scale& s : schedule) out.push_back(s.longer_side());
  return out;
}

std::string refusal(const ScaleRequest& request) {
  try {
    scale_schedule(request);
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

TEST(ScaleSchedule, NoScalesAskedIsTheFinalSizeAlone) {
  const std::vector<Scale> one = scale_schedule({{1024, 768}, 0, 0, 100, -1});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].size.width, 1024);
  EXPECT_EQ(one[0].size.height, 768);
  EXPECT_EQ(one[0].iterations, 100);
  EXPECT_EQ(one[0].index, 1);
  EXPECT_EQ(one[0].count, 1);
  EXPECT_EQ(scale_schedule({{1024, 768}, 0, 1024, 100, -1}).size(), 1u);  // a start at the final size
}

TEST(ScaleSchedule, ScalesAloneStepByTheDefaultFactor) {
  const std::vector<Scale> s = scale_schedule({{1024, 768}, 3, 0, 100, 40});
  EXPECT_EQ(sides(s), (std::vector<int>{256, 512, 1024}));  // kDefaultScaleStep = 2
  EXPECT_EQ(s[0].size.height, 192);
  EXPECT_EQ(s[1].size.height, 384);
  EXPECT_EQ(s[2].size.height, 768);
  EXPECT_EQ(s[0].iterations, 100);
  EXPECT_EQ(s[1].iterations, 100);
  EXPECT_EQ(s[2].iterations, 40);  // --last-scale-iterations
  for (std::size_t k = 0; k < s.size(); ++k) {
    EXPECT_EQ(s[k].index, int(k) + 1);
    EXPECT_EQ(s[k].count, 3);
  }
  // A small final size: the start is held at the smallest side, the steps shrink to fit.
  EXPECT_EQ(sides(scale_schedule({{32, 24}, 3, 0, 1, -1})), (std::vector<int>{16, 23, 32}));
}

// side_k = round(a·(b/a)^(k/(N−1))): every side within ½ px of the geometric sequence.
TEST(ScaleSchedule, StartAndCountGiveAGeometricSequenceRounded) {
  const std::vector<int> got = sides(scale_schedule({{1000, 600}, 4, 300, 1, -1}));
  ASSERT_EQ(got.size(), 4u);
  const double ratio = std::cbrt(1000.0 / 300.0);
  for (int k = 0; k < 4; ++k) EXPECT_LE(std::fabs(got[std::size_t(k)] - 300 * std::pow(ratio, k)), 0.5) << k;
  EXPECT_EQ(got, (std::vector<int>{300, 448, 669, 1000}));
  // Portrait: the longer side is the height, the width keeps the ratio 3:4, rounded.
  const std::vector<Scale> portrait = scale_schedule({{600, 800}, 2, 400, 1, -1});
  EXPECT_EQ(portrait[0].size.height, 400);
  EXPECT_EQ(portrait[0].size.width, 300);
  EXPECT_EQ(portrait[1].size.width, 600);
}

// N = 1 + ⌈log(b/a) / log 2⌉: the fewest steps of at most 2×.
TEST(ScaleSchedule, StartAloneTakesStepsOfAtMostTheDefaultFactor) {
  EXPECT_EQ(sides(scale_schedule({{1024, 768}, 0, 512, 1, -1})), (std::vector<int>{512, 1024}));
  EXPECT_EQ(sides(scale_schedule({{1024, 768}, 0, 300, 1, -1})), (std::vector<int>{300, 554, 1024}));
  EXPECT_EQ(sides(scale_schedule({{1024, 768}, 0, 256, 1, -1})), (std::vector<int>{256, 512, 1024}));
}

TEST(ScaleSchedule, ImpossibleRequestsAreRefusedSayingWhy) {
  EXPECT_NE(refusal({{512, 512}, 2, 600, 1, -1}).find("the start size 600 px is above the final size 512 px"),
            std::string::npos);
  EXPECT_NE(refusal({{512, 512}, 2, 8, 1, -1}).find("below the smallest, 16 px"), std::string::npos);
  EXPECT_NE(refusal({{512, 512}, 20, 500, 1, -1}).find("would both be"), std::string::npos);
  EXPECT_NE(refusal({{32, 32}, 3, 32, 1, -1}).find("would both be 32 px"), std::string::npos);
}

// Keys' cubic reproduces polynomials up to degree 2 (Keys 1981): an upsampled linear ramp is the ramp
// at the output's sample centres, c = (o + ½)·s − ½ in source pixels, away from the clamped edges.
TEST(Resample, UpsamplingAPlaneReproducesALinearRampEachPlaneApart) {
  const int h = 12, w = 16, oh = 21, ow = 37;
  std::vector<float> values(2 * h * w);
  for (int p = 0; p < 2; ++p)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) values[std::size_t((p * h + y) * w + x)] = p == 0 ? float(3 * x - 2 * y + 7) : -50.0f;
  const Tensor out = resample_bicubic(Tensor::from_host({1, 2, h, w}, values, Device::cpu), ImageSize{ow, oh});
  ASSERT_EQ(out.shape(), (Shape{1, 2, oh, ow}));
  const std::vector<float> got = out.to_host();
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      const double cx = (x + 0.5) * w / ow - 0.5, cy = (y + 0.5) * h / oh - 0.5;
      EXPECT_NEAR(got[std::size_t(oh * ow + y * ow + x)], -50, 1e-4);  // a constant stays (weights sum to 1)
      if (cx < 2 || cx > w - 3 || cy < 2 || cy > h - 3) continue;      // the edge repeats within 2 px
      EXPECT_NEAR(got[std::size_t(y * ow + x)], 3 * cx - 2 * cy + 7, 1e-4) << y << "," << x;
    }
}

// The image files' resize (interleaved RGB, apps/) and the scales' (planar, layers/) are one
// resampler: the same bits for values in [0, 255], where the files' clamp changes nothing.
TEST(Resample, PlanarAndInterleavedLayoutsGiveTheSameBits) {
  const int w = 23, h = 17;
  const std::vector<float> rgb = random_values(w * h * 3, 1, 60.0f, 200.0f);
  std::vector<float> planar(rgb.size());
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < w * h; ++i) planar[std::size_t(c * w * h + i)] = rgb[std::size_t(i * 3 + c)];
  for (const ImageSize size : {ImageSize{41, 30}, ImageSize{9, 7}}) {
    const Image resized = resize(Image{w, h, rgb}, size.width, size.height);
    const std::vector<float> got =
        resample_bicubic(Tensor::from_host({1, 3, h, w}, planar, Device::cpu), size).to_host();
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < size.width * size.height; ++i)
        ASSERT_EQ(got[std::size_t(c * size.width * size.height + i)], resized.rgb[std::size_t(i * 3 + c)])
            << size.width << "x" << size.height << " channel " << c << " pixel " << i;
  }
}

// An initial image for each size, from the seed alone (what --init random gives): fine detail at
// every size, none of it the resampled image of another.
Tensor seeded_image(ImageSize size, std::uint64_t seed) {
  return Tensor::from_host({1, 3, size.height, size.width},
                           random_values(3 * size.height * size.width, seed, -100, 100), Device::cpu);
}

// x_{k+1}⁰ = i_{k+1} + U(x_k − i_k): a scale not optimised hands on the next one's initial image
// bit for bit (U(0) = 0), where resampling the result alone would give U(i_k), without i_{k+1}'s
// detail; a scale that changed its image hands on the change, resampled.
TEST(NextScaleStart, IsTheNextInitialImagePlusTheChangeResampled) {
  const ImageSize here{20, 15}, next{40, 30};
  const Tensor initial_here = seeded_image(here, 3), initial_next = seeded_image(next, 4);
  EXPECT_EQ(next_scale_start(initial_here, initial_here, initial_next).to_host(), initial_next.to_host());
  const Tensor upsampled_alone = resample_bicubic(initial_here, next);
  EXPECT_NE(upsampled_alone.to_host(), initial_next.to_host());

  const std::vector<float> change = random_values(3 * here.width * here.height, 5, -30, 30);
  std::vector<float> optimised = initial_here.to_host();
  for (std::size_t i = 0; i < optimised.size(); ++i) optimised[i] += change[i];
  const std::vector<float> got =
      next_scale_start(Tensor::from_host(initial_here.shape(), optimised, Device::cpu), initial_here, initial_next)
          .to_host();
  const std::vector<float> change_resampled =
      resample_bicubic(Tensor::from_host(initial_here.shape(), change, Device::cpu), next).to_host();
  const std::vector<float> start_next = initial_next.to_host();
  ASSERT_EQ(got.size(), start_next.size());
  // The change is (x_k − i_k) rounded once in float: values up to 130, so within 130·2⁻²⁴ each,
  // resampled by weights summing to 1 (lobes ≤ 1.3 in all) and added: 1e-4 bounds it 10× over.
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], start_next[i] + change_resampled[i], 1e-4) << "value " << i;
  EXPECT_THROW(next_scale_start(initial_next, initial_here, initial_next), Error);  // result and i_k differ
}

// γ_next = γ · P_next / P: a doubling of both sides quadruples it; any sizes keep the exact ratio.
TEST(CarriedInverseHessian, GrowsWithThePixelCount) {
  EXPECT_FLOAT_EQ(carried_inverse_hessian(0.25f, {256, 192}, {512, 384}), 1.0f);
  EXPECT_FLOAT_EQ(carried_inverse_hessian(3.0f, {16, 12}, {25, 19}), 3.0f * 25 * 19 / (16 * 12));
  EXPECT_THROW(carried_inverse_hessian(1.0f, {0, 12}, {25, 19}), Error);
}

// The loop: each scale optimised at its size, from `first` on; the next scale starts from
// next_scale_start of the last result, a resumed one (first > 0) from x as given.
TEST(CoarseToFine, EachScaleStartsFromItsInitialImagePlusTheLastChangeResampled) {
  const std::vector<Scale> schedule = scale_schedule({{40, 30}, 3, 16, 5, -1});
  ASSERT_EQ(sides(schedule), (std::vector<int>{16, 25, 40}));
  const InitialImage initial = [](ImageSize size) { return seeded_image(size, std::uint64_t(size.width)); };
  for (std::size_t first : {std::size_t{0}, std::size_t{1}}) {
    Tensor x = initial(schedule[first].size);
    std::vector<int> visited;
    std::vector<float> expected_start;  // what the next scale must start from; empty: not known
    stylize_coarse_to_fine(schedule, first, x, initial, [&](const Scale& scale, Tensor& image) {
      visited.push_back(scale.index);
      ASSERT_EQ(image.shape(), (Shape{1, 3, scale.size.height, scale.size.width}));
      if (!expected_start.empty()) {
        EXPECT_EQ(image.to_host(), expected_start) << "scale " << scale.index;
      }
      std::vector<float> v = image.to_host();
      for (float& value : v) value = value * 0.5f + float(scale.index);  // "optimised"
      image = Tensor::from_host(image.shape(), v, Device::cpu);
      if (scale.index < scale.count) {
        const ImageSize next = schedule[std::size_t(scale.index)].size;
        expected_start = next_scale_start(image, initial(scale.size), initial(next)).to_host();
      }
    });
    EXPECT_EQ(visited, first == 0 ? (std::vector<int>{1, 2, 3}) : (std::vector<int>{2, 3}));
    EXPECT_EQ(x.shape(), (Shape{1, 3, 30, 40}));
  }
}

}  // namespace
}  // namespace nst::testing

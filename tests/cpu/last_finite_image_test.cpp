// LastFiniteImage (layers/stylizer.h): which image a run that turned non-finite leaves as its
// output, on images made by hand — including the case a real run rarely shows, an image that
// turns non-finite between two reads of finite losses, where the older confirmed copy must serve.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "engine/tensor.h"
#include "layers/stylizer.h"

namespace nst::testing {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// A 1×3×1×2 image whose values are all `value`.
Tensor image_of(float value) { return Tensor::from_host({1, 3, 1, 2}, std::vector<float>(6, value), Device::cpu); }

float first_value(const Tensor& t) { return t.to_host()[0]; }

TEST(LastFiniteImage, WithNothingReadKeepsTheInitialImage) {
  LastFiniteImage kept(image_of(1));
  EXPECT_EQ(first_value(kept.image()), 1);
  EXPECT_EQ(kept.iteration(), 0);
}

TEST(LastFiniteImage, FiniteLossesVouchForTheImageCopiedAtTheReadBefore) {
  LastFiniteImage kept(image_of(0));
  Tensor x = image_of(2);
  EXPECT_TRUE(kept.losses_read(2, true, x));
  x = image_of(4);
  EXPECT_TRUE(kept.losses_read(4, true, x));  // the losses of x_3: x_2 is finite
  x = image_of(kNaN);                         // the copies are the kept ones, not views of x
  EXPECT_FALSE(kept.losses_read(6, false, x));
  EXPECT_EQ(first_value(kept.image()), 4);  // x_4, unvouched, read once and found finite
  EXPECT_EQ(kept.iteration(), 4);
}

TEST(LastFiniteImage, ImageThatTurnedNonFiniteBetweenReadsFallsBackToTheConfirmedOne) {
  LastFiniteImage kept(image_of(0));
  EXPECT_TRUE(kept.losses_read(2, true, image_of(2)));
  EXPECT_TRUE(kept.losses_read(4, true, image_of(kInf)));
  EXPECT_FALSE(kept.losses_read(6, false, image_of(kNaN)));
  EXPECT_EQ(first_value(kept.image()), 2);
  EXPECT_EQ(kept.iteration(), 2);
}

TEST(LastFiniteImage, ImageCheckedElsewhereIsConfirmedAtOnce) {
  LastFiniteImage kept(image_of(0));
  EXPECT_TRUE(kept.losses_read(2, true, image_of(2)));
  kept.finite_image(3, image_of(3));                       // a checkpoint read it: newer than the pending copy
  EXPECT_TRUE(kept.losses_read(4, true, image_of(kNaN)));  // vouches for x_3, not the older x_2
  EXPECT_FALSE(kept.losses_read(5, false, image_of(kNaN)));
  EXPECT_EQ(first_value(kept.image()), 3);
  EXPECT_EQ(kept.iteration(), 3);
}

TEST(LastFiniteImage, LossesAreFiniteOnlyWhenEveryTermIs) {
  EXPECT_TRUE(losses_are_finite(LossValues{1, 2, 3, 4}));
  EXPECT_FALSE(losses_are_finite(LossValues{kInf, 2, 3, 4}));
  EXPECT_FALSE(losses_are_finite(LossValues{1, kNaN, 3, 4}));
  EXPECT_FALSE(losses_are_finite(LossValues{1, 2, -kInf, 4}));
  EXPECT_FALSE(losses_are_finite(LossValues{1, 2, 3, kNaN}));
}

}  // namespace
}  // namespace nst::testing

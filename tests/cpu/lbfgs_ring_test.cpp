// The L-BFGS curvature-pair ring ops (engine/ops/lbfgs_ring.h) on the CPU, against a std::deque
// model of torch.optim.LBFGS's history: pairs offered with y·s ≤ 1e-10 are turned away, the oldest
// pair is dropped when a fourth arrives in a ring of 3, and ops at ages the ring does not hold do
// nothing. Dots are ops::dot on the same row (same bits); axpy is one float rounding of the double
// expression (rtol 1e-6); the fused update-and-dot equals the two ops bit for bit.
#include <cmath>
#include <deque>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/lbfgs_ring.h"
#include "engine/ops/vector_ops.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

struct Pair {
  std::vector<float> s, y;
  float ys;
};

constexpr std::int64_t kN = 37;
constexpr int kCapacity = 3;

// y·s of the offers: turned away at −1, 0 and 1e-11 (≤ 1e-10); the ring overflows twice.
const std::vector<float> kOfferedYs = {0.5f, -1.0f, 2.0f, 0.0f, 3.0f, 1e-11f, 4.0f, 5.0f};

class LbfgsRingTest : public ::testing::Test {
 protected:
  ops::LbfgsRingTensors ring{kCapacity, kN, Device::cpu};
  Tensor newest_ys = Tensor::filled({1}, 1.0f, Device::cpu), newest_yy = Tensor::filled({1}, 1.0f, Device::cpu);
  std::deque<Pair> model;  // front = newest
  float model_newest_ys = 1.0f, model_newest_yy = 1.0f;

  void offer(int k) {
    Pair pair{random_values(kN, 100 + k), random_values(kN, 200 + k), kOfferedYs[k]};
    const float yy = 10.0f + float(k);
    ops::lbfgs_keep_pair_if_curved(
        Tensor::from_host({kN}, pair.s, Device::cpu), Tensor::from_host({kN}, pair.y, Device::cpu),
        Tensor::filled({1}, pair.ys, Device::cpu), Tensor::filled({1}, yy, Device::cpu), ring, newest_ys, newest_yy);
    if (pair.ys > 1e-10f) {
      model.push_front(pair);
      if (model.size() > kCapacity) model.pop_back();
      model_newest_ys = pair.ys;
      model_newest_yy = yy;
    }
  }
};

TEST_F(LbfgsRingTest, KeepsPairsOfPositiveCurvatureNewestFirst) {
  for (int k = 0; k < static_cast<int>(kOfferedYs.size()); ++k) {
    offer(k);
    SCOPED_TRACE("after offer " + std::to_string(k));
    ASSERT_EQ(ring.pairs_kept(), static_cast<int>(model.size()));
    EXPECT_EQ(newest_ys.item(), model_newest_ys);
    EXPECT_EQ(newest_yy.item(), model_newest_yy);
    const Tensor v = random_tensor({kN}, 300 + k);
    for (int age = 0; age < kCapacity; ++age) {
      for (const auto rows : {ops::RingRows::s, ops::RingRows::y}) {
        Tensor out = Tensor::filled({1}, NAN, Device::cpu);
        ops::lbfgs_ring_dot(ring, rows, age, v, out);
        if (age >= static_cast<int>(model.size())) {
          EXPECT_EQ(out.item(), 0.0f) << "age " << age << " holds no pair";
          continue;
        }
        const auto& row = rows == ops::RingRows::s ? model[age].s : model[age].y;
        EXPECT_EQ(out.item(), ops::dot(Tensor::from_host({kN}, row, Device::cpu), v).item()) << "age " << age;
      }
    }
  }
}

TEST_F(LbfgsRingTest, AxpyScalesTheRowOfAnAgeByItsCurvature) {
  for (int k = 0; k < 5; ++k) offer(k);  // kept: ys 3 (age 0), 2 (age 1), 0.5 (age 2)
  ASSERT_EQ(model.size(), 3u);
  const auto v0 = random_values(kN, 400);
  const Tensor num = Tensor::filled({1}, 0.75f, Device::cpu), subtrahend = Tensor::filled({1}, -0.25f, Device::cpu);
  for (int age = 0; age < kCapacity; ++age) {
    for (const bool subtract : {false, true}) {
      Tensor v = Tensor::from_host({kN}, v0, Device::cpu);
      ops::lbfgs_ring_axpy(ring, {ops::RingRows::y, age, -1.0f, num, subtract ? &subtrahend : nullptr}, v);
      const double coefficient = -(0.75 - (subtract ? -0.25 : 0.0)) / model[age].ys;
      std::vector<double> expected(kN);
      for (std::int64_t i = 0; i < kN; ++i) expected[i] = v0[i] + coefficient * model[age].y[i];
      EXPECT_TRUE(all_close(v.to_host(), expected, {1e-7, 1e-6})) << "age " << age << (subtract ? " minus" : "");
    }
  }
}

TEST_F(LbfgsRingTest, OpsAtAgesBeyondThePairsKeptDoNothing) {
  offer(0);  // one pair kept
  const auto v0 = random_values(kN, 500);
  const Tensor nan = Tensor::filled({1}, NAN, Device::cpu);
  for (int age = 1; age < kCapacity; ++age) {
    Tensor v = Tensor::from_host({kN}, v0, Device::cpu);
    ops::lbfgs_ring_axpy(ring, {ops::RingRows::s, age, 1.0f, nan, &nan}, v);
    EXPECT_TRUE(all_equal(v.to_host(), v0)) << "age " << age;
  }
}

TEST_F(LbfgsRingTest, FusedUpdateAndDotEqualTheTwoOpsBitForBit) {
  for (int k = 0; k < 4; ++k) offer(k);  // two pairs kept: ages 0 and 1 hold pairs, age 2 none
  ASSERT_EQ(model.size(), 2u);
  const auto v0 = random_values(kN, 600);
  const Tensor num = Tensor::filled({1}, 0.75f, Device::cpu), subtrahend = Tensor::filled({1}, -0.25f, Device::cpu);
  for (int axpy_age = 0; axpy_age < kCapacity; ++axpy_age) {
    for (int dot_age = 0; dot_age < kCapacity; ++dot_age) {
      const ops::RingAxpy update{ops::RingRows::s, axpy_age, 1.0f, num, &subtrahend};
      Tensor separate = Tensor::from_host({kN}, v0, Device::cpu), fused = separate.clone();
      Tensor separate_out = Tensor::filled({1}, NAN, Device::cpu), fused_out = separate_out.clone();
      ops::lbfgs_ring_axpy(ring, update, separate);
      ops::lbfgs_ring_dot(ring, ops::RingRows::y, dot_age, separate, separate_out);
      ops::lbfgs_ring_axpy_dot(ring, update, ops::RingRows::y, dot_age, fused, fused_out);
      EXPECT_TRUE(all_equal(fused.to_host(), separate.to_host())) << "axpy age " << axpy_age << ", dot age " << dot_age;
      EXPECT_EQ(fused_out.item(), separate_out.item()) << "axpy age " << axpy_age << ", dot age " << dot_age;
    }
  }
}

TEST_F(LbfgsRingTest, RejectsBadArguments) {
  const Tensor v = Tensor::zeros({kN}, Device::cpu), wrong = Tensor::zeros({kN + 1}, Device::cpu);
  Tensor out({1}, Device::cpu);
  EXPECT_THROW(ops::lbfgs_ring_dot(ring, ops::RingRows::s, kCapacity, v, out), Error);
  EXPECT_THROW(ops::lbfgs_ring_dot(ring, ops::RingRows::s, -1, v, out), Error);
  EXPECT_THROW(ops::lbfgs_ring_dot(ring, ops::RingRows::s, 0, wrong, out), Error);
  EXPECT_THROW(ops::lbfgs_keep_pair_if_curved(wrong, v, out, out, ring, newest_ys, newest_yy), Error);
  EXPECT_THROW(ops::LbfgsRingTensors(0, kN, Device::cpu), Error);
}

}  // namespace
}  // namespace nst::testing

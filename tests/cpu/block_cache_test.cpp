// The CUDA caching allocator's bookkeeping (engine/cuda/block_cache.h), without a GPU: blocks are
// reused by size, except a block freed while a CUDA graph records, which stays the graph's until
// the graph releases it. The "blocks" are addresses of host ints; nothing is dereferenced.
#include <vector>

#include <gtest/gtest.h>

#include "engine/cuda/block_cache.h"

namespace nst::testing {
namespace {

class BlockCacheTest : public ::testing::Test {
 protected:
  int storage_[2] = {};
  void* const a_ = &storage_[0];
  void* const b_ = &storage_[1];
  BlockCache cache_;
};

TEST_F(BlockCacheTest, ReusesAFreedBlockOfTheSameSize) {
  EXPECT_EQ(cache_.take(512), nullptr);
  cache_.give_back(a_, 512);
  EXPECT_EQ(cache_.cached_bytes(), 512u);
  EXPECT_EQ(cache_.take(1024), nullptr);
  EXPECT_EQ(cache_.take(512), a_);
  EXPECT_EQ(cache_.take(512), nullptr);
  EXPECT_EQ(cache_.cached_bytes(), 0u);
}

TEST_F(BlockCacheTest, HoldsABlockFreedWhileRecordingUntilTheGraphReleasesIt) {
  cache_.give_back(a_, 512);  // freed before the recording: free for reuse
  cache_.begin_hold();
  cache_.give_back(b_, 512);  // a temporary of the recorded work
  const BlockCache::HoldId hold = cache_.end_hold();
  EXPECT_NE(hold, 0u);
  EXPECT_EQ(cache_.held_bytes(), 512u);
  EXPECT_EQ(cache_.take(512), a_);
  EXPECT_EQ(cache_.take(512), nullptr) << "a block the graph still uses was handed out";
  cache_.release(hold);  // the graph is destroyed
  EXPECT_EQ(cache_.held_bytes(), 0u);
  EXPECT_EQ(cache_.take(512), b_);
}

TEST_F(BlockCacheTest, CachesAgainOnceTheRecordingEnds) {
  cache_.begin_hold();
  EXPECT_EQ(cache_.end_hold(), 0u) << "nothing was freed while recording";
  cache_.release(0);
  cache_.give_back(a_, 512);
  EXPECT_EQ(cache_.take(512), a_);
}

TEST_F(BlockCacheTest, EachGraphReleasesOnlyItsOwnBlocks) {
  cache_.begin_hold();
  cache_.give_back(a_, 512);
  const BlockCache::HoldId first = cache_.end_hold();
  cache_.begin_hold();
  cache_.give_back(b_, 512);
  const BlockCache::HoldId second = cache_.end_hold();
  EXPECT_NE(first, second);
  cache_.release(first);
  EXPECT_EQ(cache_.take(512), a_);
  EXPECT_EQ(cache_.take(512), nullptr) << "the second graph's block was released with the first";
  cache_.release(second);
  EXPECT_EQ(cache_.take(512), b_);
}

TEST_F(BlockCacheTest, ClearFreesCachedBlocksButNeverHeldOnes) {
  cache_.give_back(a_, 512);
  cache_.begin_hold();
  cache_.give_back(b_, 1024);
  const BlockCache::HoldId hold = cache_.end_hold();
  std::vector<void*> freed;
  cache_.clear([&](void* ptr) { freed.push_back(ptr); });
  EXPECT_EQ(freed, std::vector<void*>{a_});
  EXPECT_FALSE(cache_.has_cached());
  cache_.release(hold);
  EXPECT_EQ(cache_.take(1024), b_);
}

}  // namespace
}  // namespace nst::testing

#pragma once
// The bookkeeping of the CUDA caching allocator (engine/cuda/caching_allocator.cpp), kept apart
// from the CUDA calls so that a CPU test can check it (tests/cpu/block_cache_test.cpp).
//   - Free blocks wait in lists keyed by their rounded size and are handed out again for the next
//     request of that size. All work runs on one stream, so a block its owner freed may be reused
//     at once: whatever used it was enqueued before whatever will use it next.
//   - A CUDA graph breaks that argument: it replays what it recorded, later and as often as it is
//     launched, so a block freed while the graph recorded (a temporary of the recorded code) is
//     still the graph's. Between begin_hold() and end_hold() freed blocks are therefore held, not
//     cached; end_hold() names the hold, the graph keeps the name, and release() — when the graph
//     is destroyed — returns the held blocks to the free lists.
// Not thread-safe: the allocator locks around it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace nst {

class BlockCache {
 public:
  using HoldId = std::uint64_t;  // 0 names no hold

  // A cached block of `size` bytes, now the caller's, or nullptr if none is cached.
  void* take(std::size_t size) {
    const auto cached = free_.find(size);
    if (cached == free_.end()) return nullptr;
    void* ptr = cached->second;
    free_.erase(cached);
    cached_bytes_ -= size;
    return ptr;
  }

  // A block of `size` bytes that its owner let go: held while a graph records, else cached.
  void give_back(void* ptr, std::size_t size) {
    if (recording_) {
      recorded_.emplace_back(ptr, size);
      held_bytes_ += size;
    } else {
      cache(ptr, size);
    }
  }

  // A graph starts recording: blocks given back from now on are held.
  void begin_hold() { recording_ = true; }

  // The recording ended: the blocks given back meanwhile stay held until release(id); 0 if none were.
  HoldId end_hold() {
    recording_ = false;
    if (recorded_.empty()) return 0;
    const HoldId id = ++last_hold_;
    holds_[id].swap(recorded_);
    return id;
  }

  // The graph that holds `id` is gone: its blocks return to the free lists. No-op for 0.
  void release(HoldId id) {
    const auto hold = holds_.find(id);
    if (hold == holds_.end()) return;
    for (const auto& [ptr, size] : hold->second) {
      held_bytes_ -= size;
      cache(ptr, size);
    }
    holds_.erase(hold);
  }

  // Hands every cached block (never a held one) to free_block(ptr) and forgets it.
  template <class FreeBlock>
  void clear(FreeBlock&& free_block) {
    for (const auto& [size, ptr] : free_) free_block(ptr);
    free_.clear();
    cached_bytes_ = 0;
  }

  bool has_cached() const { return !free_.empty(); }
  std::size_t cached_bytes() const { return cached_bytes_; }  // free for reuse
  std::size_t held_bytes() const { return held_bytes_; }      // freed, but still a graph's

 private:
  void cache(void* ptr, std::size_t size) {
    free_.emplace(size, ptr);
    cached_bytes_ += size;
  }

  using Block = std::pair<void*, std::size_t>;
  std::multimap<std::size_t, void*> free_;  // size → block
  bool recording_ = false;
  std::vector<Block> recorded_;  // given back since begin_hold()
  std::map<HoldId, std::vector<Block>> holds_;
  HoldId last_hold_ = 0;
  std::size_t cached_bytes_ = 0, held_bytes_ = 0;
};

}  // namespace nst

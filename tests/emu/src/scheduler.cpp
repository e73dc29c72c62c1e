// Blocks and threads (src/scheduler.h). A block's threads start as fibers in the ready state; the
// scheduler resumes every ready thread, in the chosen order, until each has either finished or
// stopped at a barrier or a warp operation. Then:
//   - a warp operation completes when every lane of its mask waits at the same call with the same
//     mask: its resolver computes every lane's result and those lanes become ready;
//   - the barrier completes when every thread of the block waits at the same __syncthreads;
//   - otherwise nothing can ever move: threads that exited while others wait at a barrier is
//     barrier divergence, anything else is a deadlock, and both end the launch with a report.
// Threads start lazily on workers (a fiber and its stack). A thread that finishes without ever
// waiting hands its worker straight to the next thread of the order that has not started, so a
// kernel without barriers (a grid-stride loop) runs a whole block on one stack with no switch per
// thread; a thread that waits keeps its worker until it finishes.
#include "scheduler.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "emu/device.h"
#include "emu/ptx.h"
#include "fiber.h"

namespace emu {

namespace detail {
uint3 g_thread_idx{0, 0, 0};
uint3 g_block_idx{0, 0, 0};
dim3 g_block_dim;
dim3 g_grid_dim;
}  // namespace detail

namespace {

#if defined(NST_EMU_ASAN) || defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kStackSize = 128 * 1024;  // AddressSanitizer's redzones enlarge every frame
#else
constexpr std::size_t kStackSize = 64 * 1024;
#endif

enum class State { not_started, ready, at_barrier, at_warp, exited, failed };

struct Worker {
  Fiber fiber;
};

struct WarpArrival {
  const char* op;
  const char* file;
  int line;
  unsigned mask;
  void* data;
  WarpResolver resolve;
};

// A first-in, first-out queue on a ring of power-of-two capacity, grown by doubling: pushing and
// popping move no other element (a vector erased at the front moved every pending cp.async of the
// thread at each cp.async.wait_group). Positions count every element ever pushed since clear().
template <class T>
class Queue {
 public:
  bool empty() const { return popped_ == pushed_; }
  std::size_t size() const { return std::size_t(pushed_ - popped_); }
  std::uint64_t pushed() const { return pushed_; }
  std::uint64_t popped() const { return popped_; }
  void clear() { popped_ = pushed_ = 0; }
  const T& front() const { return items_[popped_ & (items_.size() - 1)]; }
  void pop() { ++popped_; }
  void push(const T& item) {
    if (size() == items_.size()) grow();
    items_[pushed_++ & (items_.size() - 1)] = item;
  }

 private:
  void grow() {
    std::vector<T> larger(std::max<std::size_t>(16, 2 * items_.size()));
    for (std::uint64_t i = popped_; i < pushed_; ++i) larger[i & (larger.size() - 1)] = items_[i & (items_.size() - 1)];
    items_.swap(larger);
  }
  std::vector<T> items_;
  std::uint64_t popped_ = 0, pushed_ = 0;
};

struct GpuThread {
  Worker* worker = nullptr;  // the worker it runs on, once started
  uint3 index{0, 0, 0};
  State state = State::exited;
  const char* file = "";  // where it waits
  int line = 0;
  WarpArrival arrival{};
  int predicate = 0;       // its __syncthreads_count predicate
  int barrier_result = 0;  // the count, once the barrier completes
  // Its cp.async copies that have not landed (emu/ptx.h), oldest first, and the number of copies
  // issued up to the end of each committed group not yet retired; copies issued after the last end
  // are not committed yet.
  Queue<AsyncCopy> async_copies;
  Queue<std::uint64_t> async_group_ends;
};

struct Block {
  const std::function<void()>* body = nullptr;
  std::vector<GpuThread> threads;
  std::string error;
};

Block g_block;
GpuThread* g_current = nullptr;
std::uint64_t g_block_generation = 0;

// The current pass of the scheduler over the block: its order and how far it has got.
const std::vector<std::size_t>* g_order = nullptr;
std::size_t g_cursor = 0;

// Workers: one per stack of the pool, handed out from a free list.
std::vector<Worker>& workers() {
  static std::vector<Worker> all = [] {
    static FiberStacks pool(kStackSize);
    std::vector<Worker> w(1024);
    for (std::size_t i = 0; i < w.size(); ++i) pool.assign(w[i].fiber, i);
    return w;
  }();
  return all;
}
std::vector<Worker*> g_free_workers;
bool g_workers_abandoned = false;  // an error left threads suspended on their stacks

// Every worker free again; after a clean block they all are already.
void reset_workers() {
  if (!g_workers_abandoned && g_free_workers.size() == workers().size()) return;
  g_free_workers.clear();
  for (Worker& w : workers()) {
    if (g_workers_abandoned) fiber_forget_stack(w.fiber);
    g_free_workers.push_back(&w);
  }
  g_workers_abandoned = false;
}

// Runs threads on the calling worker: the one the scheduler started, then, each time one
// finishes, the next thread of the current pass that has not started yet.
void worker_entry() {
  Worker& worker = *g_current->worker;
  fiber_started(worker.fiber);
  for (;;) {
    GpuThread& me = *g_current;
    (*g_block.body)();
    me.state = State::exited;
    me.worker = nullptr;
    const std::vector<std::size_t>& order = *g_order;
    if (g_cursor < order.size() && g_block.threads[order[g_cursor]].state == State::not_started) {
      GpuThread& next = g_block.threads[order[g_cursor++]];
      next.state = State::ready;
      next.worker = &worker;
      g_current = &next;
      detail::g_thread_idx = next.index;
      continue;
    }
    g_free_workers.push_back(&worker);  // taken again only after this fiber has switched out
    fiber_exit(worker.fiber);
    std::abort();  // never reached: an exited fiber is not resumed
  }
}

// The calling thread stops in `state` until the scheduler resumes it.
void suspend(State state, const char* file, int line) {
  GpuThread& me = *g_current;
  me.state = state;
  me.file = file;
  me.line = line;
  fiber_yield(me.worker->fiber);
}

std::string site(const char* file, int line) {
  std::ostringstream out;
  out << file << ":" << line;
  return out.str();
}

// What every thread is doing, as "threads 0-31 wait at __syncthreads (f:12); threads 32-255 exited".
std::string describe_threads(const std::vector<GpuThread>& threads) {
  const auto what = [](const GpuThread& t) -> std::string {
    switch (t.state) {
      case State::not_started:
        return "have not started";
      case State::ready:
        return "are runnable";
      case State::at_barrier:
        return "wait at __syncthreads (" + site(t.file, t.line) + ")";
      case State::at_warp:
        return std::string("wait at ") + t.arrival.op + " (" + site(t.arrival.file, t.arrival.line) + ", mask " + [&] {
          char hex[16];
          std::snprintf(hex, sizeof hex, "0x%08x", t.arrival.mask);
          return std::string(hex);
        }() + ")";
      case State::exited:
        return "exited";
      case State::failed:
        return "failed";
    }
    return "?";
  };
  std::ostringstream out;
  std::size_t first = 0;
  for (std::size_t i = 1; i <= threads.size(); ++i) {
    if (i < threads.size() && what(threads[i]) == what(threads[first])) continue;
    if (first > 0) out << "; ";
    out << "threads " << first << "-" << i - 1 << " " << what(threads[first]);
    first = i;
  }
  return out.str();
}

void fill_order(std::vector<std::size_t>& order, Order policy, std::mt19937_64& rng) {
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (policy == Order::reverse) std::reverse(order.begin(), order.end());
  if (policy == Order::shuffled) std::shuffle(order.begin(), order.end(), rng);
}

GpuThread* lane_thread(std::vector<GpuThread>& threads, std::size_t warp, int lane) {
  const std::size_t i = warp * 32 + std::size_t(lane);
  return i < threads.size() ? &threads[i] : nullptr;
}

// Completes the warp operations of `warp` whose lanes have all arrived; false if none could.
// Sets g_block.error for an operation that can never be valid.
bool resolve_warp(std::vector<GpuThread>& threads, std::size_t warp) {
  for (int lane = 0; lane < 32; ++lane) {
    const GpuThread* t = lane_thread(threads, warp, lane);
    if (t == nullptr || t->state != State::at_warp || (t->arrival.mask >> lane & 1u)) continue;
    char text[160];
    std::snprintf(text, sizeof text, "%s at %s in warp %zu: lane %d passes mask 0x%08x, which leaves itself out",
                  t->arrival.op, site(t->arrival.file, t->arrival.line).c_str(), warp, lane, t->arrival.mask);
    g_block.error = text;
    return false;
  }
  bool progress = false;
  for (int lane = 0; lane < 32; ++lane) {
    GpuThread* t = lane_thread(threads, warp, lane);
    if (t == nullptr || t->state != State::at_warp) continue;
    const WarpArrival a = t->arrival;
    const auto where = [&] {
      std::ostringstream out;
      out << a.op << " at " << site(a.file, a.line) << " in warp " << warp;
      return out;
    };
    bool complete = true;
    for (int other = 0; other < 32 && complete; ++other) {
      if (!(a.mask >> other & 1u)) continue;
      const GpuThread* u = lane_thread(threads, warp, other);
      if (u == nullptr || u->state == State::exited) {
        g_block.error = where().str() + ": the mask names lane " + std::to_string(other) +
                        (u == nullptr ? ", which the block does not have" : ", which has exited");
        return false;
      }
      const WarpArrival& b = u->arrival;
      complete = u->state == State::at_warp && b.file == a.file && b.line == a.line && b.mask == a.mask;
    }
    if (!complete) continue;
    void* data[32] = {};
    for (int other = 0; other < 32; ++other)
      if (a.mask >> other & 1u) data[other] = lane_thread(threads, warp, other)->arrival.data;
    if (const char* problem = a.resolve(data, a.mask)) {
      g_block.error = where().str() + ": " + problem;
      return false;
    }
    for (int other = 0; other < 32; ++other)
      if (a.mask >> other & 1u) lane_thread(threads, warp, other)->state = State::ready;
    progress = true;
  }
  return progress;
}

// Releases the barrier if the whole block waits at it; sets g_block.error if it never can be.
bool release_barrier(std::vector<GpuThread>& threads) {
  std::size_t waiting = 0, exited = 0;
  for (const GpuThread& t : threads) {
    waiting += t.state == State::at_barrier;
    exited += t.state == State::exited;
  }
  if (waiting == 0 || waiting + exited < threads.size()) {
    g_block.error = "deadlock: " + describe_threads(threads);
    return false;
  }
  if (exited > 0) {
    g_block.error = "barrier divergence: " + describe_threads(threads);
    return false;
  }
  for (const GpuThread& t : threads)
    if (t.file != threads[0].file || t.line != threads[0].line) {
      g_block.error = "barrier divergence (different __syncthreads): " + describe_threads(threads);
      return false;
    }
  int count = 0;
  for (const GpuThread& t : threads) count += t.predicate;
  for (GpuThread& t : threads) {
    t.barrier_result = count;
    t.state = State::ready;
  }
  return true;
}

// Runs one block to its end; "" or what went wrong.
std::string run_block(const dim3& block, Order policy, std::mt19937_64& rng) {
  const std::size_t n = std::size_t(block.x) * block.y * block.z;
  std::vector<GpuThread>& threads = g_block.threads;
  threads.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    GpuThread& t = threads[i];
    t.index =
        uint3{unsigned(i % block.x), unsigned(i / block.x % block.y), unsigned(i / (std::size_t(block.x) * block.y))};
    t.state = State::not_started;
    t.worker = nullptr;
    t.predicate = 0;
    t.async_copies.clear();  // a thread that exited with copies in flight: they never land here
    t.async_group_ends.clear();
  }
  reset_workers();
  ++g_block_generation;
  g_block.error.clear();

  std::vector<std::size_t> order(n);
  g_order = &order;
  const std::size_t warps = (n + 31) / 32;
  for (;;) {
    fill_order(order, policy, rng);
    for (g_cursor = 0; g_cursor < n && g_block.error.empty();) {
      GpuThread& t = threads[order[g_cursor++]];
      if (t.state == State::not_started) {
        t.worker = g_free_workers.back();
        g_free_workers.pop_back();
        fiber_prepare(t.worker->fiber, &worker_entry);
        t.state = State::ready;
      } else if (t.state != State::ready) {
        continue;
      }
      g_current = &t;
      detail::g_thread_idx = t.index;
      fiber_resume(t.worker->fiber);
    }
    g_current = nullptr;
    if (!g_block.error.empty()) break;
    bool progress = false;
    for (std::size_t w = 0; w < warps && g_block.error.empty(); ++w) progress |= resolve_warp(threads, w);
    if (!g_block.error.empty()) break;
    if (progress) continue;
    if (std::all_of(threads.begin(), threads.end(), [](const GpuThread& t) { return t.state == State::exited; }))
      return "";
    if (!release_barrier(threads)) break;
  }
  g_workers_abandoned = true;  // the unfinished threads' stacks are reused by the next block
  return g_block.error;
}

}  // namespace

const char* to_string(Order order) {
  switch (order) {
    case Order::forward:
      return "forward";
    case Order::reverse:
      return "reverse";
    case Order::shuffled:
      return "shuffled";
  }
  return "?";
}

void syncthreads(const char* file, int line) { (void)syncthreads_count(0, file, line); }

int syncthreads_count(int predicate, const char* file, int line) {
  g_current->predicate = predicate;
  suspend(State::at_barrier, file, line);
  return g_current->barrier_result;
}

void warp_collective(const char* op, const char* file, int line, unsigned mask, void* lane_data, WarpResolver resolve) {
  g_current->arrival = WarpArrival{op, file, line, mask, lane_data, resolve};
  suspend(State::at_warp, file, line);
}

unsigned lane_id() {
  const uint3& i = detail::g_thread_idx;
  const dim3& d = detail::g_block_dim;
  return unsigned((i.x + std::size_t(i.y) * d.x + std::size_t(i.z) * d.x * d.y) % 32);
}

void fail(const char* what) {
  GpuThread& me = *g_current;
  std::ostringstream out;
  out << "thread (" << me.index.x << "," << me.index.y << "," << me.index.z << "): " << what;
  g_block.error = out.str();
  me.state = State::failed;
  fiber_exit(me.worker->fiber);
  std::abort();  // never reached: a failed fiber is not resumed
}

void shared_declared(void* variable, std::size_t bytes) {
  // Poisoned once per block: by the first thread to reach the declaration, before any thread of
  // the block can have written it.
  static std::unordered_map<void*, std::uint64_t> poisoned_in_block;
  std::uint64_t& block = poisoned_in_block[variable];
  if (block == g_block_generation) return;
  block = g_block_generation;
  const std::uint32_t nan_bits = 0x7fffffffu;
  auto* words = static_cast<unsigned char*>(variable);
  for (std::size_t i = 0; i + 4 <= bytes; i += 4) std::memcpy(words + i, &nan_bits, 4);
}

void async_copy_issued(const AsyncCopy& copy) { g_current->async_copies.push(copy); }

void async_copy_commit() { g_current->async_group_ends.push(g_current->async_copies.pushed()); }

void async_copy_wait(int pending_groups) {
  GpuThread& me = *g_current;
  if (pending_groups < 0) return;
  while (me.async_group_ends.size() > std::size_t(pending_groups)) {
    const std::uint64_t group_end = me.async_group_ends.front();
    me.async_group_ends.pop();
    // Copies land in the order they were issued; the sizes are constants here so that each is a
    // move rather than a call of memcpy (which AddressSanitizer intercepts; the destination was
    // checked when the copy was issued).
    while (me.async_copies.popped() < group_end) {
      const AsyncCopy& c = me.async_copies.front();
      switch (c.size) {
        case 4:
          std::memcpy(c.destination, c.bytes, 4);
          break;
        case 8:
          std::memcpy(c.destination, c.bytes, 8);
          break;
        default:
          std::memcpy(c.destination, c.bytes, 16);
          break;
      }
      me.async_copies.pop();
    }
  }
}

std::string invalid_configuration(const LaunchConfig& c) {
  const std::size_t threads = std::size_t(c.block.x) * c.block.y * c.block.z;
  std::ostringstream out;
  if (threads == 0 || threads > 1024 || c.block.z > 64)
    out << "block (" << c.block.x << "," << c.block.y << "," << c.block.z << ") is not 1 to 1024 threads";
  else if (c.grid.x == 0 || c.grid.y == 0 || c.grid.z == 0 || c.grid.x > 2147483647u || c.grid.y > 65535 ||
           c.grid.z > 65535)
    out << "grid (" << c.grid.x << "," << c.grid.y << "," << c.grid.z << ") is outside 1..2^31-1 × 1..65535 × 1..65535";
  else if (c.shared_bytes > 0)
    out << "dynamic shared memory is not emulated";
  return out.str();
}

std::string run_grid(const LaunchConfig& config, const std::function<void()>& thread, Order order, std::uint64_t seed) {
  detail::g_grid_dim = config.grid;
  detail::g_block_dim = config.block;
  g_block.body = &thread;
  std::mt19937_64 rng(seed);
  const std::size_t blocks = std::size_t(config.grid.x) * config.grid.y * config.grid.z;
  std::vector<std::size_t> block_order(blocks);
  fill_order(block_order, order, rng);
  for (std::size_t b : block_order) {
    detail::g_block_idx = uint3{unsigned(b % config.grid.x), unsigned(b / config.grid.x % config.grid.y),
                                unsigned(b / (std::size_t(config.grid.x) * config.grid.y))};
    const std::string problem = run_block(config.block, order, rng);
    if (!problem.empty()) {
      std::ostringstream out;
      const uint3& i = detail::g_block_idx;
      out << config.kernel << " (launched at " << site(config.file, config.line) << "), block (" << i.x << "," << i.y
          << "," << i.z << "), " << to_string(order) << " thread order: " << problem;
      return out.str();
    }
  }
  return "";
}

}  // namespace emu

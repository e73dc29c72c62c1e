#pragma once
// The device side of CUDA C++ as host C++, for the emulator (tests/emu/README.md): the function and
// variable qualifiers, the built-in index variables, vector types, barriers, warp shuffles and
// votes with their masks, atomics and the device math functions the kernels call.
//
// Every thread of a block runs on its own fiber (src/block_scheduler.cpp). A barrier or a warp
// collective suspends the calling thread; the scheduler resumes it once every thread the operation
// names has arrived, so the code between two such points runs without interruption, in an order
// the scheduler chooses (forward, reverse or shuffled: NST_EMU_ORDER).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "emu/types.h"

// Qualifiers: everything is host code here. __shared__ is rewritten by translate_cuda.py (a static
// variable that the scheduler poisons with NaN when each block starts); it must not reach here.
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))

namespace emu {

namespace detail {
// The running thread's coordinates, set by the scheduler before it resumes a thread.
extern uint3 g_thread_idx;
extern uint3 g_block_idx;
extern dim3 g_block_dim;
extern dim3 g_grid_dim;
}  // namespace detail

// Waits at the block's barrier; `site` names the call for the divergence report.
void syncthreads(const char* file, int line);
// __syncthreads_count/and/or: the barrier, then the count of threads whose predicate is non-zero.
int syncthreads_count(int predicate, const char* file, int line);

// One lane's part in a warp-wide operation. `resolve` runs once, in the scheduler, when every lane
// of `mask` has arrived at the same call with the same mask; it sees every lane's `lane_data` (null
// for lanes outside the mask) and returns an error message, or null when the operation is valid.
using WarpResolver = const char* (*)(void* const lane_data[32], unsigned mask);
void warp_collective(const char* op, const char* file, int line, unsigned mask, void* lane_data, WarpResolver resolve);

// The calling thread's lane (its linear index in the block modulo 32).
unsigned lane_id();

// Ends the block with an error that names the kernel; never returns to the caller's thread.
[[noreturn]] void fail(const char* what);

// --- warp shuffles -----------------------------------------------------------------------------
enum class ShuffleKind { index, up, down, exclusive_or };

template <class T>
struct ShuffleLane {
  T value;
  int argument;  // source lane, delta or lane mask
  int width;
  T result;
};

// The lane whose value `lane` receives; `lane` itself when the source falls outside its segment.
inline int shuffle_source(ShuffleKind kind, int lane, int argument, int width) {
  const int segment = lane & ~(width - 1);
  int source = lane;
  switch (kind) {
    case ShuffleKind::index:
      source = segment + (argument & (width - 1));
      break;
    case ShuffleKind::up:
      source = lane - argument;
      break;
    case ShuffleKind::down:
      source = lane + argument;
      break;
    case ShuffleKind::exclusive_or:
      source = lane ^ argument;
      break;
  }
  return (source >= segment && source < segment + width) ? source : lane;
}

template <class T, ShuffleKind kind>
const char* resolve_shuffle(void* const lanes[32], unsigned mask) {
  for (int lane = 0; lane < 32; ++lane) {
    if (!(mask >> lane & 1u)) continue;
    auto* me = static_cast<ShuffleLane<T>*>(lanes[lane]);
    if (me->width < 1 || me->width > 32 || (me->width & (me->width - 1)) != 0)
      return "shuffle width is not a power of two from 1 to 32";
    const int source = shuffle_source(kind, lane, me->argument, me->width);
    if (!(mask >> source & 1u)) return "a lane reads the value of a lane outside the shuffle's mask (undefined)";
    me->result = static_cast<ShuffleLane<T>*>(lanes[source])->value;
  }
  return nullptr;
}

template <ShuffleKind kind, class T>
T shuffle(const char* op, const char* file, int line, unsigned mask, T value, int argument, int width) {
  static_assert(std::is_trivially_copyable<T>::value, "shuffled values are registers");
  ShuffleLane<T> me{value, argument, width, value};
  warp_collective(op, file, line, mask, &me, &resolve_shuffle<T, kind>);
  return me.result;
}

// --- warp votes --------------------------------------------------------------------------------
struct VoteLane {
  int predicate;
  unsigned ballot;
};

inline const char* resolve_ballot(void* const lanes[32], unsigned mask) {
  unsigned ballot = 0;
  for (int lane = 0; lane < 32; ++lane)
    if ((mask >> lane & 1u) && static_cast<VoteLane*>(lanes[lane])->predicate != 0) ballot |= 1u << lane;
  for (int lane = 0; lane < 32; ++lane)
    if (mask >> lane & 1u) static_cast<VoteLane*>(lanes[lane])->ballot = ballot;
  return nullptr;
}

inline unsigned ballot(const char* op, const char* file, int line, unsigned mask, int predicate) {
  VoteLane me{predicate, 0};
  warp_collective(op, file, line, mask, &me, &resolve_ballot);
  return me.ballot;
}

inline const char* resolve_nothing(void* const[32], unsigned) { return nullptr; }

}  // namespace emu

#define threadIdx (::emu::detail::g_thread_idx)
#define blockIdx (::emu::detail::g_block_idx)
#define blockDim (::emu::detail::g_block_dim)
#define gridDim (::emu::detail::g_grid_dim)
constexpr int warpSize = 32;

namespace emu {

// The barriers and warp operations are object-like macros that make a call object holding the call
// site, so that optional arguments keep their CUDA defaults and every report names file and line.
struct CallSite {
  const char* file;
  int line;
};

struct BarrierCall : CallSite {
  void operator()() const { syncthreads(file, line); }
};
struct BarrierCountCall : CallSite {
  int operator()(int predicate) const { return syncthreads_count(predicate != 0, file, line); }
};
struct BarrierAndCall : CallSite {
  int operator()(int predicate) const {
    return syncthreads_count(predicate != 0, file, line) == int(blockDim.x * blockDim.y * blockDim.z);
  }
};
struct BarrierOrCall : CallSite {
  int operator()(int predicate) const { return syncthreads_count(predicate != 0, file, line) > 0; }
};
struct SyncwarpCall : CallSite {
  void operator()(unsigned mask = 0xffffffffu) const {
    warp_collective("__syncwarp", file, line, mask, nullptr, &resolve_nothing);
  }
};

template <ShuffleKind kind>
struct ShuffleCall : CallSite {
  const char* op;
  template <class T>
  T operator()(unsigned mask, T value, int argument, int width = 32) const {
    return shuffle<kind>(op, file, line, mask, value, argument, width);
  }
};

struct BallotCall : CallSite {
  unsigned operator()(unsigned mask, int predicate) const {
    return ballot("__ballot_sync", file, line, mask, predicate != 0);
  }
};
struct AnyCall : CallSite {
  int operator()(unsigned mask, int predicate) const {
    return ballot("__any_sync", file, line, mask, predicate != 0) != 0u;
  }
};
struct AllCall : CallSite {
  int operator()(unsigned mask, int predicate) const {
    return ballot("__all_sync", file, line, mask, predicate != 0) == mask;
  }
};

}  // namespace emu

#define __syncthreads      \
  ::emu::BarrierCall {     \
    { __FILE__, __LINE__ } \
  }
#define __syncthreads_count \
  ::emu::BarrierCountCall { \
    { __FILE__, __LINE__ }  \
  }
#define __syncthreads_and  \
  ::emu::BarrierAndCall {  \
    { __FILE__, __LINE__ } \
  }
#define __syncthreads_or   \
  ::emu::BarrierOrCall {   \
    { __FILE__, __LINE__ } \
  }
#define __syncwarp         \
  ::emu::SyncwarpCall {    \
    { __FILE__, __LINE__ } \
  }
#define __shfl_sync \
  ::emu::ShuffleCall<::emu::ShuffleKind::index> { {__FILE__, __LINE__}, "__shfl_sync" }
#define __shfl_up_sync \
  ::emu::ShuffleCall<::emu::ShuffleKind::up> { {__FILE__, __LINE__}, "__shfl_up_sync" }
#define __shfl_down_sync \
  ::emu::ShuffleCall<::emu::ShuffleKind::down> { {__FILE__, __LINE__}, "__shfl_down_sync" }
#define __shfl_xor_sync \
  ::emu::ShuffleCall<::emu::ShuffleKind::exclusive_or> { {__FILE__, __LINE__}, "__shfl_xor_sync" }
#define __ballot_sync      \
  ::emu::BallotCall {      \
    { __FILE__, __LINE__ } \
  }
#define __any_sync         \
  ::emu::AnyCall {         \
    { __FILE__, __LINE__ } \
  }
#define __all_sync         \
  ::emu::AllCall {         \
    { __FILE__, __LINE__ } \
  }

// --- atomics: the threads of the emulator never run at the same time, so a plain read-modify-write
// is atomic. Their order is the scheduler's, so results that depend on it differ between orders.
namespace emu {
template <class T, class Update>
T read_modify_write(T* address, Update update) {
  const T old = *address;
  *address = update(old);
  return old;
}
}  // namespace emu
template <class T>
T atomicAdd(T* address, T value) {
  return emu::read_modify_write(address, [value](T old) { return old + value; });
}
template <class T>
T atomicMax(T* address, T value) {
  return emu::read_modify_write(address, [value](T old) { return old < value ? value : old; });
}
template <class T>
T atomicMin(T* address, T value) {
  return emu::read_modify_write(address, [value](T old) { return value < old ? value : old; });
}
template <class T>
T atomicExch(T* address, T value) {
  return emu::read_modify_write(address, [value](T) { return value; });
}
template <class T>
T atomicCAS(T* address, T compare, T value) {
  return emu::read_modify_write(address, [compare, value](T old) { return old == compare ? value : old; });
}

// --- device math that the host lacks -----------------------------------------------------------
template <class T, class U>
constexpr std::common_type_t<T, U> min(T a, U b) {
  return b < a ? b : a;
}
template <class T, class U>
constexpr std::common_type_t<T, U> max(T a, U b) {
  return a < b ? b : a;
}
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline int __float_as_int(float x) {
  int i;
  std::memcpy(&i, &x, sizeof i);
  return i;
}
inline float __int_as_float(int i) {
  float x;
  std::memcpy(&x, &i, sizeof x);
  return x;
}
inline unsigned __float_as_uint(float x) { return static_cast<unsigned>(__float_as_int(x)); }
inline float __uint_as_float(unsigned u) { return __int_as_float(static_cast<int>(u)); }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
template <class T>
T __ldg(const T* p) {
  return *p;
}

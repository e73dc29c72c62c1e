#pragma once
// nvcuda::wmma for the emulator: the m16n16k8 TF32 fragments (FP32 accumulators) that the kernels
// use. CUDA leaves the lane ↔ element map of a WMMA fragment unspecified, so the emulator uses the
// one the PTX ISA specifies for mma.sync.m16n8k8 with .tf32 inputs (PTX ISA, "Matrix Fragments for
// mma.m16n8k8", figures for A .tf32, B .tf32 and C/D .f32), two of them side by side along N:
//   g = lane / 4 (groupID), t = lane % 4 (threadID_in_group)
//   A 16×8,  x[i], i < 4:  row g + 8·(i % 2),       column t + 4·(i / 2)
//   B 8×16,  x[i], i < 4:  row t + 4·(i % 2),       column g + 8·(i / 2)
//   C 16×16, x[i], i < 8:  row g + 8·((i % 4) / 2), column 8·(i / 4) + 2·t + i % 2
// A kernel that reads or writes x[] by position, rather than element-wise, sees this map.
//
// load/store/mma are warp collectives (all 32 lanes, the same pointer and stride); pointers must
// be 256-bit aligned and strides a multiple of 16 bytes, as on the GPU. mma_sync reads only the
// TF32 part of A and B (the low 13 mantissa bits are ignored, as the tensor cores do) and adds
// the products in k order in FP32 with fused multiply-adds: the GPU's accumulation order and
// rounding are not modelled (tests/emu/README.md).
#include <cstdint>
#include <cstring>

#include "emu/device.h"

namespace nvcuda::wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
namespace precision {
struct tf32 {};
}  // namespace precision
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment;

template <class Layout>
struct fragment<matrix_a, 16, 16, 8, precision::tf32, Layout> {
  static constexpr int num_elements = 4, rows = 16, cols = 8;
  float x[num_elements];
};
template <class Layout>
struct fragment<matrix_b, 16, 16, 8, precision::tf32, Layout> {
  static constexpr int num_elements = 4, rows = 8, cols = 16;
  float x[num_elements];
};
template <>
struct fragment<accumulator, 16, 16, 8, float, void> {
  static constexpr int num_elements = 8, rows = 16, cols = 16;
  float x[num_elements];
};

// TF32 rounding of cvt.rna.tf32.f32: to nearest, ties away from zero, 10 mantissa bits kept.
inline float __float_to_tf32(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7f800000u) != 0x7f800000u) bits = (bits + 0x1000u) & 0xffffe000u;  // finite values only
  float rounded;
  std::memcpy(&rounded, &bits, sizeof rounded);
  return rounded;
}

namespace detail {

// The element (row, column) that x[i] of `lane` holds (the map at the top of this file).
struct Position {
  int row, col;
};
inline Position position(const matrix_a&, int lane, int i) { return {lane / 4 + 8 * (i % 2), lane % 4 + 4 * (i / 2)}; }
inline Position position(const matrix_b&, int lane, int i) { return {lane % 4 + 4 * (i % 2), lane / 4 + 8 * (i / 2)}; }
inline Position position(const accumulator&, int lane, int i) {
  return {lane / 4 + 8 * ((i % 4) / 2), 8 * (i / 4) + 2 * (lane % 4) + i % 2};
}

inline std::size_t offset(Position p, unsigned ldm, bool row_major_memory) {
  return row_major_memory ? std::size_t(p.row) * ldm + std::size_t(p.col)
                          : std::size_t(p.col) * ldm + std::size_t(p.row);
}

inline bool is_row_major(const row_major*) { return true; }
inline bool is_row_major(const col_major*) { return false; }

// One lane's part in a load or a store: its fragment, and the arguments every lane must share.
struct MemoryLane {
  float* elements;
  float* memory;
  unsigned ldm;
  bool row_major_memory;
  bool store;
};

template <class Use>
const char* resolve_memory(void* const lanes[32], unsigned) {
  const auto* first = static_cast<MemoryLane*>(lanes[0]);
  if (reinterpret_cast<std::uintptr_t>(first->memory) % 32 != 0)
    return "wmma load/store pointer is not 256-bit aligned (misaligned address on a GPU)";
  if (first->ldm % 4 != 0) return "wmma load/store stride is not a multiple of 16 bytes";
  for (int lane = 0; lane < 32; ++lane) {
    const auto* me = static_cast<MemoryLane*>(lanes[lane]);
    if (me->memory != first->memory || me->ldm != first->ldm || me->row_major_memory != first->row_major_memory)
      return "wmma load/store with different pointers, strides or layouts across the warp";
    constexpr int elements = std::is_same<Use, accumulator>::value ? 8 : 4;
    for (int i = 0; i < elements; ++i) {
      float& in_memory = first->memory[offset(position(Use{}, lane, i), first->ldm, first->row_major_memory)];
      if (me->store)
        in_memory = me->elements[i];
      else
        me->elements[i] = in_memory;
    }
  }
  return nullptr;
}

template <class Use>
void memory_collective(const char* op, float* elements, float* memory, unsigned ldm, bool row_major_memory, bool store,
                       const char* file, int line) {
  MemoryLane me{elements, memory, ldm, row_major_memory, store};
  ::emu::warp_collective(op, file, line, 0xffffffffu, &me, &resolve_memory<Use>);
}

struct MmaLane {
  const float* a;
  const float* b;
  const float* c;
  float* d;
};

// The TF32 value the tensor cores read: the low 13 mantissa bits dropped. Uninstrumented, so that
// emu/ptx.h's uninstrumented MMA resolver inlines it.
__attribute__((no_sanitize("address", "undefined"))) inline float tf32_input(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  bits &= 0xffffe000u;
  float truncated;
  std::memcpy(&truncated, &bits, sizeof truncated);
  return truncated;
}

inline const char* resolve_mma(void* const lanes[32], unsigned) {
  float a[16][8], b[8][16], c[16][16];
  for (int lane = 0; lane < 32; ++lane) {
    const auto* me = static_cast<MmaLane*>(lanes[lane]);
    for (int i = 0; i < 4; ++i) {
      const Position pa = position(matrix_a{}, lane, i), pb = position(matrix_b{}, lane, i);
      a[pa.row][pa.col] = tf32_input(me->a[i]);
      b[pb.row][pb.col] = tf32_input(me->b[i]);
    }
    for (int i = 0; i < 8; ++i) {
      const Position pc = position(accumulator{}, lane, i);
      c[pc.row][pc.col] = me->c[i];
    }
  }
  for (int lane = 0; lane < 32; ++lane) {  // every lane's inputs are read before any d is written
    auto* me = static_cast<MmaLane*>(lanes[lane]);
    for (int i = 0; i < 8; ++i) {
      const Position p = position(accumulator{}, lane, i);
      float sum = c[p.row][p.col];
      for (int k = 0; k < 8; ++k) sum = std::fma(a[p.row][k], b[k][p.col], sum);
      me->d[i] = sum;
    }
  }
  return nullptr;
}

}  // namespace detail

template <class Layout>
void load_matrix_sync(fragment<matrix_a, 16, 16, 8, precision::tf32, Layout>& f, const float* p, unsigned ldm,
                      const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  detail::memory_collective<matrix_a>("wmma::load_matrix_sync", f.x, const_cast<float*>(p), ldm,
                                      detail::is_row_major(static_cast<Layout*>(nullptr)), false, file, line);
}
template <class Layout>
void load_matrix_sync(fragment<matrix_b, 16, 16, 8, precision::tf32, Layout>& f, const float* p, unsigned ldm,
                      const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  detail::memory_collective<matrix_b>("wmma::load_matrix_sync", f.x, const_cast<float*>(p), ldm,
                                      detail::is_row_major(static_cast<Layout*>(nullptr)), false, file, line);
}
inline void load_matrix_sync(fragment<accumulator, 16, 16, 8, float>& f, const float* p, unsigned ldm, layout_t layout,
                             const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  detail::memory_collective<accumulator>("wmma::load_matrix_sync", f.x, const_cast<float*>(p), ldm,
                                         layout == mem_row_major, false, file, line);
}
inline void store_matrix_sync(float* p, const fragment<accumulator, 16, 16, 8, float>& f, unsigned ldm, layout_t layout,
                              const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  detail::memory_collective<accumulator>("wmma::store_matrix_sync", const_cast<float*>(f.x), p, ldm,
                                         layout == mem_row_major, true, file, line);
}

template <class Fragment>
void fill_fragment(Fragment& f, float value) {
  for (float& element : f.x) element = value;
}

template <class LayoutA, class LayoutB>
void mma_sync(fragment<accumulator, 16, 16, 8, float>& d,
              const fragment<matrix_a, 16, 16, 8, precision::tf32, LayoutA>& a,
              const fragment<matrix_b, 16, 16, 8, precision::tf32, LayoutB>& b,
              const fragment<accumulator, 16, 16, 8, float>& c, const char* file = __builtin_FILE(),
              int line = __builtin_LINE()) {
  detail::MmaLane me{a.x, b.x, c.x, d.x};
  ::emu::warp_collective("wmma::mma_sync", file, line, 0xffffffffu, &me, &detail::resolve_mma);
}

}  // namespace nvcuda::wmma

#pragma once
// The inline PTX that kernels/cuda/ptx_wrappers.cuh wraps, as the emulator runs it:
//   mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32   a warp collective on the fragment map of the
//       PTX ISA ("Matrix Fragments for mma.m16n8k8", .tf32 A and B, .f32 C/D), the same map as the
//       emulated WMMA's first m16n8k8 half (mma.h):  g = lane / 4, t = lane % 4
//         A 16×8: a[i] is (g + 8·(i % 2), t + 4·(i / 2));  B 8×8: b[i] is (t + 4·i, g);
//         C 16×8: c[i] is (g + 8·(i / 2), 2·t + i % 2).
//       Only the TF32 part of A and B is read (the low 13 mantissa bits ignored, as the tensor cores
//       do); the products are added in k order with FMAs (the GPU's order is not modelled).
//   cvt.rna.tf32.f32                                      round to nearest, ties away, 10 mantissa bits.
//   cp.async.ca.shared.global (4, 8 or 16 bytes, zero fill) / commit_group / wait_group N
//       A deferred copy: cp.async reads its source (and touches its destination, so that
//       AddressSanitizer checks both) when issued, but the bytes land in shared memory only when a
//       cp.async.wait_group of the issuing thread retires their group. A kernel that reads a stage
//       before waiting for it reads what was there before: NaN in a fresh block, or the stage's
//       previous contents, as it may on a GPU.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "emu/device.h"
#include "mma.h"

// kernels/cuda/ptx_wrappers.cuh takes these bodies instead of its inline assembly.
#define NST_EMULATED_PTX 1

namespace emu {

// One cp.async in flight: its destination and the bytes it will write there.
struct AsyncCopy {
  void* destination;
  unsigned char bytes[16];
  std::size_t size;
};
// The calling thread's queue (src/scheduler.cpp).
void async_copy_issued(const AsyncCopy& copy);
void async_copy_commit();
void async_copy_wait(int pending_groups);

// cp.async of `size` bytes (4, 8 or 16) of which the first `source_size` come from `source`, the
// rest zeros.
inline void cp_async(void* destination, const void* source, std::size_t size, std::size_t source_size) {
  if ((size != 4 && size != 8 && size != 16) || source_size > size) fail("cp.async: size must be 4, 8 or 16 bytes");
  if (reinterpret_cast<std::uintptr_t>(destination) % size != 0 || reinterpret_cast<std::uintptr_t>(source) % size != 0)
    fail("cp.async: misaligned source or destination");
  AsyncCopy copy{destination, {}, size};
  // A whole copy reads its source with a memcpy of constant size, which the compiler turns into
  // one checked load (a call of memcpy would go through AddressSanitizer's interceptor).
  if (source_size == 4)
    std::memcpy(copy.bytes, source, 4);
  else if (source_size == 8)
    std::memcpy(copy.bytes, source, 8);
  else if (source_size == 16)
    std::memcpy(copy.bytes, source, 16);
  else if (source_size > 0)
    std::memcpy(copy.bytes, source, source_size);
  // Touch the destination's first and last byte now, in instrumented code: an out-of-bounds
  // shared-memory store is reported here, at the cp.async that makes it.
  volatile unsigned char* d = static_cast<unsigned char*>(destination);
  d[0] = d[0];
  d[size - 1] = d[size - 1];
  async_copy_issued(copy);
}
inline void cp_async_commit() { async_copy_commit(); }
inline void cp_async_wait(int pending_groups) { async_copy_wait(pending_groups); }

inline float cvt_rna_tf32(float value) { return nvcuda::wmma::__float_to_tf32(value); }

namespace detail {

struct MmaM16n8k8Lane {
  const float* a;  // 4 registers
  const float* b;  // 2
  float* d;        // 4, holding C on entry
};

// Where each lane's registers sit in the A, B and C/D tiles (the map above), computed once.
struct MmaM16n8k8Map {
  int a_row[32][4], a_col[32][4], b_row[32][2], b_col[32][2], c_row[32][4], c_col[32][4];
};
inline const MmaM16n8k8Map& mma_m16n8k8_map() {
  namespace wmma = nvcuda::wmma;
  static const MmaM16n8k8Map map = [] {
    MmaM16n8k8Map m{};
    for (int lane = 0; lane < 32; ++lane) {
      for (int i = 0; i < 4; ++i) {
        const auto pa = wmma::detail::position(wmma::matrix_a{}, lane, i);
        const auto pc = wmma::detail::position(wmma::accumulator{}, lane, i);
        m.a_row[lane][i] = pa.row, m.a_col[lane][i] = pa.col;
        m.c_row[lane][i] = pc.row, m.c_col[lane][i] = pc.col;
      }
      for (int i = 0; i < 2; ++i) {
        const auto pb = wmma::detail::position(wmma::matrix_b{}, lane, i);
        m.b_row[lane][i] = pb.row, m.b_col[lane][i] = pb.col;
      }
    }
    return m;
  }();
  return map;
}

// The emulator's arithmetic, not the kernel's: compiled without the sanitizers' checks, which on
// every access to the tiles below took three quarters of a tensor-core GEMM's time. The registers
// it reads and writes are the lanes' own locals, whose accesses the kernel's code checks.
__attribute__((no_sanitize("address", "undefined"))) inline const char* resolve_mma_m16n8k8(void* const lanes[32],
                                                                                            unsigned) {
  const MmaM16n8k8Map& map = mma_m16n8k8_map();
  float a[16][8], b[8][8], c[16][8];
  for (int lane = 0; lane < 32; ++lane) {
    const auto* me = static_cast<MmaM16n8k8Lane*>(lanes[lane]);
    for (int i = 0; i < 4; ++i) {
      a[map.a_row[lane][i]][map.a_col[lane][i]] = nvcuda::wmma::detail::tf32_input(me->a[i]);
      c[map.c_row[lane][i]][map.c_col[lane][i]] = me->d[i];
    }
    for (int i = 0; i < 2; ++i) b[map.b_row[lane][i]][map.b_col[lane][i]] = nvcuda::wmma::detail::tf32_input(me->b[i]);
  }
  for (int lane = 0; lane < 32; ++lane) {  // every lane's inputs are read before any d is written
    auto* me = static_cast<MmaM16n8k8Lane*>(lanes[lane]);
    for (int i = 0; i < 4; ++i) {
      const int row = map.c_row[lane][i], col = map.c_col[lane][i];
      float sum = c[row][col];
      for (int k = 0; k < 8; ++k) sum = std::fma(a[row][k], b[k][col], sum);
      me->d[i] = sum;
    }
  }
  return nullptr;
}

}  // namespace detail

// d += a·b for one m16n8k8 TF32 tile, every lane of the warp taking part.
inline void mma_m16n8k8_tf32(float (&d)[4], const float (&a)[4], const float (&b)[2], const char* file, int line) {
  detail::MmaM16n8k8Lane me{a, b, d};
  warp_collective("mma.sync.m16n8k8.tf32", file, line, 0xffffffffu, &me, &detail::resolve_mma_m16n8k8);
}

}  // namespace emu

#pragma once
// The few PTX instructions that CUDA C++ does not expose, each behind a device function so that
// the CUDA emulator can give it a body of its own (tests/emu/include/emu/ptx.h):
//   to_tf32            cvt.rna.tf32.f32: x rounded to TF32 (10 explicit mantissa bits), to nearest,
//                      ties away from zero; the result is a float whose low 13 mantissa bits are 0.
//   mma_m16n8k8_tf32   mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32: d += a·b for a 16×8 A,
//                      an 8×8 B and a 16×8 FP32 accumulator spread over the 32 lanes of a warp as
//                      the PTX ISA's fragment tables say (g = lane / 4, t = lane % 4):
//                        a[i] = A(g + 8·(i % 2), t + 4·(i / 2)),  b[i] = B(t + 4·i, g),
//                        d[i] = D(g + 8·(i / 2), 2·t + i % 2).
//                      Every lane of the warp must call it (it is warp-synchronous).
//   cp_async_f32       cp.async.ca.shared.global of one float, or a 0 when !valid (src-size 0: the
//                      source is not read); cp_async_commit / cp_async_wait<N>: the thread's copies
//                      so far form a group; wait until at most N of its groups are in flight.
//                      A copy is visible to other threads only after the wait and a barrier.
// Requires sm_80 or later (TF32 tensor cores, cp.async).
#include <cstdint>

namespace nst::ptx {

__device__ __forceinline__ float to_tf32(float x) {
#ifdef NST_EMULATED_PTX
  return ::emu::cvt_rna_tf32(x);
#else
  std::uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return __uint_as_float(r);
#endif
}

__device__ __forceinline__ void mma_m16n8k8_tf32(float (&d)[4], const float (&a)[4], const float (&b)[2]) {
#ifdef NST_EMULATED_PTX
  ::emu::mma_m16n8k8_tf32(d, a, b, __FILE__, __LINE__);
#else
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(__float_as_uint(a[0])), "r"(__float_as_uint(a[1])), "r"(__float_as_uint(a[2])), "r"(__float_as_uint(a[3])),
        "r"(__float_as_uint(b[0])), "r"(__float_as_uint(b[1])));
#endif
}

// `source` must be a valid address even when !valid (pass the tensor's base): it is not read then.
__device__ __forceinline__ void cp_async_f32(float* shared_destination, const float* source, bool valid) {
#ifdef NST_EMULATED_PTX
  ::emu::cp_async(shared_destination, source, 4, valid ? 4 : 0);
#else
  const auto destination = static_cast<std::uint32_t>(__cvta_generic_to_shared(shared_destination));
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;" ::"r"(destination), "l"(source), "r"(valid ? 4 : 0)
               : "memory");
#endif
}

__device__ __forceinline__ void cp_async_commit() {
#ifdef NST_EMULATED_PTX
  ::emu::cp_async_commit();
#else
  asm volatile("cp.async.commit_group;" ::: "memory");
#endif
}

template <int kPendingGroups>
__device__ __forceinline__ void cp_async_wait() {
#ifdef NST_EMULATED_PTX
  ::emu::cp_async_wait(kPendingGroups);
#else
  asm volatile("cp.async.wait_group %0;" ::"n"(kPendingGroups) : "memory");
#endif
}

}  // namespace nst::ptx

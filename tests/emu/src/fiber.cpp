#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#if defined(NST_EMU_ASAN) || defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define EMU_ASAN 1
#else
#define EMU_ASAN 0
#endif

// emu_switch_context(save, load): push the callee-saved registers and the x87/SSE control words,
// store the stack pointer in *save, load the stack pointer `load`, pop what is saved there, return
// into the code that saved it (or, for a fresh fiber, into its entry function).
extern "C" void emu_switch_context(void** save, void* load);
asm(R"(
  .text
  .globl emu_switch_context
  .type emu_switch_context, @function
emu_switch_context:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $16, %rsp
  fnstcw (%rsp)
  stmxcsr 8(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  fldcw (%rsp)
  ldmxcsr 8(%rsp)
  addq $16, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size emu_switch_context, .-emu_switch_context
  .section .note.GNU-stack,"",@progbits
  .text
)");

namespace emu {

namespace {

void* g_scheduler_sp = nullptr;  // the scheduler's stack while a fiber runs
#if EMU_ASAN
void* g_scheduler_fake_stack = nullptr;
const void* g_scheduler_stack_low = nullptr;
std::size_t g_scheduler_stack_size = 0;
#endif

}  // namespace

void fiber_prepare(Fiber& fiber, void (*entry)()) {
  // The initial frame, from the top of the stack down: a null return address for `entry` (which
  // never returns), `entry` for the final `ret`, six registers, and the two control words. After
  // the `ret` the stack pointer is 8 below a 16-byte boundary, as at any function's entry.
  auto top = reinterpret_cast<std::uintptr_t>(fiber.stack_low + fiber.stack_size) & ~std::uintptr_t(15);
#if EMU_ASAN
  // The frames of the stack's previous fiber that never returned (its entry function's, the
  // switch's) are still poisoned where their redzones were.
  constexpr std::size_t kTopFrames = 4096;
  __asan_unpoison_memory_region(fiber.stack_low + fiber.stack_size - kTopFrames, kTopFrames);
#endif
  auto* words = reinterpret_cast<std::uint64_t*>(top);
  words[-1] = 0;
  words[-2] = reinterpret_cast<std::uint64_t>(entry);
  for (int r = 3; r <= 8; ++r) words[-r] = 0;
  std::uint32_t mxcsr;
  std::uint16_t fpu_control;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpu_control));
  words[-10] = fpu_control;  // (%rsp): the x87 control word
  words[-9] = mxcsr;         // 8(%rsp): MXCSR
  fiber.saved_sp = &words[-10];
  fiber.fake_stack = nullptr;
}

void fiber_resume(Fiber& fiber) {
#if EMU_ASAN
  __sanitizer_start_switch_fiber(&g_scheduler_fake_stack, fiber.stack_low, fiber.stack_size);
#endif
  emu_switch_context(&g_scheduler_sp, fiber.saved_sp);
#if EMU_ASAN
  __sanitizer_finish_switch_fiber(g_scheduler_fake_stack, nullptr, nullptr);
#endif
}

void fiber_started(Fiber& fiber) {
#if EMU_ASAN
  __sanitizer_finish_switch_fiber(fiber.fake_stack, &g_scheduler_stack_low, &g_scheduler_stack_size);
#else
  (void)fiber;
#endif
}

void fiber_yield(Fiber& fiber) {
#if EMU_ASAN
  __sanitizer_start_switch_fiber(&fiber.fake_stack, g_scheduler_stack_low, g_scheduler_stack_size);
#endif
  emu_switch_context(&fiber.saved_sp, g_scheduler_sp);
#if EMU_ASAN
  __sanitizer_finish_switch_fiber(fiber.fake_stack, &g_scheduler_stack_low, &g_scheduler_stack_size);
#endif
}

void fiber_exit(Fiber& fiber) {
#if EMU_ASAN
  __sanitizer_start_switch_fiber(nullptr, g_scheduler_stack_low, g_scheduler_stack_size);
#endif
  emu_switch_context(&fiber.saved_sp, g_scheduler_sp);
}

void fiber_forget_stack(Fiber& fiber) {
#if EMU_ASAN
  __asan_unpoison_memory_region(fiber.stack_low, fiber.stack_size);
#else
  (void)fiber;
#endif
}

FiberStacks::FiberStacks(std::size_t stack_size) : stack_size_(stack_size) {}

FiberStacks::~FiberStacks() {
  if (region_) munmap(region_, region_bytes_);
}

void FiberStacks::assign(Fiber& fiber, std::size_t i) {
  static const std::size_t page = std::size_t(sysconf(_SC_PAGESIZE));
  const std::size_t slot = stack_size_ + page;  // a guard page below each stack
  if (i >= count_) {
    // Room for 1024 threads (CUDA's limit per block), reserved once; pages are touched lazily.
    constexpr std::size_t kMaxThreads = 1024;
    if (region_ == nullptr) {
      region_bytes_ = slot * kMaxThreads;
      void* p =
          mmap(nullptr, region_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED) {
        std::fprintf(stderr, "nst CUDA emulator: cannot reserve %zu bytes of fiber stacks\n", region_bytes_);
        std::abort();
      }
      region_ = static_cast<char*>(p);
      for (std::size_t s = 0; s < kMaxThreads; ++s) mprotect(region_ + s * slot, page, PROT_NONE);
      count_ = kMaxThreads;
    }
    if (i >= count_) {
      std::fprintf(stderr, "nst CUDA emulator: more than 1024 threads in a block\n");
      std::abort();
    }
  }
  fiber.stack_low = region_ + i * slot + page;
  fiber.stack_size = stack_size_;
}

}  // namespace emu

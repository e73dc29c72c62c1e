#pragma once
// Fibers for the emulator's GPU threads: each thread of a block runs on its own stack, and a
// barrier or a warp operation switches back to the scheduler, which resumes the thread later.
// The switch saves the callee-saved registers of the x86-64 System V ABI and the FPU/SSE control
// words, and nothing else (no signal mask, no system call): a few nanoseconds. Under
// AddressSanitizer every switch is announced to it, so that it follows the stacks.
#include <cstddef>

namespace emu {

class FiberStacks;

struct Fiber {
  void* saved_sp = nullptr;   // where the fiber's registers were pushed when it last switched out
  char* stack_low = nullptr;  // its stack: [stack_low, stack_low + stack_size)
  std::size_t stack_size = 0;
  void* fake_stack = nullptr;  // AddressSanitizer's bookkeeping for the suspended fiber
};

// Makes `fiber` start at `entry` (a function that never returns) on its next resume.
void fiber_prepare(Fiber& fiber, void (*entry)());

// From the scheduler: runs `fiber` until it calls fiber_yield() or fiber_exit().
void fiber_resume(Fiber& fiber);

// From inside a fiber: back to the scheduler; returns when the scheduler resumes this fiber.
void fiber_yield(Fiber& fiber);

// From inside a fiber that has finished: back to the scheduler for good. (Deliberately not
// declared [[noreturn]]: before a call to a noreturn function AddressSanitizer clears the shadow
// of the whole stack, a 32 KiB memset per thread.)
void fiber_exit(Fiber& fiber);

// Called first thing by a fiber's entry function.
void fiber_started(Fiber& fiber);

// After a fiber was abandoned mid-run (an error ended its block), clears what AddressSanitizer
// remembers of its stack before the stack is used again.
void fiber_forget_stack(Fiber& fiber);

// A pool of stacks with a guard page below each, reused from block to block.
class FiberStacks {
 public:
  explicit FiberStacks(std::size_t stack_size);
  ~FiberStacks();
  FiberStacks(const FiberStacks&) = delete;
  FiberStacks& operator=(const FiberStacks&) = delete;
  // Gives `fiber` the stack of index `i` (allocating more when needed).
  void assign(Fiber& fiber, std::size_t i);

 private:
  std::size_t stack_size_;
  std::size_t count_ = 0;
  char* region_ = nullptr;
  std::size_t region_bytes_ = 0;
};

}  // namespace emu

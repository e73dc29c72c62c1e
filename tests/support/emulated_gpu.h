#pragma once
// The CUDA tests' sizes under the emulator (NST_CUDA=EMU, tests/emu/README.md). There a GPU thread
// costs about a microsecond rather than a nanosecond, and the race check runs every launch three
// times, so the few tests that work at VGG19's real sizes take a smaller one: the same channels
// (so the same reduction lengths, on which the rounding bounds depend, and the same tiles along
// them), fewer pixels. On a GPU every test keeps its full size.
namespace nst::testing {

#ifdef NST_CUDA_EMULATOR
constexpr bool kEmulatedGpu = true;
#else
constexpr bool kEmulatedGpu = false;
#endif

// `gpu` on a GPU, `emulated` under the emulator.
template <class T>
T gpu_or_emulated(const T& gpu, const T& emulated) {
  return kEmulatedGpu ? emulated : gpu;
}

}  // namespace nst::testing

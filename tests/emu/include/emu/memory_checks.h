#pragma once
// What the engine's caching allocator tells the emulator (engine/cuda/caching_allocator.cpp, only
// when built with NST_CUDA=EMU).
#include <cstddef>

namespace emu {

// `bytes` of the device block `block` (`block_bytes` long, as cudaMalloc gave it) are handed out
// to a tensor: they are filled with NaN, as fresh device memory is on the emulator, and under
// AddressSanitizer the rest of the block becomes unaddressable, so that an access just past the
// tensor is caught although the block is larger.
void device_block_handed_out(void* block, std::size_t bytes, std::size_t block_bytes);

}  // namespace emu

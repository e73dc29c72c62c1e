#pragma once
// What CudaGraph (engine/cuda/cuda_graph.cpp) tells the caching allocator: a block freed while a
// graph records stays out of reuse for as long as that graph lives, since each replay still uses
// it (engine/cuda/block_cache.h).
#include <cstdint>

namespace nst {

void cuda_allocator_begin_capture();                            // blocks freed from now on are held
std::uint64_t cuda_allocator_end_capture();                     // stop; the hold's id, 0 if nothing was freed
void cuda_allocator_release_hold(std::uint64_t hold) noexcept;  // the graph is gone: its blocks return to reuse

}  // namespace nst

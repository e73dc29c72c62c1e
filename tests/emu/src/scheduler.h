#pragma once
// The emulator's execution of one launch: the blocks one after another, the threads of each block
// as fibers, resumed in a chosen order between the points where they wait for each other.
#include <cstdint>
#include <functional>
#include <string>

#include "emu/launch.h"

namespace emu {

// The order in which the scheduler resumes the runnable threads of a block (and takes the blocks
// of a grid): a kernel whose result depends on it has a race.
enum class Order { forward, reverse, shuffled };
const char* to_string(Order order);

// Why `config` cannot launch (CUDA's limits on grid and block), or "" if it can.
std::string invalid_configuration(const LaunchConfig& config);

// Runs every thread of the grid; returns "" or what went wrong, naming the kernel, the block and
// the threads (barrier divergence, deadlock, an invalid warp operation).
std::string run_grid(const LaunchConfig& config, const std::function<void()>& thread, Order order, std::uint64_t seed);

}  // namespace emu

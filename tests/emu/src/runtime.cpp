// The CUDA runtime API over host memory (include/cuda_runtime.h), and the launches it runs.
//
// Device memory: each cudaMalloc is its own host allocation of exactly the bytes asked for (so
// AddressSanitizer sees an access past its end), filled with NaN as the GPU's would be garbage,
// and counted against a device budget (NST_EMU_DEVICE_MEMORY_MIB, default 16384).
// One stream model: work runs when it is issued, in order; while a stream is captured, launches,
// copies and memsets are recorded as closures instead, and a graph launch runs them again.
// Launches (NST_EMU_ORDER): `forward`, `reverse` or `shuffled` run the threads of each barrier
// interval (and the blocks of the grid) in that order; `compare`, the default, runs a launch in
// all three from the same starting memory and requires the same bits in every allocation the
// kernel's arguments point into and in every __device__ variable — a result that depends on the
// order of the threads is a race. A loop launches the same kernel with the same geometry from the
// same line thousands of times, so `compare` checks the first such launch and runs the later
// ones in the shuffled order alone, each with a seed of its own. NST_EMU_SEED (default 1) seeds the shuffled orders.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#if defined(NST_EMU_ASAN)
#include <sanitizer/asan_interface.h>
#endif

#include "cuda_runtime.h"
#include "emu/launch.h"
#include "emu/memory_checks.h"
#include "scheduler.h"

struct CUgraph_st {
  std::vector<std::function<void()>> nodes;
};
struct CUgraphExec_st {
  std::vector<std::function<void()>> nodes;
};
struct CUstream_st {
  bool capturing = false;
  bool invalidated = false;  // something that cannot be recorded happened during the capture
  CUgraph_st* graph = nullptr;
};
struct CUevent_st {
  std::chrono::steady_clock::time_point time;
};

namespace emu {

namespace {

struct Region {
  unsigned char* data;
  std::size_t bytes;
};

std::map<unsigned char*, std::size_t> g_allocations;  // base → bytes
// base → the bytes of it that the caching allocator handed out last; the rest is fenced off
// (device_block_handed_out), so the race check copies and compares only these.
std::map<unsigned char*, std::size_t> g_handed_out;
std::size_t g_allocated_bytes = 0;
std::vector<Region>& device_variables() {
  static std::vector<Region> variables;
  return variables;
}
CUstream_st g_default_stream;
std::vector<CUstream_st*> g_streams;
cudaError_t g_last_error = cudaSuccess;
std::string g_failure_message = "unspecified launch failure";

std::size_t device_budget() {
  const char* mib = std::getenv("NST_EMU_DEVICE_MEMORY_MIB");
  return (mib ? std::strtoull(mib, nullptr, 10) : 16384ull) << 20;
}

struct OrderSetting {
  bool compare = true;
  Order order = Order::forward;
  std::uint64_t seed = 1;
};

const OrderSetting& order_setting() {
  static const OrderSetting setting = [] {
    OrderSetting s;
    if (const char* seed = std::getenv("NST_EMU_SEED")) s.seed = std::strtoull(seed, nullptr, 10);
    const std::string order = std::getenv("NST_EMU_ORDER") ? std::getenv("NST_EMU_ORDER") : "compare";
    s.compare = order == "compare";
    if (order == "reverse") s.order = Order::reverse;
    if (order == "shuffled") s.order = Order::shuffled;
    if (!s.compare && order != "forward" && order != "reverse" && order != "shuffled") {
      std::fprintf(stderr, "nst CUDA emulator: NST_EMU_ORDER=%s is not forward, reverse, shuffled or compare\n",
                   order.c_str());
      std::exit(2);
    }
    return s;
  }();
  return setting;
}

void fill_with_nan(unsigned char* p, std::size_t bytes) {
  const std::uint32_t nan_bits = 0x7fffffffu;
  for (std::size_t i = 0; i + 4 <= bytes; i += 4) std::memcpy(p + i, &nan_bits, 4);
}

CUstream_st* resolve(cudaStream_t stream) { return stream ? stream : &g_default_stream; }

bool any_capture() {
  if (g_default_stream.capturing) return true;
  for (const CUstream_st* s : g_streams)
    if (s->capturing) return true;
  return false;
}

cudaError_t fail_with(cudaError_t error) {
  g_last_error = error;
  return error;
}

// An operation that cannot be recorded: it invalidates every capture in progress.
cudaError_t refuse_during_capture() {
  if (g_default_stream.capturing) g_default_stream.invalidated = true;
  for (CUstream_st* s : g_streams)
    if (s->capturing) s->invalidated = true;
  return fail_with(cudaErrorStreamCaptureUnsupported);
}

// The allocation that holds [p, p + bytes), or null.
const std::pair<unsigned char* const, std::size_t>* allocation_holding(const void* p, std::size_t bytes) {
  auto* address = static_cast<unsigned char*>(const_cast<void*>(p));
  auto it = g_allocations.upper_bound(address);
  if (it == g_allocations.begin()) return nullptr;
  --it;
  if (address + bytes > it->first + it->second) return nullptr;
  return &*it;
}

void report_failure(const std::string& what) {
  g_failure_message = "unspecified launch failure (nst CUDA emulator: " + what + ")";
  g_last_error = cudaErrorLaunchFailure;
  std::fprintf(stderr, "nst CUDA emulator: %s\n", what.c_str());
}

// Every region the launch may write: the allocations its arguments point into (a conservative
// scan of the argument bytes for addresses) and every __device__ variable.
std::vector<Region> regions_of(const void* arguments, std::size_t bytes) {
  std::vector<Region> regions = device_variables();
  const auto* words = static_cast<const unsigned char*>(arguments);
  for (std::size_t i = 0; i + sizeof(void*) <= bytes; i += sizeof(void*)) {
    void* candidate;
    std::memcpy(&candidate, words + i, sizeof candidate);
    if (const auto* a = allocation_holding(candidate, 1)) {
      const bool known =
          std::any_of(regions.begin(), regions.end(), [&](const Region& r) { return r.data == a->first; });
      const auto handed_out = g_handed_out.find(a->first);
      if (!known)
        regions.push_back(Region{a->first, handed_out != g_handed_out.end() ? handed_out->second : a->second});
    }
  }
  return regions;
}

std::vector<std::vector<unsigned char>> copy_of(const std::vector<Region>& regions) {
  std::vector<std::vector<unsigned char>> copy;
  for (const Region& r : regions) copy.emplace_back(r.data, r.data + r.bytes);
  return copy;
}

void restore(const std::vector<Region>& regions, const std::vector<std::vector<unsigned char>>& copy) {
  for (std::size_t i = 0; i < regions.size(); ++i) std::memcpy(regions[i].data, copy[i].data(), regions[i].bytes);
}

// "" if every region holds `expected`, else where the first difference is.
std::string first_difference(const std::vector<Region>& regions,
                             const std::vector<std::vector<unsigned char>>& expected) {
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const Region& r = regions[i];
    if (std::memcmp(r.data, expected[i].data(), r.bytes) == 0) continue;
    std::size_t at = 0;
    while (r.data[at] == expected[i][at]) ++at;
    at -= at % 4;
    float now = 0, before = 0;
    if (at + 4 <= r.bytes) {
      std::memcpy(&now, r.data + at, 4);
      std::memcpy(&before, expected[i].data() + at, 4);
    }
    std::ostringstream out;
    out << "byte " << at << " of a " << r.bytes << "-byte region holds " << before << " after the forward order and "
        << now;
    return out.str();
  }
  return "";
}

// How often a launch of a (kernel, line, grid, block) has been checked in all three orders.
constexpr int kComparedRepeats = 1;
int& compared_launches(const LaunchConfig& c) {
  static std::map<std::string, int> counts;
  std::ostringstream key;
  key << c.kernel << '@' << c.file << ':' << c.line << ' ' << c.grid.x << ',' << c.grid.y << ',' << c.grid.z << ' '
      << c.block.x << ',' << c.block.y << ',' << c.block.z;
  return counts[key.str()];
}

void execute(const LaunchConfig& config, const std::function<void()>& thread,
             const std::vector<unsigned char>& arguments) {
  static std::uint64_t launches = 0;
  const OrderSetting& setting = order_setting();
  const std::uint64_t seed = setting.seed * 0x9e3779b97f4a7c15ull + ++launches;
  if (!setting.compare || compared_launches(config) >= kComparedRepeats) {
    const std::string problem = run_grid(config, thread, setting.compare ? Order::shuffled : setting.order, seed);
    if (!problem.empty()) report_failure(problem);
    return;
  }
  ++compared_launches(config);
  const std::vector<Region> regions = regions_of(arguments.data(), arguments.size());
  const auto before = copy_of(regions);
  std::string problem = run_grid(config, thread, Order::forward, seed);
  if (!problem.empty()) return report_failure(problem);
  const auto forward = copy_of(regions);
  for (Order order : {Order::reverse, Order::shuffled}) {
    restore(regions, before);
    problem = run_grid(config, thread, order, seed);
    if (!problem.empty()) return report_failure(problem);
    const std::string difference = first_difference(regions, forward);
    if (!difference.empty()) {
      std::ostringstream out;
      out << config.kernel << " (launched at " << config.file << ":" << config.line
          << "): a race — the result depends on the order of the threads: " << difference << " after the "
          << to_string(order) << " order";
      return report_failure(out.str());
    }
  }
}

// Runs `work` now, or records it while `stream` is captured.
cudaError_t issue(cudaStream_t stream, std::function<void()> work) {
  CUstream_st* s = resolve(stream);
  if (s->capturing)
    s->graph->nodes.push_back(std::move(work));
  else
    work();
  return cudaSuccess;
}

}  // namespace

void submit(const LaunchConfig& config, std::function<void()> thread, const void* arguments,
            std::size_t argument_bytes) {
  const std::string invalid = invalid_configuration(config);
  if (!invalid.empty()) {
    g_failure_message = "invalid configuration argument (" + std::string(config.kernel) + ": " + invalid + ")";
    fail_with(cudaErrorInvalidConfiguration);
    if (resolve(config.stream)->capturing) resolve(config.stream)->invalidated = true;
    return;
  }
  const auto* bytes = static_cast<const unsigned char*>(arguments);
  std::vector<unsigned char> copied(bytes, bytes + argument_bytes);
  issue(config.stream, [config, thread = std::move(thread), copied] { execute(config, thread, copied); });
}

void device_block_handed_out(void* block, std::size_t bytes, std::size_t block_bytes) {
  auto* base = static_cast<unsigned char*>(block);
  g_handed_out[base] = bytes;
#if defined(NST_EMU_ASAN)
  __asan_unpoison_memory_region(base, bytes);
  __asan_poison_memory_region(base + bytes, block_bytes - bytes);
#else
  (void)block_bytes;
#endif
  fill_with_nan(base, bytes);
}

bool device_variable_declared(void* variable, std::size_t bytes, const char*) {
  device_variables().push_back(Region{static_cast<unsigned char*>(variable), bytes});
  return true;
}

}  // namespace emu

using namespace emu;

cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) { return device == 0 ? cudaSuccess : fail_with(cudaErrorInvalidDevice); }

cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device != 0) return fail_with(cudaErrorInvalidDevice);
  *prop = cudaDeviceProp{};
  std::snprintf(prop->name, sizeof prop->name, "nst CUDA emulator (CPU)");
  prop->totalGlobalMem = device_budget();
  prop->sharedMemPerBlock = 48 * 1024;
  prop->warpSize = 32;
  prop->maxThreadsPerBlock = 1024;
  prop->maxThreadsDim[0] = prop->maxThreadsDim[1] = 1024;
  prop->maxThreadsDim[2] = 64;
  prop->maxGridSize[0] = 2147483647;
  prop->maxGridSize[1] = prop->maxGridSize[2] = 65535;
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = 1;
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() { return any_capture() ? refuse_during_capture() : cudaSuccess; }

cudaError_t cudaMemGetInfo(std::size_t* free_bytes, std::size_t* total_bytes) {
  *total_bytes = device_budget();
  *free_bytes = *total_bytes - g_allocated_bytes;
  return cudaSuccess;
}

cudaError_t cudaGetLastError() {
  const cudaError_t error = g_last_error;
  g_last_error = cudaSuccess;
  return error;
}

cudaError_t cudaPeekAtLastError() { return g_last_error; }

const char* cudaGetErrorName(cudaError_t error) {
  switch (error) {
    case cudaSuccess:
      return "cudaSuccess";
    case cudaErrorInvalidValue:
      return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation:
      return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration:
      return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidDevicePointer:
      return "cudaErrorInvalidDevicePointer";
    case cudaErrorNoDevice:
      return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice:
      return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle:
      return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady:
      return "cudaErrorNotReady";
    case cudaErrorIllegalAddress:
      return "cudaErrorIllegalAddress";
    case cudaErrorMisalignedAddress:
      return "cudaErrorMisalignedAddress";
    case cudaErrorLaunchFailure:
      return "cudaErrorLaunchFailure";
    case cudaErrorStreamCaptureUnsupported:
      return "cudaErrorStreamCaptureUnsupported";
    case cudaErrorStreamCaptureInvalidated:
      return "cudaErrorStreamCaptureInvalidated";
    case cudaErrorStreamCaptureUnmatched:
      return "cudaErrorStreamCaptureUnmatched";
    case cudaErrorStreamCaptureWrongThread:
      return "cudaErrorStreamCaptureWrongThread";
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess:
      return "no error";
    case cudaErrorInvalidValue:
      return "invalid argument";
    case cudaErrorMemoryAllocation:
      return "out of memory";
    case cudaErrorInvalidConfiguration:
      return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer:
      return "invalid device pointer";
    case cudaErrorNoDevice:
      return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice:
      return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle:
      return "invalid resource handle";
    case cudaErrorNotReady:
      return "device not ready";
    case cudaErrorIllegalAddress:
      return "an illegal memory access was encountered";
    case cudaErrorMisalignedAddress:
      return "misaligned address";
    case cudaErrorLaunchFailure:
      return g_failure_message.c_str();
    case cudaErrorStreamCaptureUnsupported:
      return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated:
      return "operation failed due to a previous error during capture";
    case cudaErrorStreamCaptureUnmatched:
      return "operation not permitted on an event last recorded in a capturing stream";
    case cudaErrorStreamCaptureWrongThread:
      return "capture was not ended on the thread that began it";
  }
  return "unknown error";
}

cudaError_t cudaMalloc(void** ptr, std::size_t bytes) {
  *ptr = nullptr;
  if (any_capture()) return refuse_during_capture();
  if (bytes == 0) return cudaSuccess;
  if (g_allocated_bytes + bytes > device_budget()) return fail_with(cudaErrorMemoryAllocation);
  void* p = nullptr;
  if (posix_memalign(&p, 256, bytes) != 0) return fail_with(cudaErrorMemoryAllocation);
  auto* base = static_cast<unsigned char*>(p);
  fill_with_nan(base, bytes);
  g_allocations[base] = bytes;
  g_allocated_bytes += bytes;
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  const auto it = g_allocations.find(static_cast<unsigned char*>(ptr));
  if (it == g_allocations.end()) return fail_with(cudaErrorInvalidDevicePointer);
  g_allocated_bytes -= it->second;
  g_allocations.erase(it);
  g_handed_out.erase(static_cast<unsigned char*>(ptr));
  std::free(ptr);
  return cudaSuccess;
}

namespace {

// A copy's device side must lie inside one allocation, as the GPU's would fault otherwise.
bool valid_copy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind) {
  const bool device_dst = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool device_src = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  return (!device_dst || allocation_holding(dst, bytes)) && (!device_src || allocation_holding(src, bytes));
}

}  // namespace

cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
  if (bytes == 0) return cudaSuccess;
  if (!valid_copy(dst, src, bytes, kind)) return fail_with(cudaErrorInvalidValue);
  return issue(stream, [dst, src, bytes] { std::memcpy(dst, src, bytes); });
}

cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind) {
  if (any_capture()) return refuse_during_capture();
  return cudaMemcpyAsync(dst, src, bytes, kind, nullptr);
}

cudaError_t cudaMemsetAsync(void* ptr, int value, std::size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return cudaSuccess;
  if (!allocation_holding(ptr, bytes)) return fail_with(cudaErrorInvalidValue);
  return issue(stream, [ptr, value, bytes] { std::memset(ptr, value, bytes); });
}

cudaError_t cudaMemset(void* ptr, int value, std::size_t bytes) {
  if (any_capture()) return refuse_during_capture();
  return cudaMemsetAsync(ptr, value, bytes, nullptr);
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, cudaStreamDefault); }

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned) {
  *stream = new CUstream_st();
  g_streams.push_back(*stream);
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  const auto it = std::find(g_streams.begin(), g_streams.end(), stream);
  if (it == g_streams.end()) return fail_with(cudaErrorInvalidResourceHandle);
  g_streams.erase(it);
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  return resolve(stream)->capturing ? refuse_during_capture() : cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  *event = new CUevent_st();
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  return issue(stream, [event] { event->time = std::chrono::steady_clock::now(); });
}

cudaError_t cudaEventSynchronize(cudaEvent_t) { return any_capture() ? refuse_during_capture() : cudaSuccess; }

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  *ms = std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return cudaSuccess;
}

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode) {
  CUstream_st* s = resolve(stream);
  if (s->capturing) return fail_with(cudaErrorInvalidValue);
  s->capturing = true;
  s->invalidated = false;
  s->graph = new CUgraph_st();
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  CUstream_st* s = resolve(stream);
  *graph = nullptr;
  if (!s->capturing) return fail_with(cudaErrorInvalidValue);
  s->capturing = false;
  if (s->invalidated) {
    delete s->graph;
    s->graph = nullptr;
    return fail_with(cudaErrorStreamCaptureInvalidated);
  }
  *graph = s->graph;
  s->graph = nullptr;
  return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  const CUstream_st* s = resolve(stream);
  *status = !s->capturing ? cudaStreamCaptureStatusNone
                          : (s->invalidated ? cudaStreamCaptureStatusInvalidated : cudaStreamCaptureStatusActive);
  return cudaSuccess;
}

cudaError_t cudaGraphGetNodes(cudaGraph_t graph, void** nodes, std::size_t* count) {
  if (graph == nullptr || nodes != nullptr) return fail_with(cudaErrorInvalidValue);  // only the count is modelled
  *count = graph->nodes.size();
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  if (graph == nullptr) return fail_with(cudaErrorInvalidValue);
  *exec = new CUgraphExec_st{graph->nodes};
  return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (exec == nullptr) return fail_with(cudaErrorInvalidValue);
  return issue(stream, [exec] {
    for (const auto& node : exec->nodes) node();
  });
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}

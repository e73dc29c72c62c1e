// The emulator's own tests: what it must compute (warp shuffles, votes, barriers' counts, WMMA
// and mma.sync.m16n8k8 against the PTX fragment tables and a plain matrix product, cp.async's
// deferred landing) and what it must refuse, each with the report that names the fault
// (tests/emu/README.md). Kernels with deliberate faults live here
// only. Built and run in the emulated configuration alone (ctest -L emu).
#include <mma.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

// --- kernels ------------------------------------------------------------------------------------

__global__ void shuffles_kernel(int* out) {
  const int lane = int(threadIdx.x);
  out[0 * 32 + lane] = __shfl_sync(0xffffffffu, lane * 10, 3);
  out[1 * 32 + lane] = __shfl_down_sync(0xffffffffu, lane, 5);
  out[2 * 32 + lane] = __shfl_up_sync(0xffffffffu, lane, 2);
  out[3 * 32 + lane] = __shfl_xor_sync(0xffffffffu, lane, 1);
  out[4 * 32 + lane] = __shfl_down_sync(0xffffffffu, lane, 1, 8);  // segments of 8 lanes
  out[5 * 32 + lane] = int(__ballot_sync(0xffffffffu, lane % 3 == 0));
  out[6 * 32 + lane] = __syncthreads_count(lane < 20);
}

__global__ void divergent_barrier_kernel() {
  if (threadIdx.x < 32) __syncthreads();
}

__global__ void two_barriers_kernel() {
  if (threadIdx.x % 2 == 0)
    __syncthreads();
  else
    __syncthreads();
}

__global__ void mask_leaves_out_caller_kernel(float* out) { out[threadIdx.x] = __shfl_down_sync(0x7fffffffu, 1.0f, 1); }

__global__ void shuffle_with_exited_lane_kernel(float* out) {
  if (threadIdx.x == 5) return;
  out[threadIdx.x] = __shfl_sync(0xffffffffu, 1.0f, 0);
}

__global__ void deadlock_kernel(float* out) {
  if (threadIdx.x == 0)
    out[0] = __shfl_sync(0x3u, 1.0f, 1);  // lane 1 never comes: it waits at the barrier
  else
    __syncthreads();
}

__global__ void racy_kernel(int* out) { out[0] = int(threadIdx.x + blockIdx.x * blockDim.x); }

__global__ void reads_unwritten_shared_kernel(float* out) {
  __shared__ float tile[64];
  if (threadIdx.x < 32) tile[threadIdx.x] = 1.0f;
  __syncthreads();
  out[threadIdx.x] = tile[threadIdx.x];  // threads 32–63 read what nobody wrote
}

__global__ void nothing_kernel() {}

namespace wmma = nvcuda::wmma;
using FragmentA = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
using FragmentB = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
using Accumulator = wmma::fragment<wmma::accumulator, 16, 16, 8, float>;

// Each lane's fragment elements, as loaded: out[(lane · 16) + i] (A: i < 4, B: 4 + i, C: 8 + i).
__global__ void fragment_map_kernel(const float* a, const float* b, const float* c, float* out) {
  FragmentA fa;
  FragmentB fb;
  Accumulator fc;
  wmma::load_matrix_sync(fa, a, 8);
  wmma::load_matrix_sync(fb, b, 16);
  wmma::load_matrix_sync(fc, c, 16, wmma::mem_row_major);
  for (int i = 0; i < 4; ++i) out[threadIdx.x * 16 + i] = fa.x[i];
  for (int i = 0; i < 4; ++i) out[threadIdx.x * 16 + 4 + i] = fb.x[i];
  for (int i = 0; i < 8; ++i) out[threadIdx.x * 16 + 8 + i] = fc.x[i];
}

__global__ void mma_kernel(const float* a, const float* b, float* d) {
  FragmentA fa;
  FragmentB fb;
  Accumulator acc;
  wmma::fill_fragment(acc, 0.5f);
  wmma::load_matrix_sync(fa, a, 8);
  wmma::load_matrix_sync(fb, b, 16);
  wmma::mma_sync(acc, fa, fb, acc);
  wmma::store_matrix_sync(d, acc, 16, wmma::mem_row_major);
}

__global__ void misaligned_wmma_kernel(const float* a) {
  FragmentA fa;
  wmma::load_matrix_sync(fa, a + 1, 8);
}

// mma.sync.m16n8k8 .tf32 (emu/ptx.h): each lane gathers its registers from row-major A (16×8),
// B (8×8) and C (16×8) by the PTX ISA's fragment tables, written out here independently of the
// emulator: g = lane / 4, t = lane % 4; a[i] = A(g + 8·(i % 2), t + 4·(i / 2)), b[i] = B(t + 4·i, g),
// c[i] = C(g + 8·(i / 2), 2·t + i % 2); D is scattered back by C's table.
__global__ void mma_m16n8k8_kernel(const float* a, const float* b, const float* c, float* d) {
  const int g = int(threadIdx.x) / 4, t = int(threadIdx.x) % 4;
  const float fa[4] = {a[g * 8 + t], a[(g + 8) * 8 + t], a[g * 8 + t + 4], a[(g + 8) * 8 + t + 4]};
  const float fb[2] = {b[t * 8 + g], b[(t + 4) * 8 + g]};
  float fd[4] = {c[g * 8 + 2 * t], c[g * 8 + 2 * t + 1], c[(g + 8) * 8 + 2 * t], c[(g + 8) * 8 + 2 * t + 1]};
  emu::mma_m16n8k8_tf32(fd, fa, fb, __FILE__, __LINE__);
  d[g * 8 + 2 * t] = fd[0], d[g * 8 + 2 * t + 1] = fd[1], d[(g + 8) * 8 + 2 * t] = fd[2];
  d[(g + 8) * 8 + 2 * t + 1] = fd[3];
}

// cp.async lands only at the wait that retires its group: what the stage holds before, between and
// after the waits.
__global__ void cp_async_kernel(const float* source, float* out) {
  __shared__ float stage[3];
  stage[2] = 7.0f;
  emu::cp_async(&stage[0], &source[0], 4, 4);
  emu::cp_async_commit();
  emu::cp_async(&stage[1], &source[1], 4, 4);
  emu::cp_async(&stage[2], &source[2], 4, 0);  // zero fill: source not read
  emu::cp_async_commit();
  out[0] = stage[0], out[1] = stage[1], out[2] = stage[2];  // nothing landed: NaN, NaN, 7
  emu::cp_async_wait(1);
  out[3] = stage[0], out[4] = stage[1], out[5] = stage[2];  // the first group: source[0], NaN, 7
  emu::cp_async_wait(0);
  out[6] = stage[0], out[7] = stage[1], out[8] = stage[2];  // all: source[0], source[1], 0
}

// --- helpers ------------------------------------------------------------------------------------

template <class T>
T* device_array(std::size_t n) {
  void* p = nullptr;
  EXPECT_EQ(cudaMalloc(&p, n * sizeof(T)), cudaSuccess);
  return static_cast<T*>(p);
}

template <class T>
std::vector<T> to_host(const T* device, std::size_t n) {
  std::vector<T> host(n);
  EXPECT_EQ(cudaMemcpy(host.data(), device, n * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
  return host;
}

// The message of the launch failure that the last launch left, or "" if it succeeded.
std::string launch_failure() {
  const cudaError_t status = cudaGetLastError();
  return status == cudaSuccess ? "" : cudaGetErrorString(status);
}

// --- what it computes ---------------------------------------------------------------------------

TEST(Emulator, ShufflesVotesAndBarrierCountsFollowCuda) {
  int* out = device_array<int>(7 * 32);
  shuffles_kernel<<<1, 32>>>(out);
  ASSERT_EQ(launch_failure(), "");
  const std::vector<int> r = to_host(out, 7 * 32);
  unsigned ballot = 0;
  for (int lane = 0; lane < 32; lane += 3) ballot |= 1u << lane;
  for (int lane = 0; lane < 32; ++lane) {
    EXPECT_EQ(r[0 * 32 + lane], 30) << lane;
    EXPECT_EQ(r[1 * 32 + lane], lane + 5 < 32 ? lane + 5 : lane) << lane;
    EXPECT_EQ(r[2 * 32 + lane], lane >= 2 ? lane - 2 : lane) << lane;
    EXPECT_EQ(r[3 * 32 + lane], lane ^ 1) << lane;
    EXPECT_EQ(r[4 * 32 + lane], lane % 8 < 7 ? lane + 1 : lane) << lane;
    EXPECT_EQ(unsigned(r[5 * 32 + lane]), ballot) << lane;
    EXPECT_EQ(r[6 * 32 + lane], 20) << lane;
  }
  cudaFree(out);
}

TEST(Emulator, WmmaFragmentsFollowThePtxTables) {
  // Element values that name their position: A(r, c) = 100·r + c, B likewise, C = 1000 + ….
  std::vector<float> a(16 * 8), b(8 * 16), c(16 * 16);
  for (int r = 0; r < 16; ++r)
    for (int k = 0; k < 8; ++k) a[r * 8 + k] = float(100 * r + k);
  for (int k = 0; k < 8; ++k)
    for (int n = 0; n < 16; ++n) b[k * 16 + n] = float(100 * k + n);
  for (int r = 0; r < 16; ++r)
    for (int n = 0; n < 16; ++n) c[r * 16 + n] = float(1000 + 100 * r + n);
  float *da = device_array<float>(a.size()), *db = device_array<float>(b.size()), *dc = device_array<float>(c.size());
  float* out = device_array<float>(32 * 16);
  cudaMemcpy(da, a.data(), a.size() * 4, cudaMemcpyHostToDevice);
  cudaMemcpy(db, b.data(), b.size() * 4, cudaMemcpyHostToDevice);
  cudaMemcpy(dc, c.data(), c.size() * 4, cudaMemcpyHostToDevice);
  fragment_map_kernel<<<1, 32>>>(da, db, dc, out);
  ASSERT_EQ(launch_failure(), "");
  const std::vector<float> r = to_host(out, 32 * 16);
  // PTX ISA, mma.m16n8k8 .tf32: groupID = lane >> 2, threadID_in_group = lane % 4;
  // A: row g (a0, a2) or g + 8 (a1, a3), column t (a0, a1) or t + 4 (a2, a3);
  // B: row t (b0) or t + 4 (b1), column g; C: row g (c0, c1) or g + 8 (c2, c3), column 2t + (i & 1).
  for (int lane = 0; lane < 32; ++lane) {
    const int g = lane >> 2, t = lane % 4;
    const float* f = &r[lane * 16];
    EXPECT_EQ(f[0], 100 * g + t) << lane;
    EXPECT_EQ(f[1], 100 * (g + 8) + t) << lane;
    EXPECT_EQ(f[2], 100 * g + t + 4) << lane;
    EXPECT_EQ(f[3], 100 * (g + 8) + t + 4) << lane;
    for (int half = 0; half < 2; ++half) {  // two m16n8k8 B and C fragments along N
      EXPECT_EQ(f[4 + 2 * half], 100 * t + g + 8 * half) << lane;
      EXPECT_EQ(f[5 + 2 * half], 100 * (t + 4) + g + 8 * half) << lane;
      for (int i = 0; i < 4; ++i)
        EXPECT_EQ(f[8 + 4 * half + i], 1000 + 100 * (g + 8 * (i / 2)) + 8 * half + 2 * t + (i & 1))
            << lane << " c" << i;
    }
  }
  cudaFree(da), cudaFree(db), cudaFree(dc), cudaFree(out);
}

TEST(Emulator, WmmaMultipliesTheTf32PartOfItsInputs) {
  std::vector<float> a(16 * 8), b(8 * 16);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = 1.0f + float(i % 7) / 3.0f + 1e-6f;  // bits below TF32's
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = 0.5f - float(i % 5) / 7.0f;
  float *da = device_array<float>(a.size()), *db = device_array<float>(b.size()), *dd = device_array<float>(256);
  cudaMemcpy(da, a.data(), a.size() * 4, cudaMemcpyHostToDevice);
  cudaMemcpy(db, b.data(), b.size() * 4, cudaMemcpyHostToDevice);
  mma_kernel<<<1, 32>>>(da, db, dd);
  ASSERT_EQ(launch_failure(), "");
  const std::vector<float> d = to_host(dd, 256);
  const auto tf32 = [](float x) {
    std::uint32_t bits;
    std::memcpy(&bits, &x, 4);
    bits &= 0xffffe000u;
    std::memcpy(&x, &bits, 4);
    return double(x);
  };
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 16; ++n) {
      double expected = 0.5;
      for (int k = 0; k < 8; ++k) expected += tf32(a[m * 8 + k]) * tf32(b[k * 16 + n]);
      EXPECT_NEAR(d[m * 16 + n], expected, 1e-5 * std::abs(expected)) << m << "," << n;
    }
  cudaFree(da), cudaFree(db), cudaFree(dd);
}

TEST(Emulator, MmaM16n8k8FollowsThePtxTables) {
  std::vector<float> a(16 * 8), b(8 * 8), c(16 * 8);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = float(int(i * 7 % 11) - 5);  // small integers: exact
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = float(int(i * 5 % 9) - 4);
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = float(i);
  float *da = device_array<float>(a.size()), *db = device_array<float>(b.size()), *dc = device_array<float>(c.size());
  float* dd = device_array<float>(c.size());
  cudaMemcpy(da, a.data(), a.size() * 4, cudaMemcpyHostToDevice);
  cudaMemcpy(db, b.data(), b.size() * 4, cudaMemcpyHostToDevice);
  cudaMemcpy(dc, c.data(), c.size() * 4, cudaMemcpyHostToDevice);
  mma_m16n8k8_kernel<<<1, 32>>>(da, db, dc, dd);
  ASSERT_EQ(launch_failure(), "");
  const std::vector<float> d = to_host(dd, c.size());
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n) {
      float expected = c[m * 8 + n];
      for (int k = 0; k < 8; ++k) expected += a[m * 8 + k] * b[k * 8 + n];
      EXPECT_EQ(d[m * 8 + n], expected) << m << "," << n;
    }
  cudaFree(da), cudaFree(db), cudaFree(dc), cudaFree(dd);
}

TEST(Emulator, CpAsyncLandsAtTheWaitThatRetiresItsGroup) {
  const std::vector<float> source = {1.5f, 2.5f, 3.5f};
  float *ds = device_array<float>(3), *out = device_array<float>(9);
  cudaMemcpy(ds, source.data(), 12, cudaMemcpyHostToDevice);
  cp_async_kernel<<<1, 1>>>(ds, out);
  ASSERT_EQ(launch_failure(), "");
  const std::vector<float> r = to_host(out, 9);
  EXPECT_TRUE(std::isnan(r[0]) && std::isnan(r[1]));
  EXPECT_EQ(r[2], 7.0f);
  EXPECT_EQ(r[3], 1.5f);
  EXPECT_TRUE(std::isnan(r[4]));
  EXPECT_EQ(r[5], 7.0f);
  EXPECT_EQ(r[6], 1.5f);
  EXPECT_EQ(r[7], 2.5f);
  EXPECT_EQ(r[8], 0.0f);
  cudaFree(ds), cudaFree(out);
}

TEST(Emulator, FreshDeviceAndSharedMemoryHoldNaN) {
  float* out = device_array<float>(64);
  EXPECT_TRUE(std::isnan(to_host(out, 1)[0]));
  reads_unwritten_shared_kernel<<<1, 64>>>(out);
  ASSERT_EQ(launch_failure(), "");
  const std::vector<float> r = to_host(out, 64);
  EXPECT_EQ(r[0], 1.0f);
  EXPECT_TRUE(std::isnan(r[40]));
  cudaFree(out);
}

// The C++ API's cudaMalloc(T**, bytes), as code written for nvcc calls it: a device allocation of
// exactly the bytes asked for (a memset one float longer is refused), fresh as NaN.
TEST(Emulator, TypedCudaMallocAllocatesDeviceMemory) {
  float* out = nullptr;
  ASSERT_EQ(cudaMalloc(&out, 64 * sizeof(float)), cudaSuccess);
  ASSERT_NE(out, nullptr);
  EXPECT_TRUE(std::isnan(to_host(out, 64)[63]));
  EXPECT_EQ(cudaMemset(out, 0, 64 * sizeof(float)), cudaSuccess);
  EXPECT_EQ(to_host(out, 64)[63], 0.0f);
  EXPECT_EQ(cudaMemset(out, 0, 65 * sizeof(float)), cudaErrorInvalidValue);
  cudaGetLastError();
  EXPECT_EQ(cudaFree(out), cudaSuccess);
}

// --- what it refuses, and how it says so --------------------------------------------------------

TEST(Emulator, ReportsBarrierDivergence) {
  divergent_barrier_kernel<<<1, 64>>>();
  const std::string report = launch_failure();
  EXPECT_NE(report.find("divergent_barrier_kernel"), std::string::npos) << report;
  EXPECT_NE(report.find("barrier divergence: threads 0-31 wait at __syncthreads"), std::string::npos) << report;
  EXPECT_NE(report.find("threads 32-63 exited"), std::string::npos) << report;
  two_barriers_kernel<<<1, 64>>>();
  EXPECT_NE(launch_failure().find("different __syncthreads"), std::string::npos);
}

TEST(Emulator, ReportsInvalidWarpOperationsAndDeadlock) {
  float* out = device_array<float>(64);
  mask_leaves_out_caller_kernel<<<1, 32>>>(out);
  EXPECT_NE(launch_failure().find("lane 31 passes mask 0x7fffffff, which leaves itself out"), std::string::npos);
  shuffle_with_exited_lane_kernel<<<1, 32>>>(out);
  EXPECT_NE(launch_failure().find("the mask names lane 5, which has exited"), std::string::npos);
  deadlock_kernel<<<1, 32>>>(out);
  const std::string report = launch_failure();
  EXPECT_NE(report.find("deadlock: threads 0-0 wait at __shfl_sync"), std::string::npos) << report;
  EXPECT_NE(report.find("threads 1-31 wait at __syncthreads"), std::string::npos) << report;
  cudaFree(out);
}

TEST(Emulator, ReportsARaceAsResultsThatDependOnTheThreadOrder) {
  int* out = device_array<int>(1);
  racy_kernel<<<2, 64>>>(out);
  const std::string report = launch_failure();
  EXPECT_NE(report.find("racy_kernel"), std::string::npos) << report;
  EXPECT_NE(report.find("a race"), std::string::npos) << report;
  cudaFree(out);
}

TEST(Emulator, RefusesMisalignedWmmaPointersAndInvalidLaunches) {
  float* a = device_array<float>(256);
  misaligned_wmma_kernel<<<1, 32>>>(a);
  EXPECT_NE(launch_failure().find("not 256-bit aligned"), std::string::npos);
  nothing_kernel<<<1, 2048>>>();
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  nothing_kernel<<<dim3(1, 70000), 32>>>();
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  cudaFree(a);
}

}  // namespace

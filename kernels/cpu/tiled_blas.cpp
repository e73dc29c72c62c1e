// Fixed tilings of SGEMM and SSYRK over OpenMP threads (kernels/cpu/tiled_blas.h says why).
// Each tile is one single-threaded OpenBLAS call: inside the parallel region each thread sets its
// own OpenMP thread count to 1, which an OpenMP build of OpenBLAS obeys; a pthread build is set to
// one thread once. A tile's bits depend only on its operands and shape, and the tiles depend only on
// the product's shape, so the result is the same whichever thread runs which tile.
// Tile sizes: large enough that OpenBLAS's packing is a small part of a tile's work (a 128 × 512
// tile with K ≥ 27 packs 640·K floats for 131072·K FLOPs), small enough that VGG19's products give
// several tiles per thread (conv1_1's im2col band: 76 tiles; a Winograd band: 16 or more).
#include "kernels/cpu/tiled_blas.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace nst {

namespace {

constexpr std::int64_t kGemmTileRows = 128, kGemmTileCols = 512;
constexpr std::int64_t kGramTile = 128, kGramChunk = 4096;

blasint blas_int(std::int64_t v) { return static_cast<blasint>(v); }

std::int64_t tiles_of(std::int64_t extent, std::int64_t tile) { return (extent + tile - 1) / tile; }

// A pthread build of OpenBLAS runs its own threads whatever OpenMP says: keep it to one.
void single_threaded_pthread_blas() {
  static const bool done = [] {
    if (openblas_get_parallel() != OPENBLAS_OPENMP) openblas_set_num_threads(1);
    return true;
  }();
  (void)done;
}

}  // namespace

void sgemm_tiled(std::int64_t batch, std::int64_t stride_a, std::int64_t stride_b, std::int64_t stride_c,
                 bool transpose_a, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
                 std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  single_threaded_pthread_blas();
  const std::int64_t col_tiles = tiles_of(n, kGemmTileCols), per_product = tiles_of(m, kGemmTileRows) * col_tiles;
#pragma omp parallel
  {
    omp_set_num_threads(1);  // this thread's OpenBLAS calls run on this thread alone
#pragma omp for schedule(static)
    for (std::int64_t t = 0; t < batch * per_product; ++t) {
      const std::int64_t i = t / per_product, r = (t % per_product) / col_tiles * kGemmTileRows;
      const std::int64_t col = t % col_tiles * kGemmTileCols;
      const std::int64_t rows = std::min(kGemmTileRows, m - r), cols = std::min(kGemmTileCols, n - col);
      // Rows r… of op(A): rows of A, or columns of A when transposed.
      const float* a_rows = a + i * stride_a + (transpose_a ? r : r * lda);
      cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, CblasNoTrans, blas_int(rows), blas_int(cols),
                  blas_int(k), alpha, a_rows, blas_int(lda), b + i * stride_b + col, blas_int(ldb), beta,
                  c + i * stride_c + r * ldc + col, blas_int(ldc));
    }
  }
}

void gram_upper_tiled(std::int64_t c, std::int64_t m, const float* f, float* g) {
  single_threaded_pthread_blas();
  const std::int64_t chunks = tiles_of(m, kGramChunk), blocks = tiles_of(c, kGramTile);
  // One chunk writes G directly; several write partial Grams, added below.
  thread_local std::vector<float> partials;
  if (chunks > 1 && partials.size() < static_cast<std::size_t>(chunks * c * c))
    partials.resize(static_cast<std::size_t>(chunks * c * c));
  float* const out = chunks > 1 ? partials.data() : g;
#pragma omp parallel
  {
    omp_set_num_threads(1);
    // Dynamic: half the (bi, bj) are skipped and a diagonal tile is half the work of another, so equal
    // shares of t would be unequal shares of work. Which thread takes a tile never changes its bits.
#pragma omp for schedule(dynamic)
    for (std::int64_t t = 0; t < chunks * blocks * blocks; ++t) {
      const std::int64_t chunk = t / (blocks * blocks), bi = t / blocks % blocks, bj = t % blocks;
      if (bj < bi) continue;  // the lower triangle
      const std::int64_t k0 = chunk * kGramChunk, depth = std::min(kGramChunk, m - k0);
      const std::int64_t r = bi * kGramTile, s = bj * kGramTile;
      const std::int64_t rows = std::min(kGramTile, c - r), cols = std::min(kGramTile, c - s);
      float* tile = out + chunk * c * c + r * c + s;
      if (bi == bj) {  // a diagonal tile: its own upper triangle
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, blas_int(rows), blas_int(depth), 1.0f, f + r * m + k0,
                    blas_int(m), 0.0f, tile, blas_int(c));
      } else {  // G[r…, s…] = F[r…, chunk]·F[s…, chunk]ᵀ
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blas_int(rows), blas_int(cols), blas_int(depth), 1.0f,
                    f + r * m + k0, blas_int(m), f + s * m + k0, blas_int(m), 0.0f, tile, blas_int(c));
      }
    }
    if (chunks > 1) {
#pragma omp for schedule(static)
      for (std::int64_t i = 0; i < c; ++i)
        for (std::int64_t j = i; j < c; ++j) {
          float sum = 0.0f;
          for (std::int64_t chunk = 0; chunk < chunks; ++chunk) sum += out[(chunk * c + i) * c + j];
          g[i * c + j] = sum;
        }
    }
  }
}

}  // namespace nst

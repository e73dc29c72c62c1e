#pragma once
// Matrix products whose bits do not depend on the number of threads (DESIGN.md: the same input,
// seed and device give the same bits).
//
// OpenBLAS's threaded SGEMM and SSYRK split a product by the thread count, and the split changes the
// bits: with Debian's OpenBLAS 0.3.21 (OpenMP build, Zen kernels) 15–20% of the elements of VGG19's
// convolution and Gram products differ in their last bits between 1, 2 and 3 threads, which L-BFGS
// turns into another picture for the same seed. These functions cut each product into tiles whose
// sizes depend on the shape alone, compute every tile with one single-threaded OpenBLAS call, and
// spread the tiles over OpenMP's threads: the same bits for any thread count.
// Row-major throughout; never call them inside an OpenMP region.
#include <cstdint>

namespace nst {

// C_i = alpha·op(A_i)·B_i + beta·C_i for i in [0, batch), with A_i = a + i·stride_a, B_i = b + i·stride_b,
// C_i = c + i·stride_c; C_i is m × n (ldc), B_i is k × n (ldb), A_i is m × k (lda), or k × m when
// transpose_a (op(A) = Aᵀ). Tiles: 128 rows × 512 columns of each C_i.
void sgemm_tiled(std::int64_t batch, std::int64_t stride_a, std::int64_t stride_b, std::int64_t stride_c,
                 bool transpose_a, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
                 std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc);

// One product: the batch of one.
inline void sgemm_tiled(bool transpose_a, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
                        std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  sgemm_tiled(1, 0, 0, 0, transpose_a, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// The upper triangle (j ≥ i) of G = F·Fᵀ, F (c × m), G (c × c); the lower triangle is left as it is.
// F's columns go in chunks of 4096: G = Σ_chunks F_chunk·F_chunkᵀ, each chunk's product in 128 × 128
// tiles of the triangle, the chunks' partial Grams added in chunk order (so a wide F with few
// channels, conv1_1's 64 × 65536 at 256 px, still splits into 16 pieces of work).
void gram_upper_tiled(std::int64_t c, std::int64_t m, const float* f, float* g);

}  // namespace nst

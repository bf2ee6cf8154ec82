// kernels/gemm_fp32.cuh — the exact-FP32 (FFMA) GEMM mainloop shared by noisy_conv2d.cu and
// noisy_matmul.cu. Every GEMM of the backend is C[m][n] = sum_k A(m, k) * B(k, n) over k in
// [kBegin, kEnd), where a "problem" object supplies A and B as functions (plain matrices, or the
// implicit-GEMM gathers of a convolution) and the caller's epilogue stores C.
//
// Tiling: block tile BM x BN = 64 x 64, k-step BK = 16, 256 threads as 16 x 16, each thread owns a
// 4 x 4 sub-tile strided by 16 (rows ty + 16 i, cols tx + 16 j: the stores of a half-warp hit 16
// consecutive columns, and shared-memory reads are broadcast (A) or conflict-free (B)).
// Loads are guarded: elements outside [0, M) x [0, N) x [kBegin, kEnd) read as 0, so edge tiles and
// sizes that are not multiples of any tile need no special path; the stores are guarded by the caller.
// The k order of every output's accumulation is fixed (kBegin, kBegin + 1, ...): results are
// deterministic run to run.
#pragma once
#include "gemm_grid.cuh"
#include "philox.cuh"

namespace vant {
namespace gemm {

constexpr int BM = 64, BN = 64, BK = 16, THREADS = 256, TM = 4, TN = 4;
constexpr int LOADS = BM * BK / THREADS;  // elements of A (and of B) each thread stages per k-step
static_assert(BM == BN, "the loader assumes square tiles");

struct Smem {
  float a[BK][BM + 4];  // A tile, k-major: a[kk][mm]
  float b[BK][BN + 4];  // B tile, k-major: b[kk][nn]
};

// The noisy forwards stage their accumulator tile for the Philox-group epilogue (gemm_epilogue.cuh) in the
// mainloop's memory. LDC = 80 = 16 mod 32 banks: a warp's store (rows ty, ty + 1; 16 columns each) hits 32 banks.
constexpr int LDC = BN + 16;
struct __align__(16) EpiSmem {
  union {
    Smem pipe;
    float c[BM * LDC];
  };
};

// A_K: A(m, k) is contiguous in k (consecutive threads then walk k: coalesced); else contiguous in m.
// B_K: B(k, n) is contiguous in k; else contiguous in n.
template <bool A_K, bool B_K, class P>
__device__ __forceinline__ void mainloop(const P& p, Smem& sm, int M, int N, long long kBegin, long long kEnd,
                                         int m0, int n0, float (&acc)[TM][TN]) {
  const int tid = threadIdx.x;
  const int tx = tid % 16, ty = tid / 16;
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = 0.0f;

  for (long long k0 = kBegin; k0 < kEnd; k0 += BK) {
#pragma unroll
    for (int l = 0; l < LOADS; ++l) {
      const int idx = tid + l * THREADS;
      const int kk = A_K ? idx % BK : idx / BM;
      const int mm = A_K ? idx / BK : idx % BM;
      const int m = m0 + mm;
      const long long k = k0 + kk;
      sm.a[kk][mm] = (m < M && k < kEnd) ? p.a(m, k) : 0.0f;
    }
#pragma unroll
    for (int l = 0; l < LOADS; ++l) {
      const int idx = tid + l * THREADS;
      const int kk = B_K ? idx % BK : idx / BN;
      const int nn = B_K ? idx / BK : idx % BN;
      const int n = n0 + nn;
      const long long k = k0 + kk;
      sm.b[kk][nn] = (n < N && k < kEnd) ? p.b(k, n) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      float av[TM], bv[TN];
#pragma unroll
      for (int i = 0; i < TM; ++i) av[i] = sm.a[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < TN; ++j) bv[j] = sm.b[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    __syncthreads();
  }
}

// The output coordinates of this thread's accumulator (i, j) in a tile at (m0, n0).
__device__ __forceinline__ int row_of(int m0, int i) { return m0 + (int)threadIdx.x / 16 + 16 * i; }
__device__ __forceinline__ int col_of(int n0, int j) { return n0 + (int)threadIdx.x % 16 + 16 * j; }

// The block's tile (m0, n0) and split-K index of a 1-D grid of tilesM * tilesN (* splits) blocks, n fastest.
__device__ __forceinline__ void tile_of(int M, int N, int& m0, int& n0, int& split) {
  grid_tile<BM, BN>(M, N, m0, n0, split);
}

// Writes acc (+ bias[n]) into the staging tile c [BM][LDC] (after mainloop, whose last barrier freed the
// memory) and waits for the whole block. No bias: acc unchanged (no +0 rounding of -0), as epilogue_store.
__device__ __forceinline__ void stage(float* c, int N, int n0, const float* __restrict__ dBias,
                                      const float (&acc)[TM][TN]) {
  const int tx = (int)threadIdx.x % 16, ty = (int)threadIdx.x / 16;
#pragma unroll
  for (int j = 0; j < TN; ++j) {
    const int col = tx + 16 * j;
    const float b = (dBias && n0 + col < N) ? dBias[n0 + col] : 0.0f;
#pragma unroll
    for (int i = 0; i < TM; ++i) c[(ty + 16 * i) * LDC + col] = dBias ? acc[i][j] + b : acc[i][j];
  }
  __syncthreads();
}

// Split-K partials: part [splits][M][N] summed in split order (deterministic) into out [M][N].
// dAdd (may be null; never dOut): added to each sum last, as a separate a + b would (a residual block's gradient sum).
__device__ __forceinline__ void splitk_sum(const float* __restrict__ dPart, float* dOut, long long count, int splits,
                                           const float* dAdd) {
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < count;
       e += (long long)gridDim.x * blockDim.x) {
    float s = dPart[e];
    for (int t = 1; t < splits; ++t) s += dPart[(long long)t * count + e];
    dOut[e] = dAdd ? s + dAdd[e] : s;
  }
}

}  // namespace gemm
}  // namespace vant

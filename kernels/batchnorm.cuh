// kernels/batchnorm.cuh — the BatchNorm pre-activation every kernel computes the same way (batchnorm.cu's
// apply and backward, elementwise.cu's residual join reading its inputs through their BatchNorms).
// Binding: dev.vant.backend.cuda.BatchNorm, dev.vant.backend.cuda.Elementwise (JoinInput).
#pragma once

namespace vant {
namespace bn {

// The pre-activation; forward and backward use this one function so the recomputed ReLU mask matches, and a
// join that normalizes its input on the fly gets the bits batchnorm_apply would have written. The fma is written
// out (nvcc contracted gamma * t + beta to it anyway) so that the bits do not depend on a compiler's contraction
// choice: the emulation's g++ build computes the same value.
__host__ __device__ __forceinline__ float pre(float x, float mean, float invStd, float gamma, float beta) {
  return fmaf(gamma, (x - mean) * invStd, beta);
}

// The inference forward's 1 / sqrt(runningVar + eps) (batchnorm_inference and the join use this one).
__host__ __device__ __forceinline__ float inference_inv_std(float runningVar, float eps) {
  return 1.0f / sqrtf(runningVar + eps);
}

// ---- Training statistics in chunks of STAT_ROWS rows (batchnorm.cu's batchnorm_stats_partial, and the conv
// forwards' epilogue when the host hands them a partials buffer: the same function, so the same bits) ---------------
// Partials part [2][chunks][C] doubles, chunks = ceil(rows / STAT_ROWS), for the rows r0 = STAT_ROWS k ..
// min(r0 + STAT_ROWS, rows) of chunk k and column c: S = sum d, Q = sum d^2, d = x[r, c] - x[r0, c] in double (exact
// unless the two floats' exponents differ by more than 29; the chunk's first value as its shift), rows in order, the
// square's fma written out (no contraction choice left to a compiler: the emulation's g++ build gives the same bits).
// A conv's output tile (128 or 64 rows from a multiple of 64) is whole chunks, so its epilogue can make their
// partials from the tile it already holds in shared memory.
constexpr int STAT_ROWS = 64;

template <class At>
__device__ __forceinline__ void chunk_sums(At at, int n, double& S, double& Q) {
  const double K = (double)at(0);
  double s = 0.0, q = 0.0;
#pragma unroll 8
  for (int i = 1; i < n; ++i) {  // row 0's d is 0: it would add exact zeros
    const double d = (double)at(i) - K;
    s += d;
    q = fma(d, d, q);
  }
  S = s;
  Q = q;
}

// The partials of a tile's chunks from its staged values sC[r * ldc + c] (r < rows, c < W; the tile's first row m0 a
// multiple of STAT_ROWS): one thread per (chunk, column), consecutive threads on consecutive columns (no bank
// conflict). y is [M, N]. The caller has made sC final and put a barrier after it.
__device__ __forceinline__ void tile_stats(const float* sC, int ldc, int rows, int W, long long M, int N, int m0, int n0,
                                           double* __restrict__ part) {
  const long long chunks = (M + STAT_ROWS - 1) / STAT_ROWS;
  const int items = (rows + STAT_ROWS - 1) / STAT_ROWS * W;
  for (int i = threadIdx.x; i < items; i += blockDim.x) {
    const int j = i / W, c = i - j * W, r0 = j * STAT_ROWS;
    const int n = rows - r0 < STAT_ROWS ? rows - r0 : STAT_ROWS;
    double S, Q;
    chunk_sums([&](int t) { return sC[(r0 + t) * ldc + c]; }, n, S, Q);
    const long long k = m0 / STAT_ROWS + j;
    part[k * N + n0 + c] = S;
    part[(chunks + k) * N + n0 + c] = Q;
  }
}

// Column c's totals from its chunk partials, shifted to K0 = x[0, c]: chunk k (n rows, shift K_k, delta = K_k - K0)
// adds S_k + n delta to S and Q_k + delta (2 S_k + n delta) to Q (= the sums of (x - K0) and (x - K0)^2 over its
// rows). The order is fixed: thread t of the block adds chunks t, t + blockDim, ... in turn; then each warp's xor
// butterfly (both partners add the same two values: every lane ends with the same bits); then warp 0 adds the warps'
// sums in warp order. Every thread returns the totals. sWarp: 2 * (blockDim / 32) doubles of shared memory.
__device__ __forceinline__ void merge_chunks(const double* __restrict__ part, const float* __restrict__ x, long long rows,
                                             int C, int c, double* sWarp, double& S, double& Q) {
  const long long chunks = (rows + STAT_ROWS - 1) / STAT_ROWS;
  const double K0 = (double)x[c];
  double s = 0.0, q = 0.0;
  for (long long k = threadIdx.x; k < chunks; k += blockDim.x) {
    const long long r0 = k * STAT_ROWS;
    const double n = (double)(rows - r0 < STAT_ROWS ? rows - r0 : STAT_ROWS);
    const double delta = (double)x[r0 * C + c] - K0;
    const double Sk = part[k * C + c], Qk = part[(chunks + k) * C + c];
    s += fma(n, delta, Sk);
    q += fma(delta, fma(n, delta, 2.0 * Sk), Qk);
  }
  for (int o = 16; o > 0; o >>= 1) {
    s += __shfl_xor_sync(0xffffffffu, s, o);
    q += __shfl_xor_sync(0xffffffffu, q, o);
  }
  const int warps = (int)(blockDim.x / 32);
  if ((threadIdx.x & 31) == 0) {
    sWarp[threadIdx.x / 32] = s;
    sWarp[warps + threadIdx.x / 32] = q;
  }
  __syncthreads();
  s = 0.0;
  q = 0.0;
  for (int w = 0; w < warps; ++w) {
    s += sWarp[w];
    q += sWarp[warps + w];
  }
  S = s;
  Q = q;
}

}  // namespace bn

// One input of the residual join (dev.vant.backend.JoinInput): x, or x seen through a BatchNorm without ReLU
// or noise. mode 0: x; 1: scale is the saved invStd (training); 2: scale is the running variance (inference).
struct JoinIn {
  const float* x;
  const float* gamma;
  const float* beta;
  const float* mean;
  const float* scale;
  float eps;
  int mode;

  __device__ __forceinline__ float at(long long e, int c) const {
    if (mode == 0) return x[e];
    const float invStd = mode == 1 ? scale[c] : bn::inference_inv_std(scale[c], eps);
    return bn::pre(x[e], mean[c], invStd, gamma[c], beta[c]);
  }
};

}  // namespace vant

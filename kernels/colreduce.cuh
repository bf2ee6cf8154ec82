// kernels/colreduce.cuh — deterministic per-column sums of a row-major [rows, cols] operand (per-channel
// sums over N*H*W of an NHWC tensor; bias gradients), used by bias_grad.cu and batchnorm.cu.
//
// Pass 1 (partial): block b covers 32 columns x `chunk` rows (chunk index = b / colTiles, column tile =
// b % colTiles); 256 threads = 32 columns (tx, coalesced) x 8 row lanes (ty); lane ty sums rows r0 + ty,
// r0 + ty + 8, ... in order, then the 8 lanes are combined by a fixed tree. Pass 2 (the caller's final
// kernel) adds the chunk partials of a column in chunk order. The rows per chunk come from the host
// (dev.vant.backend.cuda.BiasGrad.chunkRows: ~sqrt(4 rows), a power of two in [64, 1024], a function of the
// shape alone): with a fixed 1024 the first H200 run spent 40-60 µs per partial pass on 16-64 blocks whose
// threads each waited on 128 loads in turn (BatchNorm and bias gradients: 30% of a ResNet-18 step). Sums are kept in double: the values are float, the sums
// then carry ~1e-16 relative error, and the fixed order makes them identical run to run.
// Each element yields two values (v0, v1) so one pass can produce e.g. sum(dy) and sum(dy * xhat).
#pragma once
#include "philox.cuh"

namespace vant {
namespace colred {

constexpr int COLS = 32, LANES = 8, THREADS = COLS * LANES;

struct Smem {
  double s0[LANES][COLS];
  double s1[LANES][COLS];
};

// f(r, c, v0, v1) sets the two (double) values of element (r, c). dPart0, dPart1: [ceil(rows / chunkRows)][cols]
// (dPart1 may be null).
template <class F>
__device__ __forceinline__ void partial(F f, long long rows, int cols, long long chunkRows, double* __restrict__ dPart0,
                                       double* __restrict__ dPart1, Smem& sm) {
  const int colTiles = (cols + COLS - 1) / COLS;
  const long long chunk = blockIdx.x / colTiles;
  const int tx = threadIdx.x % COLS, ty = threadIdx.x / COLS;
  const int c = (int)(blockIdx.x % colTiles) * COLS + tx;
  double a0 = 0.0, a1 = 0.0;
  if (c < cols) {
    const long long r0 = chunk * chunkRows;
    const long long r1 = r0 + chunkRows < rows ? r0 + chunkRows : rows;
    // Unrolled so that four rows' loads are in flight at once; the additions stay in row order.
#pragma unroll 4
    for (long long r = r0 + ty; r < r1; r += LANES) {
      double v0, v1;
      f(r, c, v0, v1);
      a0 += v0;
      a1 += v1;
    }
  }
  sm.s0[ty][tx] = a0;
  sm.s1[ty][tx] = a1;
  __syncthreads();
  for (int h = LANES / 2; h > 0; h >>= 1) {
    if (ty < h) {
      sm.s0[ty][tx] += sm.s0[ty + h][tx];
      sm.s1[ty][tx] += sm.s1[ty + h][tx];
    }
    __syncthreads();
  }
  if (ty == 0 && c < cols) {
    dPart0[chunk * cols + c] = sm.s0[0][tx];
    if (dPart1) dPart1[chunk * cols + c] = sm.s1[0][tx];
  }
}

// Pass 2, one warp per column (the final kernels launch ceil(cols / 8) blocks of 256 threads and call this with
// the warp's column): lane l adds chunks l, l + 32, l + 64, ... in order, then a butterfly of xor shuffles adds
// the 32 lane sums; the partners of each level add the same two values (x + y == y + x), so every lane ends with
// the same bits, and the order is fixed: deterministic. One thread per column summing every chunk in turn left
// the GPU idle: 0.81 ms of a 5.3 ms ResNet-18 step on the H200 (run 3); this version is not yet measured there.
__device__ __forceinline__ double total(const double* __restrict__ dPart, long long nChunks, int cols, int c) {
  const int lane = threadIdx.x & 31;
  double s = 0.0;
  for (long long k = lane; k < nChunks; k += 32) s += dPart[k * cols + c];
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  return s;
}

// The column of this warp in a final kernel (ceil(cols / 8) blocks of 256 threads); >= cols for idle warps.
__device__ __forceinline__ int warp_column() { return (int)blockIdx.x * (THREADS / 32) + (int)threadIdx.x / 32; }

// True on the lane that writes the column's results.
__device__ __forceinline__ bool writer() { return (threadIdx.x & 31) == 0; }

}  // namespace colred
}  // namespace vant

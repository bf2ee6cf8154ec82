// kernels/colreduce.cuh — deterministic per-column sums of a row-major [rows, cols] operand (per-channel
// sums over N*H*W of an NHWC tensor; bias gradients), used by bias_grad.cu and batchnorm.cu.
//
// Pass 1 (partial): block b covers 32 columns x `chunk` rows (chunk index = b / colTiles, column tile =
// b % colTiles); 256 threads = 32 columns (tx, coalesced) x 8 row lanes (ty); lane ty sums rows r0 + ty,
// r0 + ty + 8, ... in order, then the 8 lanes are combined by a fixed tree. Pass 2 (finish(), in the same
// launch) adds the chunk partials of a column in chunk order. The rows per chunk come from the host
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
  int last;  // finish(): whether this block is the last of its column tile
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

// Pass 2 in the same launch (finish, below): the last block of each column tile to finish its partial — an
// atomic ticket per column tile says which — sums that tile's 32 columns, 4 per warp, each column exactly as one
// warp of a separate final kernel did: lane l adds chunks l, l + 32, l + 64, ... in order, then a butterfly of xor
// shuffles adds the 32 lane sums (the partners of each level add the same two values, x + y == y + x, so every
// lane ends with the same bits). The order is a function of the shape alone: deterministic. A separate final
// launch per reduction was 58 of the ~390 launches of a ResNet-18 training step (BatchNorm forward and backward,
// bias gradients), each a few microseconds of launch and ramp on the step's critical path.
//
// Memory order (the CUDA programming guide's last-block reduction): each partial's writer fences before the
// block takes its ticket, so a block that draws the last ticket sees every partial of its tile (the thread that
// drew it fences again after the atomic, then the barrier); it reads them with ld.global.cg (L2, never a stale L1
// line). It then puts the ticket back to 0 for the next launch: dTickets must be all zero before a launch and is
// all zero after it (launches that share it run in stream order).
template <class F, class Fin>
__device__ __forceinline__ void finish(F f, long long rows, int cols, long long chunkRows, double* dPart0, double* dPart1,
                                       unsigned int* dTickets, Smem& sm, Fin fin) {
  partial(f, rows, cols, chunkRows, dPart0, dPart1, sm);
  __threadfence();
  __syncthreads();
  const int colTiles = (cols + COLS - 1) / COLS;
  const int tile = (int)(blockIdx.x % colTiles);
  const long long nChunks = (rows + chunkRows - 1) / chunkRows;
  if (threadIdx.x == 0) {
    // Again after the barrier: a release fence in the thread that takes the ticket, cumulative over the partials
    // the barrier ordered before it (the writers fenced too).
    __threadfence();
    const unsigned int ticket = atomicAdd(&dTickets[tile], 1u);
    // The acquire half, in the thread that read the ticket (the PTX memory model wants the fence after the read in
    // the same thread; the barrier then orders the other threads' loads after it).
    __threadfence();
    sm.last = ticket == (unsigned int)(nChunks - 1);
  }
  __syncthreads();
  if (!sm.last) return;
  __threadfence();
  const int lane = threadIdx.x & 31, c0 = tile * COLS + (int)(threadIdx.x / 32) * 4;
  double t0[4] = {0.0, 0.0, 0.0, 0.0}, t1[4] = {0.0, 0.0, 0.0, 0.0};
  // The 4 columns' loads are independent: issued together, each column's additions in chunk order.
  for (long long k = lane; k < nChunks; k += 32) {
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      if (c0 + j < cols) {
        t0[j] += __ldcg(dPart0 + k * cols + c0 + j);
        if (dPart1) t1[j] += __ldcg(dPart1 + k * cols + c0 + j);
      }
    }
  }
#pragma unroll
  for (int j = 0; j < 4; ++j) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      t0[j] += __shfl_xor_sync(0xffffffffu, t0[j], o);
      t1[j] += __shfl_xor_sync(0xffffffffu, t1[j], o);
    }
  }
  if (lane == 0) {
#pragma unroll
    for (int j = 0; j < 4; ++j)
      if (c0 + j < cols) fin(c0 + j, t0[j], t1[j]);
  }
  if (threadIdx.x == 0) dTickets[tile] = 0u;
}

}  // namespace colred
}  // namespace vant

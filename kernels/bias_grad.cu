// kernels/bias_grad.cu — bias gradients: dbias[c] = sum over rows of dy [rows, cols] (linear: rows = N;
// conv: rows = N*P*Q, cols = K), deterministic two-pass column sums in double in one launch (colreduce.cuh).
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 two passes (partials per 1024-row chunk, then one thread per column); v2 the chunk size
//   from the host, ~sqrt(4 rows); v3 the final pass one warp per column; v4 (this one) the final pass in the
//   same launch, by the last block of each column tile (colreduce.cuh finish).
// Binding: dev.vant.backend.cuda.BiasGrad.
//
// Shapes: dDy [rows, cols]; dPart [chunks = ceil(rows / chunkRows), cols] (double); dTickets [ceil(cols / 32)];
//         dDb [cols].
#include "colreduce.cuh"

// One launch: the partials, then the last block of each column tile sums them (colreduce.cuh finish).
// dTickets: [ceil(cols / 32)] zeros, left zero.
extern "C" __global__ void __launch_bounds__(256)
bias_grad(const float* __restrict__ dDy, long long rows, int cols, long long chunkRows, double* dPart,
          unsigned int* dTickets, float* __restrict__ dDb) {
  __shared__ vant::colred::Smem sm;
  vant::colred::finish(
      [&](long long r, int c, double& v0, double& v1) { v0 = dDy[r * cols + c]; v1 = 0.0; },
      rows, cols, chunkRows, dPart, nullptr, dTickets, sm, [&](int c, double sum, double) { dDb[c] = (float)sum; });
}

// kernels/bias_grad.cu — bias gradients: dbias[c] = sum over rows of dy [rows, cols] (linear: rows = N;
// conv: rows = N*P*Q, cols = K), deterministic two-pass column sums in double (colreduce.cuh).
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 two passes (partials per 1024-row chunk, then one thread per column); v2 the chunk size
//   from the host, ~sqrt(4 rows); v3 (this one) the final pass one warp per column (colreduce.cuh).
// Binding: dev.vant.backend.cuda.BiasGrad.
//
// Shapes: dDy [rows, cols]; dPart [chunks = ceil(rows / chunkRows), cols] (double); dDb [cols].
#include "colreduce.cuh"

extern "C" __global__ void __launch_bounds__(256)
bias_grad_partial(const float* __restrict__ dDy, long long rows, int cols, long long chunkRows,
                  double* __restrict__ dPart) {
  __shared__ vant::colred::Smem sm;
  vant::colred::partial(
      [&](long long r, int c, double& v0, double& v1) { v0 = dDy[r * cols + c]; v1 = 0.0; },
      rows, cols, chunkRows, dPart, nullptr, sm);
}

extern "C" __global__ void __launch_bounds__(256)
bias_grad_final(const double* __restrict__ dPart, long long nChunks, int cols, float* __restrict__ dDb) {
  const int c = vant::colred::warp_column();
  if (c >= cols) return;  // whole warps
  const double sum = vant::colred::total(dPart, nChunks, cols, c);
  if (vant::colred::writer()) dDb[c] = (float)sum;
}

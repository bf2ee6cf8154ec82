// kernels/batchnorm.cu — BatchNorm over the channels C of x [rows = N*H*W, C] (NHWC), fused with
// ReLU and the noise epilogue; statistics by deterministic shifted sums in double over 64-row chunks (batchnorm.cuh),
// the backward's sums by colreduce.cuh.
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 two-pass statistics (mean, then sum of squared deviations), separate tiny
//   finalize kernels, elementwise apply with the noise of a Philox group per thread; v2 one-pass
//   statistics around a per-column shift, one finalize kernel; v3 the finalize in the same launch, by the last
//   block of each column tile (colreduce.cuh finish); v4 (this one) the statistics in fixed 64-row chunks that a
//   conv forward's epilogue can make too (below), merged by a final launch.
// Binding: dev.vant.backend.cuda.BatchNorm. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes: x, y, dy, dx [rows, C]; gamma, beta, mean, invStd, running*, dGamma, dBeta [C];
//         partials dPart* [chunks = ceil(rows / chunkRows), C] (double); dTickets [ceil(C / 32)] (zeros);
//         the statistics' partials [2][ceil(rows / 64)][C] (double).
// Training forward (3 launches; 2 where the conv before made the partials; the apply is left out where a residual
// join applies the BatchNorm on the fly):
//   stats: mean and var = sum (x - mean)^2 / rows from one read of x (shifted sums, below),
//          invStd = 1 / sqrt(var + eps),
//          running = (1 - momentum) running + momentum * {mean, var * rows / (rows - 1)}
//   apply: y = noise(relu?(gamma * ((x - mean) * invStd) + beta))
// Inference: y = noise(relu?(gamma * ((x - runningMean) * (1 / sqrt(runningVar + eps))) + beta)).
// Backward (2 launches), with g = dy masked by (pre-activation > 0) when relu, xhat = (x - mean) * invStd:
//   backward_stats: dBeta = sum g, dGamma = sum g * xhat
//   backward_apply: dx = gamma * invStd * (g - dBeta / rows - xhat * dGamma / rows); backward_apply_sums also
//                   sums dx per channel (the preceding conv's bias gradient) in the same launch.
#include "batchnorm.cuh"
#include "colreduce.cuh"
#include "fastdiv.cuh"
#include "noise_epilogue.cuh"

// Statistics: per column the sums of d = x - K and d^2 around a shift K, in double, then mean = K + S / rows,
// var = Q / rows - (S / rows)^2. Without a shift that difference cancels when |mean| >> std; with one, the cancellation
// is bounded by the data. Partials per chunk of 64 rows around the chunk's first value (batchnorm.cuh chunk_sums),
// merged around K0 = x[0, c] (merge_chunks): every shift is one of the values, so (K - mean)^2 <= rows * var, and
// var's relative error stays within (1 + 64 max (K_k - mean)^2 / var) times the double sums' ~depth * 2^-53 (depth
// ~64 + chunks / 256 + 5 + 8 additions): at worst ~2^-20 at rows = 2^24 with an outlying chunk start, typically
// ~1e-15 (BatchNormTest checks the far-offset, outlying-first-row case against the two-pass reference).
// Two launches: batchnorm_stats_partial makes the partials from one read of x, batchnorm_stats_final merges them.
// A conv forward whose output this BatchNorm normalizes can make the same partials in its epilogue from the tile it
// holds (noisy_conv2d.cu, dStats; batchnorm.cuh tile_stats): then only the final runs, and x is not read again
// but for the chunks' first values (run 3 on the H200: the statistics' read of x was ~5 µs per BatchNorm, ~0.1 ms
// per ResNet-18 step). The v3 statistics (one launch: colreduce.cuh's chunks around the single shift x[0, c], the
// totals by the last block of each column tile) could not be made by a conv tile, whose rows are not those chunks.

// One thread per (chunk, column): 32 columns (consecutive threads: coalesced) x 8 chunks per block; grid
// ceil(C / 32) * ceil(chunks / 8), column tile = blockIdx % ceil(C / 32). part: [2][chunks][C].
extern "C" __global__ void __launch_bounds__(256)
batchnorm_stats_partial(const float* __restrict__ dX, long long rows, int C, double* __restrict__ dPart) {
  const int colTiles = (C + 31) / 32;
  const int c = (int)(blockIdx.x % colTiles) * 32 + (int)(threadIdx.x & 31);
  const long long k = (long long)(blockIdx.x / colTiles) * 8 + threadIdx.x / 32;
  const long long chunks = (rows + vant::bn::STAT_ROWS - 1) / vant::bn::STAT_ROWS;
  if (c >= C || k >= chunks) return;
  const long long r0 = k * vant::bn::STAT_ROWS;
  const int n = (int)(rows - r0 < vant::bn::STAT_ROWS ? rows - r0 : vant::bn::STAT_ROWS);
  const float* x = dX + r0 * C + c;
  double S, Q;
  vant::bn::chunk_sums([&](int t) { return x[(long long)t * C]; }, n, S, Q);
  dPart[k * C + c] = S;
  dPart[(chunks + k) * C + c] = Q;
}

// One block per column: its totals (merge_chunks), then the statistics and the running statistics.
extern "C" __global__ void __launch_bounds__(256)
batchnorm_stats_final(const double* __restrict__ dPart, const float* __restrict__ dX, long long rows, int C,
                      float momentum, float eps, float* __restrict__ dMean, float* __restrict__ dRunningMean,
                      float* __restrict__ dRunningVar, float* __restrict__ dInvStd) {
  __shared__ double sWarp[2 * 8];
  const int c = (int)blockIdx.x;
  double S, Q;
  vant::bn::merge_chunks(dPart, dX, rows, C, c, sWarp, S, Q);
  if (threadIdx.x != 0) return;
  const double md = S / (double)rows;       // mean - K0
  const double sq = fmax(Q - S * md, 0.0);  // sum of squared deviations from the mean
  const float mean = (float)((double)dX[c] + md);
  const float var = (float)(sq / (double)rows);
  const float unbiased = (float)(sq / (double)(rows - 1));
  dMean[c] = mean;
  dInvStd[c] = 1.0f / sqrtf(var + eps);
  dRunningMean[c] = (1.0f - momentum) * dRunningMean[c] + momentum * mean;
  dRunningVar[c] = (1.0f - momentum) * dRunningVar[c] + momentum * unbiased;
}

// One thread per Philox group of 4 elements (grid-stride). y may be x.
extern "C" __global__ void __launch_bounds__(256)
batchnorm_apply(const float* dX, const float* __restrict__ dGamma, const float* __restrict__ dBeta,
                const float* __restrict__ dMean, const float* __restrict__ dInvStd, float* dY, long long total, int C,
                int relu, int noiseType, float sigmaScalar, const float* __restrict__ dSigma, long long perSample,
                unsigned long long seed, unsigned int site, unsigned int step, const vant::StepState* dState) {
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  const long long groups = (total + 3) >> 2;
  const vant::ChannelOf channel = vant::ChannelOf::of(C, total);
  for (long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x; g < groups;
       g += (long long)gridDim.x * blockDim.x) {
    const int c0 = channel(g << 2);  // the channel of the group's first element; lanes step from it
    vant::noise_store_group(na, g, total, dY, [&](long long e) {
      int c = c0 + (int)(e & 3);
      while (c >= C) c -= C;
      return vant::relu_if(relu != 0, vant::bn::pre(dX[e], dMean[c], dInvStd[c], dGamma[c], dBeta[c]));
    });
  }
}

extern "C" __global__ void __launch_bounds__(256)
batchnorm_inference(const float* dX, const float* __restrict__ dGamma, const float* __restrict__ dBeta,
                    const float* __restrict__ dRunningMean, const float* __restrict__ dRunningVar, float eps,
                    float* dY, long long total, int C, int relu, int noiseType, float sigmaScalar,
                    const float* __restrict__ dSigma, long long perSample, unsigned long long seed,
                    unsigned int site, unsigned int step, const vant::StepState* dState) {
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  const long long groups = (total + 3) >> 2;
  const vant::ChannelOf channel = vant::ChannelOf::of(C, total);
  for (long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x; g < groups;
       g += (long long)gridDim.x * blockDim.x) {
    const int c0 = channel(g << 2);  // the channel of the group's first element; lanes step from it
    vant::noise_store_group(na, g, total, dY, [&](long long e) {
      int c = c0 + (int)(e & 3);
      while (c >= C) c -= C;
      const float invStd = vant::bn::inference_inv_std(dRunningVar[c], eps);
      return vant::relu_if(relu != 0, vant::bn::pre(dX[e], dRunningMean[c], invStd, dGamma[c], dBeta[c]));
    });
  }
}

// One launch: dBeta = sum g and dGamma = sum g * xhat (partials, then the last block of each column tile sums
// them, colreduce.cuh finish). dTickets: [ceil(C / 32)] zeros, left zero.
extern "C" __global__ void __launch_bounds__(256, 2)
batchnorm_backward_stats(const float* __restrict__ dDy, const float* __restrict__ dX, const float* __restrict__ dGamma,
                         const float* __restrict__ dBeta, const float* __restrict__ dMean,
                         const float* __restrict__ dInvStd, int relu, long long rows, int C, long long chunkRows,
                         double* dPartG, double* dPartGX, unsigned int* dTickets, float* __restrict__ dDGamma,
                         float* __restrict__ dDBeta) {
  __shared__ vant::colred::Smem sm;
  vant::colred::finish(
      [&](long long r, int c, double& v0, double& v1) {
        const long long e = r * C + c;
        const float xhat = (dX[e] - dMean[c]) * dInvStd[c];
        float g = dDy[e];
        if (relu && !(vant::bn::pre(dX[e], dMean[c], dInvStd[c], dGamma[c], dBeta[c]) > 0.0f)) g = 0.0f;
        v0 = g;
        v1 = (double)g * (double)xhat;
      },
      rows, C, chunkRows, dPartG, dPartGX, dTickets, sm,
      [&](int c, double g, double gx) {
        dDBeta[c] = (float)g;
        dDGamma[c] = (float)gx;
      });
}

namespace vant {
namespace bn {

// dx of element e (channel c): the one expression of both backward apply kernels, fmas written out so the bits do
// not depend on where a compiler contracts.
__device__ __forceinline__ float backward_dx(const float* dDy, const float* __restrict__ dX, const float* __restrict__ dGamma,
                                            const float* __restrict__ dBeta, const float* __restrict__ dMean,
                                            const float* __restrict__ dInvStd, const float* __restrict__ dDGamma,
                                            const float* __restrict__ dDBeta, int relu, float invRows, long long e, int c) {
  const float xhat = (dX[e] - dMean[c]) * dInvStd[c];
  float g = dDy[e];
  if (relu && !(pre(dX[e], dMean[c], dInvStd[c], dGamma[c], dBeta[c]) > 0.0f)) g = 0.0f;
  return dGamma[c] * dInvStd[c] * fmaf(-xhat, dDGamma[c] * invRows, fmaf(-dDBeta[c], invRows, g));
}

}  // namespace bn
}  // namespace vant

// dx may be dy.
extern "C" __global__ void __launch_bounds__(256)
batchnorm_backward_apply(const float* dDy, const float* __restrict__ dX, const float* __restrict__ dGamma,
                         const float* __restrict__ dBeta, const float* __restrict__ dMean,
                         const float* __restrict__ dInvStd, const float* __restrict__ dDGamma,
                         const float* __restrict__ dDBeta, int relu, long long rows, int C, float* dDx) {
  const long long total = rows * C;
  const float invRows = (float)(1.0 / (double)rows);
  const vant::ChannelOf channel = vant::ChannelOf::of(C, total);
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total;
       e += (long long)gridDim.x * blockDim.x) {
    const int c = channel(e);
    dDx[e] = vant::bn::backward_dx(dDy, dX, dGamma, dBeta, dMean, dInvStd, dDGamma, dDBeta, relu, invRows, e, c);
  }
}

// batchnorm_backward_apply that also sums dx over the rows per channel into dSums [C] — the bias gradient of the
// convolution whose output this BatchNorm normalizes (through noise that passes gradients unchanged) — instead of a
// bias_grad launch reading dx again: shaped like bias_grad (chunks x 32-column tiles, colreduce.cuh finish, the same
// chunkRows), so the sums have bias_grad's bits, and each dx is backward_dx, batchnorm_backward_apply's bits.
// dTickets: [ceil(C / 32)] zeros, left zero. dx may be dy.
extern "C" __global__ void __launch_bounds__(256)
batchnorm_backward_apply_sums(const float* dDy, const float* __restrict__ dX, const float* __restrict__ dGamma,
                              const float* __restrict__ dBeta, const float* __restrict__ dMean,
                              const float* __restrict__ dInvStd, const float* __restrict__ dDGamma,
                              const float* __restrict__ dDBeta, int relu, long long rows, int C, float* dDx,
                              long long chunkRows, double* dPart, unsigned int* dTickets, float* __restrict__ dSums) {
  __shared__ vant::colred::Smem sm;
  const float invRows = (float)(1.0 / (double)rows);
  vant::colred::finish(
      [&](long long r, int c, double& v0, double& v1) {
        const long long e = r * C + c;
        const float dx = vant::bn::backward_dx(dDy, dX, dGamma, dBeta, dMean, dInvStd, dDGamma, dDBeta, relu, invRows, e, c);
        dDx[e] = dx;
        v0 = dx;
        v1 = 0.0;
      },
      rows, C, chunkRows, dPart, nullptr, dTickets, sm, [&](int c, double sum, double) { dSums[c] = (float)sum; });
}

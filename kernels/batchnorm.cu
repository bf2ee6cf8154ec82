// kernels/batchnorm.cu — BatchNorm over the channels C of x [rows = N*H*W, C] (NHWC), fused with
// ReLU and the noise epilogue; statistics by deterministic one-pass shifted column sums in double (colreduce.cuh).
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 two-pass statistics (mean, then sum of squared deviations), separate tiny
//   finalize kernels, elementwise apply with the noise of a Philox group per thread; v2 one-pass
//   statistics around a per-column shift, one finalize kernel; v3 (this one) the finalize in the same launch,
//   by the last block of each column tile (colreduce.cuh finish).
// Binding: dev.vant.backend.cuda.BatchNorm. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes: x, y, dy, dx [rows, C]; gamma, beta, mean, invStd, running*, dGamma, dBeta [C];
//         partials dPart* [chunks = ceil(rows / chunkRows), C] (double); dTickets [ceil(C / 32)] (zeros).
// Training forward (2 launches; the first alone where a residual join applies the BatchNorm on the fly):
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

// Statistics in one read of x: per column the sums of d = x - K and d^2 with the shift K = x[0, c] (the column's
// first value; exact differences in double), then mean = K + S / rows, var = Q / rows - (S / rows)^2. Without the
// shift that difference cancels when |mean| >> std; with it, the cancellation is bounded by the data: K is one of
// the values, so (K - mean)^2 <= rows * var, and var's relative error is at most (1 + (K - mean)^2 / var) times
// the relative error of the double sum Q (~depth * 2^-53, depth ~ chunkRows / 8 + chunks / 32 + 8 additions):
// rigorously ~2^-19 in the worst case at rows = 2^24, typically far less (a one-off review simulation of this
// summation order, first row 0.9 sqrt(rows) std out: 1.6e-9 relative at rows = 2^24; unshifted: 1e-2 at mean 10^4;
// BatchNormTest checks the far-offset, outlying-first-row case against the two-pass reference).
// This replaced a two-pass scheme (sums, mean, squared deviations, variance: two reads of x, four launches; on the
// H200 run 3 the second read was 5.4 µs per BatchNorm, 0.11 ms per ResNet-18 step, plus a launch).
// One launch: the partial sums, then (the last block of each column tile, colreduce.cuh finish) the totals and
// the statistics. dTickets: [ceil(C / 32)] zeros, left zero. (Both BatchNorm reductions declare 2 blocks per SM:
// with __launch_bounds__(256) alone ptxas held them to 64 registers and spilled 4 bytes, on sm_80 at least; so
// they take 70 and spill nothing. bias_grad fits 56-62 without spilling.)
extern "C" __global__ void __launch_bounds__(256, 2)
batchnorm_stats(const float* __restrict__ dX, long long rows, int C, long long chunkRows, double* dPartS, double* dPartQ,
                unsigned int* dTickets, float momentum, float eps, float* __restrict__ dMean,
                float* __restrict__ dRunningMean, float* __restrict__ dRunningVar, float* __restrict__ dInvStd) {
  __shared__ vant::colred::Smem sm;
  vant::colred::finish(
      [&](long long r, int c, double& v0, double& v1) {
        const double d = (double)dX[r * C + c] - (double)dX[c];
        v0 = d;
        v1 = d * d;
      },
      rows, C, chunkRows, dPartS, dPartQ, dTickets, sm,
      [&](int c, double S, double Q) {
        const double md = S / (double)rows;       // mean - K
        const double sq = fmax(Q - S * md, 0.0);  // sum of squared deviations from the mean
        const float mean = (float)((double)dX[c] + md);
        const float var = (float)(sq / (double)rows);
        const float unbiased = (float)(sq / (double)(rows - 1));
        dMean[c] = mean;
        dInvStd[c] = 1.0f / sqrtf(var + eps);
        dRunningMean[c] = (1.0f - momentum) * dRunningMean[c] + momentum * mean;
        dRunningVar[c] = (1.0f - momentum) * dRunningVar[c] + momentum * unbiased;
      });
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

// kernels/batchnorm.cu — BatchNorm over the channels C of x [rows = N*H*W, C] (NHWC), fused with
// ReLU and the noise epilogue; statistics by deterministic one-pass shifted column sums in double (colreduce.cuh).
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 two-pass statistics (mean, then sum of squared deviations), separate tiny
//   finalize kernels, elementwise apply with the noise of a Philox group per thread; v2 (this one) one-pass
//   statistics around a per-column shift, one finalize kernel.
// Binding: dev.vant.backend.cuda.BatchNorm. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes: x, y, dy, dx [rows, C]; gamma, beta, mean, invStd, running*, dGamma, dBeta [C];
//         partials dPart* [chunks = ceil(rows / chunkRows), C] (double).
// Training forward (3 launches):
//   stats_partial -> stats_final: mean and var = sum (x - mean)^2 / rows from one read of x (shifted sums, below),
//                                 invStd = 1 / sqrt(var + eps),
//                                 running = (1 - momentum) running + momentum * {mean, var * rows / (rows - 1)}
//   apply:  y = noise(relu?(gamma * ((x - mean) * invStd) + beta))
// Inference: y = noise(relu?(gamma * ((x - runningMean) * (1 / sqrt(runningVar + eps))) + beta)).
// Backward (3 launches), with g = dy masked by (pre-activation > 0) when relu, xhat = (x - mean) * invStd:
//   dBeta = sum g, dGamma = sum g * xhat,  dx = gamma * invStd * (g - dBeta / rows - xhat * dGamma / rows).
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
extern "C" __global__ void __launch_bounds__(256)
batchnorm_stats_partial(const float* __restrict__ dX, long long rows, int C, long long chunkRows,
                        double* __restrict__ dPartS, double* __restrict__ dPartQ) {
  __shared__ vant::colred::Smem sm;
  vant::colred::partial(
      [&](long long r, int c, double& v0, double& v1) {
        const double d = (double)dX[r * C + c] - (double)dX[c];
        v0 = d;
        v1 = d * d;
      },
      rows, C, chunkRows, dPartS, dPartQ, sm);
}

extern "C" __global__ void __launch_bounds__(256)
batchnorm_stats_final(const double* __restrict__ dPartS, const double* __restrict__ dPartQ, long long nChunks, int C,
                      long long rows, float momentum, float eps, const float* __restrict__ dX, float* __restrict__ dMean,
                      float* __restrict__ dRunningMean, float* __restrict__ dRunningVar, float* __restrict__ dInvStd) {
  const int c = vant::colred::warp_column();
  if (c >= C) return;  // whole warps
  const double S = vant::colred::total(dPartS, nChunks, C, c), Q = vant::colred::total(dPartQ, nChunks, C, c);
  if (!vant::colred::writer()) return;
  const double md = S / (double)rows;                     // mean - K
  const double sq = fmax(Q - S * md, 0.0);                // sum of squared deviations from the mean
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
  for (long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x; g < groups;
       g += (long long)gridDim.x * blockDim.x) {
    const int c0 = (int)((g << 2) % C);  // the channel of the group's first element; lanes step from it
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
  for (long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x; g < groups;
       g += (long long)gridDim.x * blockDim.x) {
    const int c0 = (int)((g << 2) % C);  // the channel of the group's first element; lanes step from it
    vant::noise_store_group(na, g, total, dY, [&](long long e) {
      int c = c0 + (int)(e & 3);
      while (c >= C) c -= C;
      const float invStd = vant::bn::inference_inv_std(dRunningVar[c], eps);
      return vant::relu_if(relu != 0, vant::bn::pre(dX[e], dRunningMean[c], invStd, dGamma[c], dBeta[c]));
    });
  }
}

extern "C" __global__ void __launch_bounds__(256)
batchnorm_backward_partial(const float* __restrict__ dDy, const float* __restrict__ dX,
                           const float* __restrict__ dGamma, const float* __restrict__ dBeta,
                           const float* __restrict__ dMean, const float* __restrict__ dInvStd, int relu,
                           long long rows, int C, long long chunkRows, double* __restrict__ dPartG,
                           double* __restrict__ dPartGX) {
  __shared__ vant::colred::Smem sm;
  vant::colred::partial(
      [&](long long r, int c, double& v0, double& v1) {
        const long long e = r * C + c;
        const float xhat = (dX[e] - dMean[c]) * dInvStd[c];
        float g = dDy[e];
        if (relu && !(vant::bn::pre(dX[e], dMean[c], dInvStd[c], dGamma[c], dBeta[c]) > 0.0f)) g = 0.0f;
        v0 = g;
        v1 = (double)g * (double)xhat;
      },
      rows, C, chunkRows, dPartG, dPartGX, sm);
}

extern "C" __global__ void __launch_bounds__(256)
batchnorm_backward_final(const double* __restrict__ dPartG, const double* __restrict__ dPartGX, long long nChunks,
                         int C, float* __restrict__ dDGamma, float* __restrict__ dDBeta) {
  const int c = vant::colred::warp_column();
  if (c >= C) return;  // whole warps
  const double g = vant::colred::total(dPartG, nChunks, C, c), gx = vant::colred::total(dPartGX, nChunks, C, c);
  if (!vant::colred::writer()) return;
  dDBeta[c] = (float)g;
  dDGamma[c] = (float)gx;
}

// dx may be dy.
extern "C" __global__ void __launch_bounds__(256)
batchnorm_backward_apply(const float* dDy, const float* __restrict__ dX, const float* __restrict__ dGamma,
                         const float* __restrict__ dBeta, const float* __restrict__ dMean,
                         const float* __restrict__ dInvStd, const float* __restrict__ dDGamma,
                         const float* __restrict__ dDBeta, int relu, long long rows, int C, float* dDx) {
  const long long total = rows * C;
  const float invRows = (float)(1.0 / (double)rows);
  // The channel of every element: a FastDiv where all indices fit 31 bits (any activation of a CIFAR-sized
  // ResNet), else the 64-bit remainder (~4 vs ~70 instructions per element).
  const vant::FastDiv fc = vant::FastDiv::of((uint32_t)C);
  const bool narrow = total <= 0x7FFFFFFFLL;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total;
       e += (long long)gridDim.x * blockDim.x) {
    const int c = narrow ? (int)fc.mod((uint32_t)e) : (int)(e % C);
    const float xhat = (dX[e] - dMean[c]) * dInvStd[c];
    float g = dDy[e];
    if (relu && !(vant::bn::pre(dX[e], dMean[c], dInvStd[c], dGamma[c], dBeta[c]) > 0.0f)) g = 0.0f;
    dDx[e] = dGamma[c] * dInvStd[c] * (g - dDBeta[c] * invRows - xhat * (dDGamma[c] * invRows));
  }
}

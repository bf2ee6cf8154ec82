// kernels/elementwise.cu — ReLU + noise, residual add + ReLU + noise, their backward passes, the
// standalone noise point (every noise type) and its backward, and fill.
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 grid-stride, one thread per Philox group of 4 elements (one Philox call per 4
//   outputs), scalar loads (this one).
// Binding: dev.vant.backend.cuda.Elementwise. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes: every tensor [total] in canonical order; noise sample n owns [n*perSample, (n+1)*perSample).
//   relu_forward       y = noise(relu(x))                    relu_backward      dx = x > 0 ? dy : 0
//   add_relu_forward   y = noise(relu(a + b))                add_relu_backward  dx = a + b > 0 ? dy : 0
//                      (a, b: plain, or normalized on the fly by their BatchNorms: vant::JoinIn)
//   noise_forward      y = noise(x)                          noise_backward     dx = dy * dnoise/dx
//   fill_value         y = value                             copy_values        dst = src
//   add_values         y = a + b
// Outputs may alias inputs (each thread reads its elements before writing them).
#include "batchnorm.cuh"
#include "noise_epilogue.cuh"

#define VANT_GRID_STRIDE(i, n) \
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)

extern "C" __global__ void __launch_bounds__(256)
relu_forward(const float* dX, float* dY, long long total, int noiseType, float sigmaScalar,
             const float* __restrict__ dSigma, long long perSample, unsigned long long seed, unsigned int site,
             unsigned int step, const vant::StepState* dState) {
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  VANT_GRID_STRIDE(g, (total + 3) >> 2) {
    vant::noise_store_group(na, g, total, dY, [&](long long e) { return vant::relu_if(true, dX[e]); });
  }
}

extern "C" __global__ void __launch_bounds__(256)
relu_backward(const float* dDy, const float* dX, float* dDx, long long total) {
  VANT_GRID_STRIDE(e, total) { dDx[e] = dX[e] > 0.0f ? dDy[e] : 0.0f; }
}

// The residual join's two inputs, each plain or read through its BatchNorm (vant::JoinIn, batchnorm.cuh): the
// BatchNorm's output is never written, the join computes it from the BatchNorm's input and statistics (the same
// bn::pre, so the same bits). C is the channel count of the normalized inputs (any value when both are plain).
#define VANT_JOIN_PARAMS(p)                                                                                     \
  const float *p##X, const float *__restrict__ p##Gamma, const float *__restrict__ p##Beta,                    \
      const float *__restrict__ p##Mean, const float *__restrict__ p##Scale, float p##Eps, int p##Mode
#define VANT_JOIN_IN(p) vant::JoinIn{p##X, p##Gamma, p##Beta, p##Mean, p##Scale, p##Eps, p##Mode}

extern "C" __global__ void __launch_bounds__(256)
add_relu_forward(VANT_JOIN_PARAMS(dA), VANT_JOIN_PARAMS(dB), int C, float* dY, long long total, int noiseType,
                 float sigmaScalar, const float* __restrict__ dSigma, long long perSample, unsigned long long seed,
                 unsigned int site, unsigned int step, const vant::StepState* dState) {
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  const vant::JoinIn a = VANT_JOIN_IN(dA), b = VANT_JOIN_IN(dB);
  const bool normalized = a.mode != 0 || b.mode != 0;
  const vant::ChannelOf channel = normalized ? vant::ChannelOf::of(C, total) : vant::ChannelOf{};
  VANT_GRID_STRIDE(g, (total + 3) >> 2) {
    // The channel of the group's first element; its lanes step from it.
    const int c0 = normalized ? channel(g << 2) : 0;
    vant::noise_store_group(na, g, total, dY, [&](long long e) {
      int c = c0 + (int)(e & 3);
      while (c >= C) c -= C;
      return vant::relu_if(true, a.at(e, c) + b.at(e, c));
    });
  }
}

extern "C" __global__ void __launch_bounds__(256)
add_relu_backward(const float* dDy, VANT_JOIN_PARAMS(dA), VANT_JOIN_PARAMS(dB), int C, float* dDx, long long total) {
  const vant::JoinIn a = VANT_JOIN_IN(dA), b = VANT_JOIN_IN(dB);
  const bool normalized = a.mode != 0 || b.mode != 0;
  const vant::ChannelOf channel = normalized ? vant::ChannelOf::of(C, total) : vant::ChannelOf{};
  VANT_GRID_STRIDE(e, total) {
    const int c = normalized ? channel(e) : 0;
    dDx[e] = a.at(e, c) + b.at(e, c) > 0.0f ? dDy[e] : 0.0f;
  }
}

extern "C" __global__ void __launch_bounds__(256)
noise_forward(const float* dX, float* dY, long long total, int noiseType, float sigmaScalar,
              const float* __restrict__ dSigma, long long perSample, unsigned long long seed, unsigned int site,
              unsigned int step, const vant::StepState* dState) {
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  VANT_GRID_STRIDE(g, (total + 3) >> 2) {
    vant::noise_store_group(na, g, total, dY, [&](long long e) { return dX[e]; });
  }
}

extern "C" __global__ void __launch_bounds__(256)
noise_backward(const float* dDy, float* dDx, long long total, int noiseType, float sigmaScalar,
               const float* __restrict__ dSigma, long long perSample, unsigned long long seed, unsigned int site,
               unsigned int step, const vant::StepState* dState) {
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  VANT_GRID_STRIDE(e, total) { dDx[e] = dDy[e] * vant::noise_grad_factor(na, e); }
}

extern "C" __global__ void __launch_bounds__(256)
fill_value(float* dY, long long total, float value) {
  VANT_GRID_STRIDE(e, total) { dY[e] = value; }
}

extern "C" __global__ void __launch_bounds__(256)
copy_values(const float* __restrict__ dSrc, float* __restrict__ dDst, long long total) {
  VANT_GRID_STRIDE(e, total) { dDst[e] = dSrc[e]; }
}

// y = a + b (y may alias a or b): sums the two gradients that meet at a residual block's input.
extern "C" __global__ void __launch_bounds__(256)
add_values(const float* dA, const float* dB, float* dY, long long total) {
  VANT_GRID_STRIDE(e, total) { dY[e] = dA[e] + dB[e]; }
}

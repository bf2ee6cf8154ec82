// kernels/noise.cu — standalone additive noise with a per-sample sigma (the network input's noise point).
// nvcc: native/build-kernels.sh (-O3, sm_80/86/89/90 + compute_90 PTX). Versions tried: v1 one thread
// per Philox group (4 elements), grid-stride, 16-byte loads/stores when aligned (this one).
//
// Shapes: x, y [total] in canonical order (e.g. NHWC), sample n owns elements [n*perSample, (n+1)*perSample);
//         sigma [N] per-sample levels, or nullptr to use sigmaScalar for every sample.
//   y[e] = fma(sigma[e / perSample], eps(seed, site, step, e), x[e])   (one rounding; Java: Math.fma)
// Java twin: dev.vant.random.NoiseStream (the reference); binding: dev.vant.cuda.NoiseKernel.
#include "philox.cuh"

extern "C" __global__ void __launch_bounds__(256)
noise_add(const float* __restrict__ dX, float* __restrict__ dY, const float* __restrict__ dSigma,
          float sigmaScalar, long long total, long long perSample,
          unsigned long long seed, unsigned int site, unsigned int step) {
  const long long groups = (total + 3) >> 2;
  const bool vec = ((total & 3) == 0) && ((((uintptr_t)dX) | ((uintptr_t)dY)) & 15) == 0;
  for (long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x; g < groups;
       g += (long long)gridDim.x * blockDim.x) {
    const vant::Gauss4 z = vant::noise_group(seed, site, step, (uint64_t)g);
    const long long e0 = g << 2;
    if (vec) {
      // 4 | total and 4 | e0, but a group may still straddle two samples when 4 does not divide perSample.
      const long long n0 = e0 / perSample, n3 = (e0 + 3) / perSample;
      float4 v = reinterpret_cast<const float4*>(dX)[g];
      if (n0 == n3 || !dSigma) {
        const float s = dSigma ? dSigma[n0] : sigmaScalar;
        v.x = fmaf(s, z.z0, v.x); v.y = fmaf(s, z.z1, v.y); v.z = fmaf(s, z.z2, v.z); v.w = fmaf(s, z.z3, v.w);
      } else {
        v.x = fmaf(dSigma[(e0 + 0) / perSample], z.z0, v.x); v.y = fmaf(dSigma[(e0 + 1) / perSample], z.z1, v.y);
        v.z = fmaf(dSigma[(e0 + 2) / perSample], z.z2, v.z); v.w = fmaf(dSigma[(e0 + 3) / perSample], z.z3, v.w);
      }
      reinterpret_cast<float4*>(dY)[g] = v;
    } else {
      for (int lane = 0; lane < 4; ++lane) {
        const long long e = e0 + lane;
        if (e >= total) break;
        const float s = dSigma ? dSigma[e / perSample] : sigmaScalar;
        dY[e] = fmaf(s, vant::lane_of(z, lane), dX[e]);
      }
    }
  }
}

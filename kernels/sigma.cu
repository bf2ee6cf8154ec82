// kernels/sigma.cu — VANT per-sample noise levels drawn on the device from the Philox contract.
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 one thread per sample (this one; N is a batch size).
// Binding: dev.vant.backend.cuda.Sigma. Reference: dev.vant.backend.cpu.ReferenceBackend.sampleSigmas.
//
// Shapes: sigma [N].   sigma[i] = fma(theta, |z_i|, base),  z_i = eps(seed, site, step, i)  (philox.cuh)
#include "philox.cuh"

extern "C" __global__ void __launch_bounds__(256)
sample_sigmas(float* __restrict__ dSigma, int n, unsigned long long seed, unsigned int site, unsigned int step,
              float base, float theta) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) dSigma[i] = fmaf(theta, fabsf(vant::noise_element(seed, site, step, (uint64_t)i)), base);
}

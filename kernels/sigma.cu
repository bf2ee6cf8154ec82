// kernels/sigma.cu — VANT per-sample noise levels drawn on the device from the Philox contract.
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 one thread per sample (this one; N is a batch size).
// Binding: dev.vant.backend.cuda.Sigma. Reference: dev.vant.backend.cpu.ReferenceBackend.sampleSigmas.
//
// Shapes: sigma [N].   sigma[i] = fma(theta, |z_i|, base),  z_i = eps(seed, site, step, i)  (philox.cuh);
//   step = dState->step when dState is given (a captured step, step_state.cuh), else the parameter.
#include "philox.cuh"
#include "step_state.cuh"

extern "C" __global__ void __launch_bounds__(256)
sample_sigmas(float* __restrict__ dSigma, int n, unsigned long long seed, unsigned int site, unsigned int step,
              float base, float theta, const vant::StepState* dState) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned int s = dState ? dState->step : step;
  if (i < n) dSigma[i] = fmaf(theta, fabsf(vant::noise_element(seed, site, s, (uint64_t)i)), base);
}

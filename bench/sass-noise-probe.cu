// bench/sass-noise-probe.cu — one kernel per piece of the noise contract (kernels/philox.cuh), to count its SASS
// instructions without a GPU (bench/results/2026-12-05-sass-mainloop.md, "Noise"):
//   nvcc -cubin -std=c++17 -O3 -gencode arch=compute_90,code=sm_90 -I kernels bench/sass-noise-probe.cu -o p.cubin
//   cuobjdump -sass p.cubin    (count up to each kernel's first EXIT: the straight-line path, slow paths excluded)
// The *_cuda kernels are CUDA's precise logf / sqrtf / sincospif on the same inputs, which the GPU used before
// kernels/box_muller.cuh. Not part of the build.
#include "philox.cuh"

extern "C" __global__ void probe_group(float4* out, unsigned long long seed) {  // Philox + 2 Box-Muller pairs
  const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
  const vant::Gauss4 z = vant::noise_group(seed, 7u, 3u, g);
  out[g] = make_float4(z.z0, z.z1, z.z2, z.z3);
}
extern "C" __global__ void probe_words(uint4* out, unsigned long long seed) {  // Philox4x32-10 alone
  const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
  const vant::Words4 w = vant::noise_words(seed, 7u, 3u, g);
  out[g] = make_uint4(w.x0, w.x1, w.x2, w.x3);
}
extern "C" __global__ void probe_pair(float2* out, const uint2* in) {  // one Box-Muller pair
  const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
  float a, b;
  vant::bm::box_muller(in[g].x, in[g].y, &a, &b);
  out[g] = make_float2(a, b);
}
extern "C" __global__ void probe_radius(float* out, const unsigned* in) {  // sqrt(-2 ln u), box_muller.cuh
  const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
  out[g] = vant::bm::radius(in[g] >> 9);
}
extern "C" __global__ void probe_sincospi(float2* out, const float* in) {  // sin/cos(pi a), box_muller.cuh
  const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
  float s, c;
  vant::bm::sincospi_quarter(in[g], &s, &c);
  out[g] = make_float2(s, c);
}
extern "C" __global__ void probe_radius_cuda(float* out, const unsigned* in) {  // logf + sqrtf
  const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
  out[g] = sqrtf(-2.0f * logf(((float)(in[g] >> 9) + 0.5f) * 0x1p-23f));
}
extern "C" __global__ void probe_sincospi_cuda(float2* out, const float* in) {  // sincospif on [0, 0.5)
  const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
  float s, c;
  sincospif(in[g], &s, &c);
  out[g] = make_float2(s, c);
}
// The transform as the GPU computed it before box_muller.cuh (CUDA's logf, sqrtf, sincospif), for the side-by-side.
__device__ __forceinline__ void box_muller_cuda(uint32_t xe, uint32_t xo, float* ze, float* zo) {
  const float r = sqrtf(-2.0f * logf(((float)(xe >> 9) + 0.5f) * 0x1p-23f));
  const uint32_t m = xo >> 8, quadrant = m >> 22;
  float s, c;
  sincospif((float)(m & 0x3FFFFFu) * 0x1p-23f, &s, &c);
  const bool swap = (quadrant & 1u) != 0;
  const float a = swap ? s : c, b = swap ? c : s;
  *ze = r * ((quadrant == 1u || quadrant == 2u) ? -a : a);
  *zo = r * (quadrant >= 2u ? -b : b);
}
extern "C" __global__ void probe_group_cuda(float4* out, unsigned long long seed) {
  const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
  const vant::Words4 w = vant::noise_words(seed, 7u, 3u, g);
  float4 z;
  box_muller_cuda(w.x0, w.x1, &z.x, &z.y);
  box_muller_cuda(w.x2, w.x3, &z.z, &z.w);
  out[g] = z;
}
extern "C" __global__ void probe_pair_cuda(float2* out, const uint2* in) {
  const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
  float a, b;
  box_muller_cuda(in[g].x, in[g].y, &a, &b);
  out[g] = make_float2(a, b);
}

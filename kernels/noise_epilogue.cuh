// kernels/noise_epilogue.cuh — the one epilogue of every kernel that writes a noisy output
// (conv, matmul, batchnorm, relu, add+relu, pooling, standalone noise).
//
//   v = acc (+ bias[col]) ; v = relu ? (v > 0 or NaN ? v : 0) : v ; y[e] = noise(v, e)
//
// with s = dSigma ? dSigma[e / perSample] : sigmaScalar and z = eps(seed, site, step, e) (philox.cuh):
//   NONE            y = v
//   ADDITIVE        y = fma(s, z, v)                                   (one rounding)
//   MULTIPLICATIVE  y = v * fma(s, z, 1)
//   COMBINED        y = fma(s, z2, v * fma(s, z, 1)),  z2 = eps(seed, site | 0x80000000, step, e)
// Backward (noise_grad_factor): dx = dy for ADDITIVE, dy * fma(s, z, 1) for MULTIPLICATIVE / COMBINED.
// Java twin: dev.vant.backend.Noise (the contract) as implemented by dev.vant.backend.cpu.ReferenceBackend.
#pragma once
#include "fastdiv.cuh"
#include "philox.cuh"
#include "step_state.cuh"

namespace vant {

enum NoiseType : int { NOISE_NONE = 0, NOISE_ADDITIVE = 1, NOISE_MULTIPLICATIVE = 2, NOISE_COMBINED = 3 };

constexpr uint32_t SECOND_STREAM = 0x80000000u;

// The noise of one application, as the kernels receive it (flattened into scalar kernel parameters
// at every entry point so the Java side passes plain ints, floats and pointers). The last parameter of
// every entry point, dState, is nullptr in eager launches; a captured step (CUDA graph) passes its
// StepState and the step word is read from there instead of the frozen parameter (step_state.cuh).
struct NoiseArgs {
  int type;
  float sigmaScalar;
  const float* dSigma;   // [samples] or nullptr
  long long perSample;   // elements per sample of the output
  unsigned long long seed;
  unsigned int site;
  unsigned int step;
  FastDiv perDiv;        // e / perSample for e < 2^31 when perNarrow (a 64-bit division per group otherwise)
  bool perNarrow;
};

__host__ __device__ __forceinline__ NoiseArgs make_noise(int type, float sigmaScalar, const float* dSigma,
                                                         long long perSample, unsigned long long seed,
                                                         unsigned int site, unsigned int step,
                                                         const StepState* dState) {
  NoiseArgs a;
  a.type = type; a.sigmaScalar = sigmaScalar; a.dSigma = dSigma; a.perSample = perSample;
  a.seed = seed; a.site = site; a.step = dState ? dState->step : step;
  a.perNarrow = dSigma != nullptr && perSample >= 1 && perSample <= 0x7FFFFFFFLL;
  a.perDiv = FastDiv::of(a.perNarrow ? (uint32_t)perSample : 1u);
  return a;
}

// The sample of element e (its row of the per-sample levels).
__host__ __device__ __forceinline__ long long noise_sample(const NoiseArgs& a, long long e) {
  return (a.perNarrow && e <= 0x7FFFFFFFLL) ? (long long)a.perDiv.div((uint32_t)e) : e / a.perSample;
}

__host__ __device__ __forceinline__ float noise_level(const NoiseArgs& a, long long e) {
  return a.dSigma ? a.dSigma[noise_sample(a, e)] : a.sigmaScalar;
}

// The formula of the header for one element: level s, pre-noise value v, Gaussians z (first stream) and z2
// (second stream; read by COMBINED only). Every noisy kernel ends here, so all produce the same bits.
// Branch-free (the type is uniform, but a switch per element put branches in every unrolled lane of the
// epilogues): one form, fma(as, az, v * scale), gives each type's formula bit for bit —
//   NONE            fma(-0, +0, v * 1)         = v                  (v * 1 is exact; adding -0 keeps any v, -0 too)
//   ADDITIVE        fma(s, z, v * 1)           = fma(s, z, v)
//   MULTIPLICATIVE  fma(-0, +0, v * fma(s,z,1)) = v * fma(s, z, 1)
//   COMBINED        fma(s, z2, v * fma(s,z,1))
__host__ __device__ __forceinline__ float noise_formula(int type, float s, float v, float z, float z2) {
  const bool mul = type == NOISE_MULTIPLICATIVE || type == NOISE_COMBINED;
  const float scale = mul ? fmaf(s, z, 1.0f) : 1.0f;
  const float as = (type == NOISE_ADDITIVE || type == NOISE_COMBINED) ? s : -0.0f;
  const float az = type == NOISE_ADDITIVE ? z : type == NOISE_COMBINED ? z2 : 0.0f;
  return fmaf(as, az, v * scale);
}

// y = noise(v) for element e, given its Gaussian z (first stream); the second stream is drawn here.
__host__ __device__ __forceinline__ float noise_apply_z(const NoiseArgs& a, float v, long long e, float z) {
  const float z2 = a.type == NOISE_COMBINED ? noise_element(a.seed, a.site | SECOND_STREAM, a.step, (uint64_t)e) : 0.0f;
  return noise_formula(a.type, noise_level(a, e), v, z, z2);
}

// y = noise(v) for element e (draws its own Gaussian; kernels owning a whole group use noise_store_group).
__host__ __device__ __forceinline__ float noise_apply(const NoiseArgs& a, float v, long long e) {
  if (a.type == NOISE_NONE) return v;
  return noise_apply_z(a, v, e, noise_element(a.seed, a.site, a.step, (uint64_t)e));
}

// d noise(v) / dv at element e: 1 for ADDITIVE and NONE, fma(s, z, 1) otherwise.
__host__ __device__ __forceinline__ float noise_grad_factor(const NoiseArgs& a, long long e) {
  if (a.type != NOISE_MULTIPLICATIVE && a.type != NOISE_COMBINED) return 1.0f;
  return fmaf(noise_level(a, e), noise_element(a.seed, a.site, a.step, (uint64_t)e), 1.0f);
}

// ReLU that propagates NaN (as PyTorch and the reference do) instead of hiding it as 0.
__host__ __device__ __forceinline__ float relu_if(bool relu, float v) {
  return relu ? ((v > 0.0f || v != v) ? v : 0.0f) : v;
}

// The GEMM epilogue: y[e] = noise(relu?(acc + bias)). Bias absent: acc unchanged (no +0 rounding of -0).
__host__ __device__ __forceinline__ void epilogue_store(float* dY, long long e, float acc, const float* dBias,
                                                        int col, bool relu, const NoiseArgs& a) {
  const float v = dBias ? acc + dBias[col] : acc;
  dY[e] = noise_apply(a, relu_if(relu, v), e);
}

// Elementwise kernels own whole Philox groups: elements 4g .. 4g+3 (clipped to total) get
// y[e] = noise(v[e - 4g]), with one Philox call for the four of them.
__host__ __device__ __forceinline__ void noise_store_values(const NoiseArgs& a, long long g, long long total,
                                                            float* dY, float (&v)[4]) {
  const long long e0 = g << 2;
  if (a.type != NOISE_NONE) {
    // The same bits as noise_apply_z per element (same level, Gaussians and formula), with one Philox call per
    // stream and one sample lookup per group (noise_sample: a FastDiv) instead of a 64-bit division per element:
    // the first H200 run showed those divisions, not the Philox rounds, dominating the elementwise noisy kernels.
    const Gauss4 z = noise_group(a.seed, a.site, a.step, (uint64_t)g);
    Gauss4 z2{0.0f, 0.0f, 0.0f, 0.0f};
    if (a.type == NOISE_COMBINED) z2 = noise_group(a.seed, a.site | SECOND_STREAM, a.step, (uint64_t)g);
    const float zl[4] = {z.z0, z.z1, z.z2, z.z3}, z2l[4] = {z2.z0, z2.z1, z2.z2, z2.z3};
    if (e0 + 3 < total && (!a.dSigma || (a.perSample & 3) == 0)) {
      // The common case: 4 elements of one sample (perSample % 4 == 0 keeps groups inside samples): one level.
      const float s = a.dSigma ? a.dSigma[noise_sample(a, e0)] : a.sigmaScalar;
#pragma unroll
      for (int lane = 0; lane < 4; ++lane) v[lane] = noise_formula(a.type, s, v[lane], zl[lane], z2l[lane]);
    } else {
      long long sample = 0, rem = 0;
      if (a.dSigma) { sample = noise_sample(a, e0); rem = e0 - sample * a.perSample; }
#pragma unroll
      for (int lane = 0; lane < 4; ++lane) {
        if (e0 + lane < total) {  // past the end, the level would be read past the sigma array
          const float s = a.dSigma ? a.dSigma[sample] : a.sigmaScalar;
          v[lane] = noise_formula(a.type, s, v[lane], zl[lane], z2l[lane]);
        }
        if (++rem == a.perSample) { rem = 0; ++sample; }
      }
    }
  }
  if (e0 + 3 < total && ((uintptr_t)(dY + e0) & 15) == 0) {
    *reinterpret_cast<float4*>(dY + e0) = make_float4(v[0], v[1], v[2], v[3]);  // one 16-byte store
  } else {
#pragma unroll
    for (int lane = 0; lane < 4; ++lane) if (e0 + lane < total) dY[e0 + lane] = v[lane];
  }
}

// As noise_store_values, with the values from `value` (any callable long long -> float; lanes past total are
// not asked for).
template <class F>
__host__ __device__ __forceinline__ void noise_store_group(const NoiseArgs& a, long long g, long long total,
                                                           float* dY, F value) {
  const long long e0 = g << 2;
  float v[4];
#pragma unroll
  for (int lane = 0; lane < 4; ++lane) v[lane] = (e0 + lane < total) ? value(e0 + lane) : 0.0f;
  noise_store_values(a, g, total, dY, v);
}

}  // namespace vant

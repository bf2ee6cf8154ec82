// kernels/philox.cuh — the noise contract of DESIGN.md §2, one source for the GPU and the CPU.
//
// Noise is a pure function of (seed, site, step, element e):
//   group g = e >> 2, lane = e & 3
//   key     = (seed lo32, seed hi32)
//   counter = (g lo32, g hi32, site, step)
//   x0..x3  = Philox4x32-10(counter, key)
//   Box-Muller on (x0, x1) -> lanes 0, 1 and on (x2, x3) -> lanes 2, 3:
//     u = ((x_even >> 9) + 0.5) * 2^-23      radius input, exact in float, never 0 or 1
//     v = (x_odd >> 8) * 2^-24               angle fraction in [0, 1)
//     z_even = sqrt(-2 ln u) * cos(2 pi v),  z_odd = sqrt(-2 ln u) * sin(2 pi v)
// The Java twin is dev.vant.random.Philox / dev.vant.random.NoiseStream; both produce the same 32-bit
// words bit for bit and the same Gaussians within a few ulps (transcendentals differ slightly).
//
// The header compiles under nvcc (device and host) and under plain g++ (native/ host checks and the
// CPU emulation of the kernels), where __host__/__device__ mean nothing.
#pragma once
#include <stdint.h>

#if !defined(__CUDACC__)
#include <math.h>
#ifndef __host__
#define __host__
#endif
#ifndef __device__
#define __device__
#endif
#ifndef __forceinline__
#define __forceinline__ inline __attribute__((always_inline))
#endif
#endif

#define VANT_HD __host__ __device__ __forceinline__

namespace vant {

// Philox4x32 constants (Salmon et al. 2011; Random123).
constexpr uint32_t PHILOX_M0 = 0xD2511F53u;
constexpr uint32_t PHILOX_M1 = 0xCD9E8D57u;
constexpr uint32_t PHILOX_W0 = 0x9E3779B9u;  // key increment, golden ratio
constexpr uint32_t PHILOX_W1 = 0xBB67AE85u;  // key increment, sqrt(3) - 1

struct Words4 { uint32_t x0, x1, x2, x3; };

VANT_HD uint32_t mulhi32(uint32_t a, uint32_t b) {
#if defined(__CUDA_ARCH__)
  return __umulhi(a, b);
#else
  return (uint32_t)(((uint64_t)a * b) >> 32);
#endif
}

// Philox4x32-10 of counter (c0..c3) under key (k0, k1).
VANT_HD Words4 philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
#pragma unroll
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { k0 += PHILOX_W0; k1 += PHILOX_W1; }
    const uint32_t hi0 = mulhi32(PHILOX_M0, c0), lo0 = PHILOX_M0 * c0;
    const uint32_t hi1 = mulhi32(PHILOX_M1, c2), lo1 = PHILOX_M1 * c2;
    c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
  }
  return Words4{c0, c1, c2, c3};
}

// The four words of group g of the stream (seed, site, step).
VANT_HD Words4 noise_words(uint64_t seed, uint32_t site, uint32_t step, uint64_t group) {
  return philox4x32_10((uint32_t)group, (uint32_t)(group >> 32), site, step, (uint32_t)seed, (uint32_t)(seed >> 32));
}

// sin(pi t) and cos(pi t) for t in [0, 0.5).
VANT_HD void sincospi_reduced(float t, float* s, float* c) {
#if defined(__CUDA_ARCH__)
  sincospif(t, s, c);
#else
  // Host: double precision, rounded once; this is what the Java twin does too.
  const double a = 3.14159265358979323846 * (double)t;
  *s = (float)sin(a);
  *c = (float)cos(a);
#endif
}

VANT_HD float box_muller_radius(uint32_t x_even) {
  const float u = ((float)(x_even >> 9) + 0.5f) * 0x1p-23f;
#if defined(__CUDA_ARCH__)
  return sqrtf(-2.0f * logf(u));
#else
  return (float)sqrt(-2.0 * log((double)u));
#endif
}

// (r cos 2 pi v, r sin 2 pi v) with v = m * 2^-24, m = x_odd >> 8. The quadrant is split off with
// integer arithmetic, so the angle reduction is exact and cos(pi/2) is exactly 0 on both sides.
VANT_HD void box_muller(uint32_t x_even, uint32_t x_odd, float* z_even, float* z_odd) {
  const float r = box_muller_radius(x_even);
  const uint32_t m = x_odd >> 8;                 // 24 bits: angle = pi * m * 2^-23
  const uint32_t quadrant = m >> 22;             // pi/2 = 2^22 units
  const float t = (float)(m & 0x3FFFFFu) * 0x1p-23f;  // exact, in [0, 0.5)
  float s, c;
  sincospi_reduced(t, &s, &c);
  // Quadrant q: (cos, sin) = (c, s), (-s, c), (-c, -s), (s, -c) — as selects and sign flips, not a switch (which
  // compiled to branches around every Box-Muller pair on sm_90); negation is exact, so the bits are the switch's.
  const bool swap = (quadrant & 1u) != 0;
  const float a = swap ? s : c, b = swap ? c : s;
  const float cs = (quadrant == 1u || quadrant == 2u) ? -a : a;
  const float sn = quadrant >= 2u ? -b : b;
  *z_even = r * cs;
  *z_odd = r * sn;
}

struct Gauss4 { float z0, z1, z2, z3; };

// The four Gaussians of group g: elements 4g .. 4g+3.
VANT_HD Gauss4 noise_group(uint64_t seed, uint32_t site, uint32_t step, uint64_t group) {
  const Words4 w = noise_words(seed, site, step, group);
  Gauss4 z;
  box_muller(w.x0, w.x1, &z.z0, &z.z1);
  box_muller(w.x2, w.x3, &z.z2, &z.z3);
  return z;
}

VANT_HD float lane_of(const Gauss4& z, uint32_t lane) {
  return lane == 0 ? z.z0 : lane == 1 ? z.z1 : lane == 2 ? z.z2 : z.z3;
}

// One element's Gaussian. Kernels that own whole groups should call noise_group once instead.
VANT_HD float noise_element(uint64_t seed, uint32_t site, uint32_t step, uint64_t e) {
  return lane_of(noise_group(seed, site, step, e >> 2), (uint32_t)(e & 3));
}

}  // namespace vant

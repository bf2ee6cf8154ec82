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
// words bit for bit and the same Gaussians within a few ulps (the GPU's transcendentals are box_muller.cuh's).
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

#include "box_muller.cuh"

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

// The Gaussian transform comes in two arithmetics that agree within a few ulps (DESIGN.md §2):
//  - the reference: double precision, each function rounded once — what the Java twin computes; the host default;
//  - the device's: the float polynomials of box_muller.cuh, exhaustively checked against the reference
//    (native/box_muller_check.cpp). The GPU always uses it; the CPU emulation of the kernels too (VANT_DEVICE_MATH),
//    so the emulated GPU tests run the GPU's exact arithmetic.
#if defined(__CUDA_ARCH__) || defined(VANT_DEVICE_MATH)
constexpr bool DEVICE_MATH = true;
#else
constexpr bool DEVICE_MATH = false;
#endif

// The reference: u = ((x_even >> 9) + 0.5) * 2^-23, v = (x_odd >> 8) * 2^-24, z = sqrt(-2 ln u) (cos, sin)(2 pi v).
// The quadrant is split off with integer arithmetic, so the angle reduction is exact and cos(pi/2) is exactly 0.
VANT_HD void box_muller_reference(uint32_t x_even, uint32_t x_odd, float* z_even, float* z_odd) {
  const float u = ((float)(x_even >> 9) + 0.5f) * 0x1p-23f;
  const float r = (float)sqrt(-2.0 * log((double)u));
  const uint32_t m = x_odd >> 8;                      // 24 bits: angle = pi * m * 2^-23
  const uint32_t quadrant = m >> 22;                  // pi/2 = 2^22 units
  const float t = (float)(m & 0x3FFFFFu) * 0x1p-23f;  // exact, in [0, 0.5)
  const double angle = 3.14159265358979323846 * (double)t;
  const float s = (float)sin(angle), c = (float)cos(angle);
  // Quadrant q: (cos, sin) = (c, s), (-s, c), (-c, -s), (s, -c); negation is exact.
  const bool swap = (quadrant & 1u) != 0;
  const float a = swap ? s : c, b = swap ? c : s;
  *z_even = r * ((quadrant == 1u || quadrant == 2u) ? -a : a);
  *z_odd = r * (quadrant >= 2u ? -b : b);
}

template <bool kDeviceMath>
VANT_HD void box_muller(uint32_t x_even, uint32_t x_odd, float* z_even, float* z_odd) {
  if constexpr (kDeviceMath) bm::box_muller(x_even, x_odd, z_even, z_odd);
  else box_muller_reference(x_even, x_odd, z_even, z_odd);
}

struct Gauss4 { float z0, z1, z2, z3; };

// The four Gaussians of group g: elements 4g .. 4g+3.
template <bool kDeviceMath = DEVICE_MATH>
VANT_HD Gauss4 noise_group(uint64_t seed, uint32_t site, uint32_t step, uint64_t group) {
  const Words4 w = noise_words(seed, site, step, group);
  Gauss4 z;
  box_muller<kDeviceMath>(w.x0, w.x1, &z.z0, &z.z1);
  box_muller<kDeviceMath>(w.x2, w.x3, &z.z2, &z.z3);
  return z;
}

VANT_HD float lane_of(const Gauss4& z, uint32_t lane) {
  return lane == 0 ? z.z0 : lane == 1 ? z.z1 : lane == 2 ? z.z2 : z.z3;
}

// One element's Gaussian. Kernels that own whole groups should call noise_group once instead.
template <bool kDeviceMath = DEVICE_MATH>
VANT_HD float noise_element(uint64_t seed, uint32_t site, uint32_t step, uint64_t e) {
  return lane_of(noise_group<kDeviceMath>(seed, site, step, e >> 2), (uint32_t)(e & 3));
}

}  // namespace vant

// kernels/box_muller.cuh — the GPU's transcendental functions for the Box-Muller transform of kernels/philox.cuh:
// sqrt(-2 ln u) and (sin, cos)(pi t), restricted to the inputs the noise contract can produce.
//
// Why not logf / sincospif: they handle every float, and on sm_90 one Box-Muller pair with them took 105 SASS
// instructions (82 with the functions below; a Philox group of 4 Gaussians 246 -> 211:
// bench/results/2026-12-05-sass-mainloop.md, "Noise"). The contract only ever asks for
//   u = (k + 0.5) * 2^-23, k < 2^23      (2^23 values, all normal, in [2^-24, 1))
//   t = j * 2^-23,         j < 2^22      (2^22 values in [0, 0.5))
// so both functions here are short polynomials built only from IEEE-754 operations with one rounding each (fma, mul,
// add, correctly rounded sqrt, integer bit work). The host build computes the very same bits (fmaf, sqrtf, no
// contraction), which is what makes them checkable: native/box_muller_check.cpp runs all 2^23 radii and all 2^22
// angles against double precision and fails the build beyond the bounds stated there, and the CPU emulation of the
// kernels runs this exact code (VANT_DEVICE_MATH).
//
// Coefficients: near-minimax fits (Lawson's iteration) with each coefficient rounded to float before the rest are
// refitted — native/box_muller_fit.py prints them. Included by philox.cuh (which defines VANT_HD); not on its own.
#pragma once
#include <stdint.h>

namespace vant {
namespace bm {

// One rounding per operation on both sides. The host files that include this are compiled with -ffp-contract=off
// (native/build-host-tests.sh, native/emu/build-emu.sh), so g++ never fuses a multiply and an add by itself; nvcc
// would (--fmad=true), hence the explicit __f*_rn intrinsics, which it never contracts.
#if defined(__CUDA_ARCH__)
VANT_HD float fma_(float a, float b, float c) { return __fmaf_rn(a, b, c); }
VANT_HD float mul_(float a, float b) { return __fmul_rn(a, b); }
VANT_HD float add_(float a, float b) { return __fadd_rn(a, b); }
VANT_HD float sqrt_(float a) { return __fsqrt_rn(a); }
VANT_HD uint32_t bits_(float a) { return __float_as_uint(a); }
VANT_HD float float_(uint32_t b) { return __uint_as_float(b); }
#else
VANT_HD float fma_(float a, float b, float c) { return fmaf(a, b, c); }
VANT_HD float mul_(float a, float b) { return a * b; }
VANT_HD float add_(float a, float b) { return a + b; }
VANT_HD float sqrt_(float a) { return sqrtf(a); }
VANT_HD uint32_t bits_(float a) { uint32_t b; __builtin_memcpy(&b, &a, 4); return b; }
VANT_HD float float_(uint32_t b) { float a; __builtin_memcpy(&a, &b, 4); return a; }
#endif

// sqrt(-2 ln u) for u = (k + 0.5) * 2^-23 (any k < 2^23; nothing else).
//   u = 2^e * m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact: Sterbenz), ln u = e ln2 + log1p(f),
//   log1p(f) = f + f^2 Q(f) with Q a degree-8 fit of (log1p(f) - f) / f^2 on [-0.2929, 0.4142].
// ln2 is split (Cody-Waite) so e * LN2_HI is exact for |e| <= 24; the small parts are summed first.
VANT_HD float radius(uint32_t k) {
  const float u = ((float)k + 0.5f) * 0x1p-23f;                   // exact
  const uint32_t ix = bits_(u);
  const uint32_t off = ix - 0x3f3504f3u;                          // sqrt(1/2)'s bits: e flips there, not at 1
  const float e = (float)((int32_t)off >> 23);                    // floor(log2(u / sqrt(1/2))), in [-24, 0]
  const float f = add_(float_(ix - (off & 0xff800000u)), -1.0f);  // m - 1, exact
  float q = -0x1.4357b6p-4f;
  q = fma_(q, f, 0x1.0baeccp-3f);
  q = fma_(q, f, -0x1.0e5faap-3f);
  q = fma_(q, f, 0x1.21c57ap-3f);
  q = fma_(q, f, -0x1.5432ecp-3f);
  q = fma_(q, f, 0x1.99af24p-3f);
  q = fma_(q, f, -0x1.0003eap-2f);
  q = fma_(q, f, 0x1.555532p-2f);
  q = fma_(q, f, -0x1.fffffap-2f);
  const float lo = fma_(mul_(f, f), q, mul_(e, 0x1.7f7d1cp-20f));  // f^2 Q + e * LN2_LO
  const float ln_u = fma_(e, 0x1.62e4p-1f, add_(f, lo));           // e * LN2_HI + (f + lo)
  return sqrt_(mul_(-2.0f, ln_u));
}

// sin(pi a) and cos(pi a) for a = j * 2^-23 in [0, 0.25] (exact multiples; a = 0.5 - t stays one).
//   sin(pi a) = a (PI_HI + (PI_LO + a^2 P(a^2))),  cos(pi a) = 1 + a^2 C(a^2)
// with P of degree 2 and C of degree 3; pi's float rounding error (~0.5 ulp) is carried by PI_LO.
VANT_HD void sincospi_quarter(float a, float* s, float* c) {
  const float a2 = mul_(a, a);
  float p = fma_(a2, -0x1.2db5a6p-1f, 0x1.465facp+1f);
  p = fma_(a2, p, -0x1.4abbbep+2f);
  p = fma_(a2, p, -0x1.777a5cp-24f);                              // PI_LO
  *s = fma_(a, 0x1.921fb6p+1f, mul_(a, p));                        // PI_HI
  float q = fma_(a2, 0x1.d4f7eep-3f, -0x1.55b2b6p+0f);
  q = fma_(a2, q, 0x1.03c1b0p+2f);
  q = fma_(a2, q, -0x1.3bd3ccp+2f);
  *c = fma_(a2, q, 1.0f);
}

// (r cos 2 pi v, r sin 2 pi v) with r = radius(x_even >> 9) and v = (x_odd >> 8) * 2^-24: the quadrant and the
// octant are split off with integer and exact float arithmetic, so cos(pi/2) is exactly 0 and sin(pi/4) = cos(pi/4).
VANT_HD void box_muller(uint32_t x_even, uint32_t x_odd, float* z_even, float* z_odd) {
  const float r = radius(x_even >> 9);
  const uint32_t m = x_odd >> 8;                                  // angle = pi * m * 2^-23
  const uint32_t quadrant = m >> 22;                              // pi/2 = 2^22 units
  const uint32_t j = m & 0x3FFFFFu;                               // angle within the quadrant
  const bool upper = j > 0x200000u;                               // past pi/4: use the complementary angle
  const float a = (float)(upper ? 0x400000u - j : j) * 0x1p-23f;  // exact, in [0, 0.25]
  float s, c;
  sincospi_quarter(a, &s, &c);
  // Within the quadrant (cos, sin) = (c, s), or (s, c) past pi/4; quadrant q rotates that by q * pi/2:
  // (x, y) -> (-y, x). Selects and sign flips (exact), no branches.
  const bool swap = ((quadrant & 1u) != 0) != upper;
  const float x = swap ? s : c, y = swap ? c : s;
  const float cs = (quadrant == 1u || quadrant == 2u) ? -x : x;
  const float sn = quadrant >= 2u ? -y : y;
  *z_even = mul_(r, cs);
  *z_odd = mul_(r, sn);
}

}  // namespace bm
}  // namespace vant

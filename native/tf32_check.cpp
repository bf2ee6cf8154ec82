// native/tf32_check.cpp — the TF32 roundings of kernels/ptx.cuh compiled by g++ on the host (their host twins, the
// same formulas the GEMM kernels use): tf32_operand (the k loops' rounding, which leaves the 13 low bits to the
// tensor cores, who ignore them) read as the tensor cores read it equals cvt_rna_tf32, and both equal
// round-to-nearest, ties away from zero, at 10 mantissa bits computed independently in double precision (infinity
// past the largest TF32 value; NaN and infinity pass through), over the patterns main() lists. Exit 1 with the
// first mismatch. Run by native/build-host-tests.sh at every build.
// ptx.cuh outside nvcc and the emulation: its device-only helpers compile to nothing here.
#define __device__
#define __forceinline__ inline
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "ptx.cuh"
#pragma GCC diagnostic pop

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>

namespace {

float as_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// RNA to 10 mantissa bits in double: the grid step of x's binade (subnormals: the smallest normal binade's).
uint32_t reference(uint32_t u) {
  if ((u & 0x7F800000u) == 0x7F800000u) return u;
  const double x = std::fabs((double)as_float(u));
  const int e = (u & 0x7F800000u) ? (int)((u >> 23) & 0xFF) - 127 : -126;
  const double step = std::ldexp(1.0, e - 10);
  const double r = std::floor(x / step + 0.5) * step;  // exact: x / step < 2^11, so + 0.5 and floor are exact
  const double maxTf32 = std::ldexp(2.0 - std::ldexp(1.0, -10), 127);
  float f = r > maxTf32 ? INFINITY : (float)r;
  uint32_t v;
  std::memcpy(&v, &f, 4);
  return v | (u & 0x80000000u);
}

// One bit pattern: 0 if it passes, else 1 after printing why. ref: also against the double-precision rounding.
int check(uint32_t u, bool ref) {
  const float x = as_float(u);
  const uint32_t rna = vant::ptx::cvt_rna_tf32(x), operand = vant::ptx::tf32_operand(x);
  const bool nan = (u & 0x7FFFFFFFu) > 0x7F800000u;
  // The tensor cores' view of an operand: its top 19 bits. A NaN passes unchanged (cvt_rna_tf32's twin too), so it
  // reads as NaN, or as infinity where its payload lies only in the low 13 bits (ptx.cuh).
  const uint32_t seen = operand & 0xFFFFE000u;
  const bool same = nan ? ((seen & 0x7FFFFFFFu) >= 0x7F800000u && (operand & 0x7FFFFFFFu) > 0x7F800000u) : seen == rna;
  if (!same) {
    std::fprintf(stderr, "tf32: x = 0x%08" PRIx32 ": tf32_operand 0x%08" PRIx32 " (read as 0x%08" PRIx32
                 "), cvt_rna_tf32 0x%08" PRIx32 "\n", u, operand, seen, rna);
    return 1;
  }
  if (ref && !nan && rna != reference(u)) {
    std::fprintf(stderr, "tf32: x = 0x%08" PRIx32 ": cvt_rna_tf32 0x%08" PRIx32 ", round to nearest (ties away) 0x%08" PRIx32 "\n",
                 u, rna, reference(u));
    return 1;
  }
  return 0;
}

}  // namespace

int main() {
  // Every mantissa of both signs where the exponent makes a difference (zero and subnormals, the smallest normals,
  // around 1, the two largest finite binades, where rounding overflows, and infinity / NaN), against both.
  for (uint32_t e : {0u, 1u, 2u, 126u, 127u, 128u, 253u, 254u, 255u})
    for (uint32_t m = 0; m < (1u << 23); ++m)
      for (uint32_t sign : {0u, 0x80000000u})
        if (check(sign | e << 23 | m, true)) return 1;
  // Every 61st pattern of the whole range (every exponent; 61 is odd, so all residues of the low bits).
  for (uint64_t i = 0; i <= 0xFFFFFFFFull; i += 61)
    if (check((uint32_t)i, true)) return 1;
  std::printf("ok   tf32_operand read as 19 bits == cvt_rna_tf32 == RNA at 10 bits in double: every mantissa of 9 "
              "exponents (0-2, 126-128, 253-255), both signs, and every 61st bit pattern\n");
  return 0;
}

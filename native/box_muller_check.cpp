// native/box_muller_check.cpp — kernels/box_muller.cuh (the GPU's Box-Muller arithmetic) against double precision,
// on every input the noise contract can produce: all 2^23 radii and all 2^21 + 1 reduced angles (every angle of
// the contract maps onto one of them exactly). Run by native/build-host-tests.sh; exit 1 beyond the bounds.
//
// Errors are relative, in units of 2^-24 (half an ulp at the bottom of a binade; "0.5" = correctly rounded in
// the worst binade position). From the two bounds the Gaussian z = r * cos follows within
// (R + T + 1) * 2^-24 relative (one more rounding for the product), which the sampled check at the end confirms
// against the reference transform (double, rounded once per function: the Java twin).
#include "philox.cuh"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace {

// Bounds: what the fits reach (printed on every run), with a little room; tight enough that a wrong coefficient,
// a dropped Cody-Waite term or a contracted multiply-add fails.
// Measured 2026-12-05: radius 1.64 (sqrt's own rounding is up to 1 of it), sin 1.16, cos 1.20, z 5.92.
constexpr double RADIUS_BOUND = 1.75;  // units of 2^-24, relative
constexpr double TRIG_BOUND = 1.5;
// Device z vs reference z: (1.75 + 1.5 + 1) for the device side, (1 + 1 + 1) for the reference's three roundings.
constexpr double GAUSS_BOUND = 7.25;

double rel24(double got, double want) { return want == 0 ? (got == 0 ? 0 : INFINITY) : std::fabs(got - want) / std::fabs(want) * 0x1p24; }

struct Worst {
  double err = 0;
  long at = -1;
  void see(double e, long i) { if (!(e <= err)) { err = e; at = i; } }
};

}  // namespace

int main() {
  int bad = 0;

  Worst rad;
  for (uint32_t k = 0; k < (1u << 23); ++k) {
    const double u = ((double)k + 0.5) * 0x1p-23;
    rad.see(rel24(vant::bm::radius(k), std::sqrt(-2.0 * std::log(u))), k);
  }
  std::printf("%s radius sqrt(-2 ln u), all 2^23 u: worst %.3f x 2^-24 relative at k = %ld (bound %.2f)\n",
              rad.err <= RADIUS_BOUND ? "ok  " : "FAIL", rad.err, rad.at, RADIUS_BOUND);
  bad += !(rad.err <= RADIUS_BOUND);

  Worst sn, cs;
  for (uint32_t j = 0; j <= (1u << 21); ++j) {
    const float a = (float)j * 0x1p-23f;
    float s, c;
    vant::bm::sincospi_quarter(a, &s, &c);
    const double angle = M_PI * (double)a;
    sn.see(rel24(s, std::sin(angle)), j);
    cs.see(rel24(c, std::cos(angle)), j);
  }
  std::printf("%s sin(pi a), all 2^21 + 1 a in [0, 1/4]: worst %.3f x 2^-24 relative at j = %ld (bound %.2f)\n",
              sn.err <= TRIG_BOUND ? "ok  " : "FAIL", sn.err, sn.at, TRIG_BOUND);
  std::printf("%s cos(pi a), all 2^21 + 1 a in [0, 1/4]: worst %.3f x 2^-24 relative at j = %ld (bound %.2f)\n",
              cs.err <= TRIG_BOUND ? "ok  " : "FAIL", cs.err, cs.at, TRIG_BOUND);
  bad += !(sn.err <= TRIG_BOUND) + !(cs.err <= TRIG_BOUND);

  // Whole transform, device arithmetic vs the reference, on 2^22 Philox groups = 2^24 Gaussians (the quadrant and octant logic is
  // only exercised here). Exactly zero results (cos(pi/2)) must agree exactly.
  Worst z;
  for (uint64_t g = 0; g < (1u << 22); ++g) {
    const vant::Words4 w = vant::noise_words(0x5EEDull, 3, 11, g);
    const uint32_t xs[4] = {w.x0, w.x1, w.x2, w.x3};
    for (int p = 0; p < 4; p += 2) {
      float de, dodd, re, rodd;
      vant::bm::box_muller(xs[p], xs[p + 1], &de, &dodd);
      vant::box_muller_reference(xs[p], xs[p + 1], &re, &rodd);
      z.see(rel24(de, re), (long)(4 * g + p));
      z.see(rel24(dodd, rodd), (long)(4 * g + p + 1));
    }
  }
  // The angles at the octant and quadrant boundaries, where the selects switch.
  for (uint32_t q = 0; q < 4; ++q)
    for (int d = -2; d <= 2; ++d)
      for (uint32_t base : {0u, 0x200000u, 0x400000u}) {
        const uint32_t m = ((q << 22) + base + (uint32_t)d) & 0xFFFFFFu;
        float de, dodd, re, rodd;
        vant::bm::box_muller(0x12345678u, m << 8, &de, &dodd);
        vant::box_muller_reference(0x12345678u, m << 8, &re, &rodd);
        z.see(rel24(de, re), -1);
        z.see(rel24(dodd, rodd), -1);
      }
  std::printf("%s z = r (cos, sin)(2 pi v), 2^24 Gaussians + boundary angles vs the reference: worst %.3f x 2^-24 "
              "relative at element %ld (bound %.2f)\n", z.err <= GAUSS_BOUND ? "ok  " : "FAIL", z.err, z.at, GAUSS_BOUND);
  bad += !(z.err <= GAUSS_BOUND);
  return bad == 0 ? 0 : 1;
}

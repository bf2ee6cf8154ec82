// native/fastdiv_check.cpp — kernels/fastdiv.cuh compiled by g++ on the host: FastDiv::div against the
// hardware division, for every divisor 1..4096 with every dividend below 2^17 and the dividends next to each
// multiple of d near 2^31, and for 10^6 random (divisor, dividend) pairs over the whole range (d <= 2^31,
// n < 2^31). Exit 1 with the first mismatch. Run by native/build-host-tests.sh at every build.
#include "fastdiv.cuh"

#include <cinttypes>
#include <cstdio>
#include <initializer_list>

namespace {

uint64_t state = 0x9E3779B97F4A7C15ull;
uint32_t next() {  // splitmix64
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (uint32_t)(z ^ (z >> 31));
}

bool check(uint32_t d, uint32_t n) {
  const vant::FastDiv f = vant::FastDiv::of(d);
  if (f.div(n) == n / d) return true;
  std::fprintf(stderr, "fastdiv: %" PRIu32 " / %" PRIu32 " = %" PRIu32 ", FastDiv says %" PRIu32 "\n", n, d, n / d, f.div(n));
  return false;
}

}  // namespace

int main() {
  const uint32_t top = 0x7FFFFFFFu;  // the largest dividend allowed (2^31 - 1)
  for (uint32_t d = 1; d <= 4096; ++d) {
    for (uint32_t n = 0; n < (1u << 17); ++n)
      if (!check(d, n)) return 1;
    for (uint32_t q = top / d - 2; q <= top / d; ++q)
      for (int64_t dn = -1; dn <= 1; ++dn) {
        const int64_t n = (int64_t)q * d + dn;
        if (n >= 0 && n <= top && !check(d, (uint32_t)n)) return 1;
      }
  }
  const uint32_t big[] = {0x80000000u, 0x7FFFFFFFu, 0x40000001u, 65537u, 46341u};
  for (uint32_t d : big)
    for (uint32_t n : {0u, 1u, d - 1, d <= top ? d : 0u, top, top - 1, top / d * d, top / d * d - 1})
      if (n <= top && !check(d, n)) return 1;
  for (int i = 0; i < 1000000; ++i) {
    uint32_t d = next() >> (next() % 32);  // divisors of every magnitude
    if (d == 0 || d > 0x80000000u) d = 1 + (d & 0x7FFFFFFFu);
    if (!check(d, next() & top)) return 1;
  }
  std::printf("ok   FastDiv == hardware division (divisors 1..4096 exhaustively below 2^17 and near 2^31; 10^6 random)\n");
  return 0;
}

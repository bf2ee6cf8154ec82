// native/philox_check.cpp — kernels/philox.cuh compiled by g++ on the host.
//
//   philox_check kat                                  Random123 known-answer vectors; exit 1 on mismatch
//   philox_check words SEED SITE STEP GROUP0 NGROUPS  4*NGROUPS little-endian uint32 words to stdout
//   philox_check gauss SEED SITE STEP E0 COUNT        COUNT little-endian float32 Gaussians to stdout (the reference
//                                                     transform: double precision, as the Java twin)
//   philox_check gauss-device SEED SITE STEP E0 COUNT the same Gaussians in the GPU's arithmetic (box_muller.cuh):
//                                                     a GPU must produce exactly these bits
//
// dev.vant.random.PhiloxNativeTest runs it and compares with the Java generator word for word.
#include "philox.cuh"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

int kat() {
  struct Vec { uint32_t c[4]; uint32_t k[2]; uint32_t want[4]; };
  const Vec vecs[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu},
       {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u},
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
  };
  int bad = 0;
  for (const Vec& v : vecs) {
    const vant::Words4 w = vant::philox4x32_10(v.c[0], v.c[1], v.c[2], v.c[3], v.k[0], v.k[1]);
    const uint32_t got[4] = {w.x0, w.x1, w.x2, w.x3};
    const bool ok = std::memcmp(got, v.want, sizeof got) == 0;
    std::printf("%s ctr=%08x %08x %08x %08x key=%08x %08x -> %08x %08x %08x %08x\n", ok ? "ok  " : "FAIL",
                v.c[0], v.c[1], v.c[2], v.c[3], v.k[0], v.k[1], got[0], got[1], got[2], got[3]);
    bad += !ok;
  }
  return bad == 0 ? 0 : 1;
}

uint64_t arg_u64(const char* s) { return std::strtoull(s, nullptr, 0); }

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "kat") == 0) return kat();
  const bool device_math = argc == 7 && std::strcmp(argv[1], "gauss-device") == 0;
  if (argc == 7 && (std::strcmp(argv[1], "words") == 0 || std::strcmp(argv[1], "gauss") == 0 || device_math)) {
    const uint64_t seed = arg_u64(argv[2]);
    const uint32_t site = (uint32_t)arg_u64(argv[3]), step = (uint32_t)arg_u64(argv[4]);
    const uint64_t first = arg_u64(argv[5]), count = arg_u64(argv[6]);
    if (argv[1][0] == 'w') {
      std::vector<uint32_t> out(4 * count);
      for (uint64_t i = 0; i < count; ++i) {
        const vant::Words4 w = vant::noise_words(seed, site, step, first + i);
        out[4 * i] = w.x0; out[4 * i + 1] = w.x1; out[4 * i + 2] = w.x2; out[4 * i + 3] = w.x3;
      }
      return std::fwrite(out.data(), 4, out.size(), stdout) == out.size() ? 0 : 1;
    }
    std::vector<float> out(count);
    for (uint64_t i = 0; i < count; ++i)
      out[i] = device_math ? vant::noise_element<true>(seed, site, step, first + i)
                           : vant::noise_element<false>(seed, site, step, first + i);
    return std::fwrite(out.data(), 4, out.size(), stdout) == out.size() ? 0 : 1;
  }
  std::fprintf(stderr, "usage: philox_check kat | words SEED SITE STEP GROUP0 NGROUPS | gauss[-device] SEED SITE STEP E0 COUNT\n");
  return 2;
}

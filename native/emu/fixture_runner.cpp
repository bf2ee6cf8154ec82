// native/emu/fixture_runner.cpp — runs emulated kernels straight from C++ (no driver, no JVM) and checks
// them against host references. Built by native/emu/build-emu.sh three times: plain (target/emu/fixtures),
// under AddressSanitizer (fixtures-asan) and under ThreadSanitizer (fixtures-tsan); driven by
// dev.vant.cuda.EmulatorFixtureTest.
//
//   fixtures CASE [VARIANT]
//     race  sync|nosync        emu_reverse_block(_nosync): shared-memory exchange with/without barrier
//     edge  ok|offbyone        emu_matmul_tiled(_offbyone): FP32 tiles, ragged and tile-multiple sizes
//     mma   ok|badfrag         emu_matmul_tf32(_badfrag): mma.sync TF32 vs double references
//     warp                     shuffles, ballot, dynamic shared memory, atomicAdd, partial warps
//     noise                    kernels/noise.cu (the real kernel) vs philox.cuh's host functions
//     ticket ok|nofence        emu_ticket_sum(_nofence): a last-block sum with/without its fences (TSan must
//                              report the fence-less one); with ok also kernels/bias_grad.cu (the real kernel)
//     oob                      emu_fill_oob_write: writes one float past the end of its buffer
//     cpasync ok|nowait        emu_cp_async_reverse(_nowait): cp.async with/without wait_group
//     deadlock                 emu_deadlock: must fail the launch (exit status 2)
//     wgmma ok|divergent|skipped  emu_wgmma_one (one m64n64k8 TF32 wgmma vs a double reference) and its twins
//                              whose warpgroup issues different operations / not all of it: must fail (status 2)
//     all-ok                   every correct case above (the sanitizer runs)
//     bench [SIZE]             emulation speed (matmuls of SIZE^3, noise on 4 SIZE^2 elements)
// Exit status: 0 when every result equals its reference, 1 when a result is wrong (the line "MISMATCH"
// says where), 2 when the emulator reports a failure (trap, deadlock).
//
// Buffers: in the plain build every buffer sits between 4 KiB guard zones filled with 0xFF (a float NaN),
// so an out-of-bounds read turns into NaN and an out-of-bounds write is found when the guards are
// checked after the launch. Under a sanitizer buffers are plain malloc blocks and ASan does the checking.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "registry.cpp"  // generated: the fixtures, kernels/noise.cu and bias_grad.cu, compiled for emulation

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t GUARD = 0;
#else
constexpr size_t GUARD = 4096;
#endif

int failures = 0;

template <class T>
struct Buf {
  size_t n;
  unsigned char* raw;
  T* p;
  explicit Buf(size_t count) : n(count) {
    raw = (unsigned char*)malloc(2 * GUARD + n * sizeof(T));
    memset(raw, 0xFF, 2 * GUARD + n * sizeof(T));  // guards and fresh memory read as NaN
    p = (T*)(raw + GUARD);
  }
  Buf(const std::vector<T>& v) : Buf(v.size()) { memcpy(p, v.data(), v.size() * sizeof(T)); }
  ~Buf() { free(raw); }
  Buf(const Buf&) = delete;
  bool guards_ok(const char* what) const {
    for (size_t i = 0; i < GUARD; ++i) {
      if (raw[i] != 0xFF || raw[GUARD + n * sizeof(T) + i] != 0xFF) {
        printf("MISMATCH %s: guard zone overwritten (%s the buffer)\n", what, raw[i] != 0xFF ? "before" : "after");
        return false;
      }
    }
    return true;
  }
  std::vector<T> get() const { return std::vector<T>(p, p + n); }
};

std::vector<float> random_floats(size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

template <auto F, class... V>
bool run(const char* name, dim3 grid, dim3 block, size_t shared, V... args) {
  vant_emu::LaunchConfig cfg;
  cfg.grid = grid;
  cfg.block = block;
  cfg.shared_bytes = shared;
  cfg.name = name;
  std::string err;
  if (!vant_emu::launch<F>(cfg, &err, args...)) {
    printf("EMULATOR FAILURE %s\n", err.c_str());
    exit(2);
  }
  return true;
}

void verdict(const std::string& what, size_t bad, size_t total, const std::string& detail) {
  if (bad) {
    printf("MISMATCH %s: %zu of %zu wrong; %s\n", what.c_str(), bad, total, detail.c_str());
    failures++;
  } else {
    printf("ok %s (%zu values) %s\n", what.c_str(), total, detail.c_str());
  }
}

// ---- race: reverse within blocks ---------------------------------------------------------------------
void race(bool sync) {
  const unsigned B = 256, blocks = 6;
  Buf<float> x(random_floats(B * blocks, 1)), y(B * blocks);
  if (sync) run<&emu_reverse_block>("emu_reverse_block", dim3(blocks), dim3(B), 0, x.p, y.p);
  else run<&emu_reverse_block_nosync>("emu_reverse_block_nosync", dim3(blocks), dim3(B), 0, x.p, y.p);
  size_t bad = 0;
  for (unsigned b = 0; b < blocks; ++b)
    for (unsigned t = 0; t < B; ++t) bad += y.p[b * B + t] != x.p[b * B + B - 1 - t];
  verdict(sync ? "race/sync" : "race/nosync", bad, (size_t)B * blocks, "");
  x.guards_ok("x");
  if (!y.guards_ok("y")) failures++;
}

// ---- edge: FP32 tiled matmul --------------------------------------------------------------------------
void edge(bool offbyone) {
  const int shapes[][3] = {{64, 48, 32}, {37, 45, 29}, {16, 1, 17}, {5, 33, 50}};
  for (auto& s : shapes) {
    const int M = s[0], N = s[1], K = s[2];
    Buf<float> A(random_floats((size_t)M * K, 2)), B(random_floats((size_t)K * N, 3)), C((size_t)M * N);
    const dim3 grid((N + 15) / 16, (M + 15) / 16), block(16, 16);
    if (offbyone) run<&emu_matmul_tiled_offbyone>("emu_matmul_tiled_offbyone", grid, block, 0, A.p, B.p, C.p, M, N, K);
    else run<&emu_matmul_tiled>("emu_matmul_tiled", grid, block, 0, A.p, B.p, C.p, M, N, K);
    // FP32 with fmaf in k order vs a double reference: within 1e-5 of sum |a||b| (K <= 50 roundings).
    size_t bad = 0;
    double worst = 0;
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double ref = 0, mag = 0;
        for (int k = 0; k < K; ++k) {
          ref += (double)A.p[i * K + k] * B.p[k * N + j];
          mag += std::fabs((double)A.p[i * K + k] * B.p[k * N + j]);
        }
        const double err = std::fabs(C.p[i * N + j] - ref) / (mag + 1e-30);
        if (!(err <= 1e-5)) bad++;
        if (!(err <= worst)) worst = err;
      }
    char d[128];
    snprintf(d, sizeof d, "M=%d N=%d K=%d, worst error %.3g of sum|a*b| (tolerance 1e-5)", M, N, K, worst);
    verdict(offbyone ? "edge/offbyone" : "edge/ok", bad, (size_t)M * N, d);
    if (!C.guards_ok("C")) failures++;
  }
}

// ---- mma: TF32 tensor-core matmul ---------------------------------------------------------------------------
float tf32(float x) {
  uint32_t u = vant::ptx::cvt_rna_tf32(x);
  float f;
  memcpy(&f, &u, 4);
  return f;
}

void mma(bool bad_frag) {
  const int shapes[][3] = {{64, 64, 64}, {70, 50, 36}, {33, 17, 12}, {1, 9, 4}};
  for (auto& s : shapes) {
    const int M = s[0], N = s[1], K = s[2];
    Buf<float> A(random_floats((size_t)M * K, 4)), W(random_floats((size_t)N * K, 5)), C((size_t)M * N);
    const dim3 grid((N + 31) / 32, (M + 31) / 32), block(128);
    if (bad_frag) run<&emu_matmul_tf32_badfrag>("emu_matmul_tf32_badfrag", grid, block, 0, A.p, W.p, C.p, M, N, K);
    else run<&emu_matmul_tf32>("emu_matmul_tf32", grid, block, 0, A.p, W.p, C.p, M, N, K);
    // Two references. (1) Exact FP32 inputs, double sums: TF32 rounds each input to 11 significant bits
    // (relative error <= 2^-11 ~ 4.9e-4), so the result must be within 1e-3 of the reference in the
    // Frobenius norm (typically ~3e-4). (2) Inputs rounded to TF32 first, double sums: then only the
    // fp32 accumulation differs, so every element is within 1e-5 of sum |a*b| — this one pins the
    // fragment layout exactly (a swapped fragment is off by O(1)).
    double num = 0, den = 0, worst = 0;
    size_t bad = 0;
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double ref = 0, ref32 = 0, mag = 0;
        for (int k = 0; k < K; ++k) {
          const double a = A.p[i * K + k], w = W.p[j * K + k];
          ref += a * w;
          ref32 += (double)tf32(A.p[i * K + k]) * tf32(W.p[j * K + k]);
          mag += std::fabs(a * w);
        }
        const double c = C.p[i * N + j];
        num += (c - ref) * (c - ref);
        den += ref * ref;
        const double e = std::fabs(c - ref32) / (mag + 1e-30);
        if (!(e <= 1e-5)) bad++;
        if (!(e <= worst)) worst = e;
      }
    const double rel = std::sqrt(num / den);
    if (!(rel <= 1e-3) && !bad) bad = 1;
    char d[200];
    snprintf(d, sizeof d, "M=%d N=%d K=%d, ||C-ref||/||ref|| = %.3g (tolerance 1e-3), worst vs TF32-input reference %.3g (tolerance 1e-5)",
             M, N, K, rel, worst);
    verdict(bad_frag ? "mma/badfrag" : "mma/ok", bad, (size_t)M * N, d);
    if (!C.guards_ok("C")) failures++;
  }
}

// ---- wgmma: one warpgroup MMA, and the warpgroup checks ------------------------------------------------------
void wgmma(const std::string& variant) {
  Buf<float> A(random_floats(64 * 8, 6)), B(random_floats(64 * 8, 7)), D(64 * 64);
  if (variant == "divergent") run<&emu_wgmma_divergent>("emu_wgmma_divergent", dim3(1), dim3(128), 0, A.p, B.p, D.p);
  else if (variant == "skipped") run<&emu_wgmma_skipped>("emu_wgmma_skipped", dim3(1), dim3(128), 0, A.p, B.p, D.p);
  else run<&emu_wgmma_one>("emu_wgmma_one", dim3(1), dim3(128), 0, A.p, B.p, D.p);
  // Inputs rounded to TF32 as the kernel does, double sums: within 1e-5 of sum |a*b| (only the fp32 accumulation
  // differs), which also pins the accumulator fragment layout.
  size_t bad = 0;
  double worst = 0;
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 64; ++j) {
      double ref = 0, mag = 0;
      for (int k = 0; k < 8; ++k) {
        const double p = (double)tf32(A.p[i * 8 + k]) * tf32(B.p[j * 8 + k]);
        ref += p;
        mag += std::fabs(p);
      }
      const double e = std::fabs(D.p[i * 64 + j] - ref) / (mag + 1e-30);
      if (!(e <= 1e-5)) bad++;
      if (!(e <= worst)) worst = e;
    }
  char d[120];
  snprintf(d, sizeof d, "worst vs TF32-input reference %.3g (tolerance 1e-5)", worst);
  verdict("wgmma/" + (variant.empty() ? std::string("ok") : variant), bad, 64 * 64, d);
  if (!D.guards_ok("D")) failures++;
}

// ---- warp intrinsics, dynamic shared memory, atomics --------------------------------------------------------
void warp() {
#if defined(__SANITIZE_THREAD__)
  // TSan keeps a vector clock per fiber: 1024-thread blocks make every barrier cost ~10^6 clock entries.
  const unsigned sizes[] = {100u, 32u};
#else
  const unsigned sizes[] = {100u, 1024u, 32u};
#endif
  for (unsigned B : sizes) {
    const unsigned blocks = 40;
    std::vector<float> xs(B * blocks);
    for (size_t i = 0; i < xs.size(); ++i) xs[i] = (float)((i * 7) % 13) - 6.0f;  // small integers: sums are exact
    Buf<float> x(xs), y(blocks), total(1);
    total.p[0] = 0.0f;
    run<&emu_block_sum>("emu_block_sum", dim3(blocks), dim3(B), ((B + 31) / 32) * sizeof(float), x.p, y.p, total.p);
    size_t bad = 0;
    double all = 0;
    for (unsigned b = 0; b < blocks; ++b) {
      double s = 0;
      for (unsigned t = 0; t < B; ++t) s += xs[b * B + t];
      all += s;
      bad += y.p[b] != (float)s;
    }
    bad += total.p[0] != (float)all;
    char d[64];
    snprintf(d, sizeof d, "blockDim %u", B);
    verdict("warp/block_sum", bad, blocks + 1, d);
  }
  const unsigned n = 512;
  Buf<float> x(random_floats(n, 6)), out(4 * n);
  run<&emu_warp_ops>("emu_warp_ops", dim3(n / 256), dim3(256), 0, x.p, out.p);
  size_t bad = 0;
  for (unsigned i = 0; i < n; ++i) {
    const unsigned lane = i & 31, w0 = i - lane;
    unsigned ballot = 0;
    for (unsigned l = 0; l < 32; ++l) ballot |= (x.p[w0 + l] > 0.0f ? 1u : 0u) << l;
    bad += out.p[4 * i + 0] != x.p[w0 + (lane ^ 1)];
    bad += out.p[4 * i + 1] != x.p[lane >= 3 ? i - 3 : i];
    bad += out.p[4 * i + 2] != x.p[w0 + 31 - lane];
    bad += out.p[4 * i + 3] != (float)ballot;
  }
  verdict("warp/shfl_ballot", bad, 4 * n, "");

  // ldmatrix and cp.async.ca forms, against the PTX ISA's description (see warp.cu).
  std::vector<unsigned> src(64);
  for (unsigned i = 0; i < 64; ++i) src[i] = 1000 + 3 * i;
  Buf<unsigned> dsrc(src), probe(32 * 16);
  run<&emu_ptx_probe>("emu_ptx_probe", dim3(1), dim3(32), 0, (const unsigned*)dsrc.p, probe.p);
  auto word = [](unsigned j, unsigned l) { unsigned e = 64 * j + 8 * (l / 4) + 2 * (l % 4); return e | (e + 1) << 16; };
  auto trans = [](unsigned j, unsigned l) { unsigned e = 64 * j + 8 * (2 * (l % 4)) + l / 4; return e | (e + 8) << 16; };
  bad = 0;
  for (unsigned l = 0; l < 32; ++l) {
    const unsigned* o = probe.p + 16 * l;
    bad += o[0] != word(0, l);
    bad += o[1] != word(0, l); bad += o[2] != word(1, l);
    for (unsigned j = 0; j < 4; ++j) bad += o[3 + j] != word(j, l);
    for (unsigned j = 0; j < 4; ++j) bad += o[7 + j] != trans(j, l);
    bad += o[11] != trans(0, l);
    bad += o[12] != trans(0, l); bad += o[13] != trans(1, l);
    bad += o[14] != src[l];
    bad += o[15] != src[2 * l];
  }
  verdict("warp/ptx_probe", bad, 32 * 16, "ldmatrix x1/x2/x4(.trans), cp.async.ca 4/8(zfill)");
}

// ---- the real noise kernel vs the host functions of philox.cuh ----------------------------------------------
void noise() {
  struct Case { long long total, per; bool per_sample; };
  const Case cases[] = {{10002 * 7 - 3, 10002, true}, {3 * 32 * 32 * 4, 3 * 32 * 32, false}, {1, 1, true}, {4099, 7, true}};
  for (const Case& c : cases) {
    const long long samples = (c.total + c.per - 1) / c.per;
    Buf<float> x(random_floats((size_t)c.total, 7, -2, 2)), y((size_t)c.total), sigma(random_floats((size_t)samples, 8, 0.05f, 2.0f));
    const unsigned long long seed = 0xC0FFEE1234ull;
    const unsigned site = 17, step = 3;
    const long long groups = (c.total + 3) / 4;
    const unsigned blocks = (unsigned)std::min<long long>((groups + 255) / 256, 16);
    run<&noise_add>("noise_add", dim3(blocks), dim3(256), 0, (const float*)x.p, y.p, c.per_sample ? (const float*)sigma.p : nullptr,
                    0.7f, c.total, c.per, seed, site, step);
    size_t bad = 0;
    for (long long e = 0; e < c.total; ++e) {
      const float s = c.per_sample ? sigma.p[e / c.per] : 0.7f;
      const float want = fmaf(s, vant::noise_element(seed, site, step, (uint64_t)e), x.p[e]);
      bad += memcmp(&want, &y.p[e], 4) != 0;
    }
    char d[96];
    snprintf(d, sizeof d, "total=%lld perSample=%lld, bit-exact", c.total, c.per);
    verdict("noise", bad, (size_t)c.total, d);
    if (!y.guards_ok("y")) failures++;
  }
}

// ---- ticket: last-block reductions, the real one (kernels/bias_grad.cu, colreduce.cuh) and the fixture's --------
// Blocks run concurrently on the workers; the block that draws the last ticket sums the others' partials and puts
// the ticket back to 0. Under TSan this checks the emulator's fence model (cuda_emu.h): with the fences the
// protocol must report nothing; without them (emu_ticket_sum_nofence) the partials' write and read must be reported.
// The results are right either way (the emulator's memory is sequentially consistent).
void ticket_fixture(bool fence) {
  const unsigned blocks = 97, B = 256;
  Buf<float> x(random_floats((size_t)blocks * B, 22));
  Buf<double> part(blocks), sum(1);
  Buf<unsigned> t(std::vector<unsigned>(1, 0u));
  if (fence) run<&emu_ticket_sum>("emu_ticket_sum", dim3(blocks), dim3(B), 0, (const float*)x.p, part.p, t.p, sum.p);
  else run<&emu_ticket_sum_nofence>("emu_ticket_sum_nofence", dim3(blocks), dim3(B), 0, (const float*)x.p, part.p, t.p, sum.p);
  double want = 0.0;  // the kernel's order: each block's elements, then the blocks
  for (unsigned b = 0; b < blocks; ++b) {
    double a = 0.0;
    for (unsigned i = 0; i < B; ++i) a += x.p[b * B + i];
    want += a;
  }
  verdict(fence ? "ticket/fence" : "ticket/nofence", (sum.p[0] != want) + (t.p[0] != 0u), 2, "sum bit-exact, ticket back at 0");
}

void ticket(bool fence) {
  ticket_fixture(fence);
  if (!fence) return;
  // bias_grad: 157 chunks x 3 column tiles; sums against double sums of the same rows (the float result of a double
  // sum is within 1e-6 of sum |dy| whichever order added it), tickets 0 afterwards, twice (the second launch finds
  // the tickets the first one left).
  const long long rows = 10000, chunkRows = 64;
  const int cols = 70, tiles = (cols + 31) / 32;
  const long long chunks = (rows + chunkRows - 1) / chunkRows;
  Buf<float> dy(random_floats((size_t)(rows * cols), 21)), db((size_t)cols);
  Buf<double> part((size_t)(chunks * cols));
  Buf<unsigned> tickets(std::vector<unsigned>((size_t)tiles, 0u));
  for (int rep = 0; rep < 2; ++rep) {
    run<&bias_grad>("bias_grad", dim3((unsigned)(chunks * tiles)), dim3(256), 0, (const float*)dy.p, rows, cols, chunkRows,
                    part.p, tickets.p, db.p);
    size_t bad = 0;
    for (int c = 0; c < cols; ++c) {
      double sum = 0.0, abs = 0.0;
      for (long long r = 0; r < rows; ++r) sum += dy.p[r * cols + c], abs += fabs(dy.p[r * cols + c]);
      bad += !(fabs((double)db.p[c] - sum) <= 1e-6 * abs);
    }
    for (int t = 0; t < tiles; ++t) bad += tickets.p[t] != 0u;
    char d[96];
    snprintf(d, sizeof d, "%lld rows, %lld chunks, %d column tiles, launch %d; tickets back at 0", rows, chunks, tiles, rep + 1);
    verdict("ticket/bias_grad", bad, (size_t)(cols + tiles), d);
  }
  if (!db.guards_ok("db") || !part.guards_ok("part")) failures++;
}

// cp.async: with and without the wait before the barrier.
void cpasync(bool wait) {
  const unsigned blocks = 4, n = 256 * blocks;
  Buf<float> x(random_floats(4 * n, 12)), y(4 * n);
  if (wait) run<&emu_cp_async_reverse>("emu_cp_async_reverse", dim3(blocks), dim3(256), 0, (const float4*)x.p, (float4*)y.p);
  else run<&emu_cp_async_reverse_nowait>("emu_cp_async_reverse_nowait", dim3(blocks), dim3(256), 0, (const float4*)x.p, (float4*)y.p);
  size_t bad = 0;
  for (unsigned b = 0; b < blocks; ++b)
    for (unsigned t = 0; t < 256; ++t)
      for (unsigned c = 0; c < 4; ++c) bad += y.p[4 * (b * 256 + t) + c] != x.p[4 * (b * 256 + 255 - t) + c];
  verdict(wait ? "cpasync/wait" : "cpasync/nowait", bad, 4 * n, "");
}

// A kernel that cannot finish: the launch must fail with a deadlock message (exit status 2).
void deadlock() {
  Buf<float> y(64);
  run<&emu_deadlock>("emu_deadlock", dim3(1), dim3(64), 0, y.p);
  printf("no deadlock reported\n");
}

void oob() {
  const int n = 1000;
  Buf<float> y((size_t)n);
  run<&emu_fill_oob_write>("emu_fill_oob_write", dim3((n + 1 + 255) / 256), dim3(256), 0, y.p, n, 1.0f);
  if (!y.guards_ok("y")) failures++;
  else printf("ok oob: no out-of-bounds write seen\n");
}

// Emulation speed, for sizing emulated tests: the FP32 tile and TF32 mma kernels at size^3, the noise kernel
// on size^2 * 4 elements. Prints wall time and the emulated rate (not a GPU benchmark).
void bench(int size) {
  const int M = size, N = size, K = size;
  Buf<float> A(random_floats((size_t)M * K, 9)), B(random_floats((size_t)K * N, 10)), C((size_t)M * N);
  auto time = [](auto&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const double flops = 2.0 * M * N * K;
  double t = time([&] { run<&emu_matmul_tiled>("emu_matmul_tiled", dim3((N + 15) / 16, (M + 15) / 16), dim3(16, 16), 0, A.p, B.p, C.p, M, N, K); });
  printf("bench emu_matmul_tiled %dx%dx%d: %.3f s, %.1f MFLOP/s, %.0f ns per thread-barrier\n", M, N, K, t, flops / t * 1e-6,
         t * 1e9 / ((double)M * N * (2.0 * ((K + 15) / 16))));
  t = time([&] { run<&emu_matmul_tf32>("emu_matmul_tf32", dim3((N + 31) / 32, (M + 31) / 32), dim3(128), 0, A.p, B.p, C.p, M, N, K); });
  printf("bench emu_matmul_tf32 %dx%dx%d: %.3f s, %.1f MFLOP/s\n", M, N, K, t, flops / t * 1e-6);
  const long long total = 4LL * size * size;
  Buf<float> x(random_floats((size_t)total, 11)), y((size_t)total);
  t = time([&] {
    run<&noise_add>("noise_add", dim3(64), dim3(256), 0, (const float*)x.p, y.p, (const float*)nullptr, 0.5f, total, total, 1ull, 2u, 3u);
  });
  printf("bench noise_add %lld elements: %.3f s, %.1f M elements/s\n", total, t, total / t * 1e-6);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string c = argc > 1 ? argv[1] : "", v = argc > 2 ? argv[2] : "";
  setvbuf(stdout, nullptr, _IOLBF, 0);
  printf("[emu] %u worker threads\n", vant_emu::worker_count());
  if (c == "race") race(v != "nosync");
  else if (c == "edge") edge(v == "offbyone");
  else if (c == "mma") mma(v == "badfrag");
  else if (c == "warp") warp();
  else if (c == "noise") noise();
  else if (c == "ticket") ticket(v != "nofence");
  else if (c == "oob") oob();
  else if (c == "cpasync") cpasync(v != "nowait");
  else if (c == "deadlock") deadlock();
  else if (c == "wgmma") wgmma(v);
  else if (c == "bench") bench(v.empty() ? 256 : atoi(v.c_str()));
  else if (c == "all-ok") { race(true); edge(false); mma(false); warp(); cpasync(true); noise(); ticket(true); wgmma("ok"); }
  else {
    fprintf(stderr, "usage: %s race|edge|mma|warp|noise|ticket|oob|cpasync|deadlock|wgmma|all-ok|bench [variant]\n", argv[0]);
    return 64;
  }
  return failures ? 1 : 0;
}

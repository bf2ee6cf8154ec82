// kernels/gemm_tf32.cuh — the TF32 tensor-core GEMM mainloop (mma.sync.m16n8k8 .tf32), the tensor-core twin
// of gemm_fp32.cuh for noisy_conv2d.cu and noisy_matmul.cu (their *_tf32 entry points). Same "problem"
// interface: C[m][n] = sum_k A(m, k) * B(k, n) over k in [kBegin, kEnd), any M, N, K, guarded edges; the
// problem object says where A(m, k) and B(k, n) live (a_ptr / b_ptr; nullptr = an implicit zero, e.g. the
// padding of a convolution) and whether 16-byte vector copies are allowed (a_vec / b_vec, checked at run
// time: divisibility by 4 of the contiguous extent and 16-byte alignment of the base pointer).
//
// Numerics: every operand is rounded to TF32 (as cvt.rna: 10 mantissa bits, nearest, ties away; relative error
// <= 2^-11; by ptx::tf32_operand, which leaves the low bits the tensor cores ignore; once per element in shared
// memory on the 16-byte path, per fragment on the 4-byte path), the
// products are exact in FP32 and summed in FP32 by the tensor cores, k-step by k-step in a fixed order
// (kBegin, kBegin + 8, ...): results are deterministic run to run (not bit-equal to FP32). With `round` off
// (--math tf32rz, the kernels' tf32Round = 0) no operand is rounded here: the tensor cores read the top 19 bits of
// each FP32 operand, i.e. truncate it (relative error < 2^-10), as cuBLAS and cuDNN TF32 GEMMs feed them, and the
// in-place rounding pass of every k-tile is skipped.
//
// Versions tried (measured on an H200, 2026-11-28: bench/results/2026-11-28-gpu-speed.md):
//   v1 block tile BM x BN x BK = 128 x 64 x 16, 256 threads = 8 warps as 4 (m) x 2 (n), warp tile
//      32 x 32 = 2 x 4 mma tiles (32 FP32 accumulators per thread), 3-stage cp.async pipeline in static
//      shared memory (39 KiB: fits the 48 KiB static limit, so no cuFuncSetAttribute, and 2 blocks per SM on
//      sm_86/89 with their 100 KiB per SM). Why 128 x 64: the convolutions of a CIFAR ResNet have N = K
//      (output channels) = 16..512 and a large M = N*P*Q, so a 64-wide N tile wastes nothing at 64 channels
//      while 128 rows amortize each B fragment over 4 warps; BK = 16 keeps the stage small enough for three
//      stages under 48 KiB and wastes less of the short K = R*S*C = 27 of the stem. 128 x 128 x 16 was
//      considered: 64 accumulators per thread under the 128-register cap of 2 blocks/SM, a 64 KiB epilogue
//      tile, and it would waste half a tile on every 64-channel layer.
//   ptxas (nvcc 13.0, __launch_bounds__(256, 2) = at most 128 registers): 110-127 registers, 0 spills, 39936 bytes
//   of static shared memory on sm_80/86/89/90 (target/kernels/ptxas-report.txt; v3: 122-128 registers, small
//   spills outside the 16-byte k loop in the matmul forwards, kernels/spill-allowed.txt).
//   Measured: 74-85 TFLOP/s at 4096^3 (cuBLAS TF32: 392), conv forwards at ~40% of cuDNN's speed. Nsight Compute
//   (layer1 forward): issue-bound, not memory-bound — 57% SM throughput, 3% DRAM, 23% occupancy (2 blocks/SM by
//   registers), a scheduler issues in 60% of cycles; too many fragment loads, cvt.rna and address instructions
//   per mma.sync, and a barrier every 16 k.
//   v2 K32 (BK 32, see Config below): no consistent gain on the H200 (per layer mixed; layer1 forward 63 vs 57
//   µs; ResNet-18 step 5.33 vs 5.30 ms): latency was not the limit. Kept selectable, K16 the default.
//   v3 (this one, 2026-12-05) the v1 tiles with the k loop on a diet: one loop per copy width (kloop<VA, VB>),
//   the rows' address work hoisted out of it (a_row / b_row), the 16-byte path's stages rounded in place once
//   instead of every fragment, int stage counters. sm_90 SASS of the 16-byte loop per 16 HMMA: 297 -> 208
//   (conv forward), 343 -> 272 (data gradient), 266 -> 223 (weight gradient), 204 -> 145 (matmul)
//   (bench/results/2026-12-05-sass-mainloop.md); not yet timed on a GPU.
//   wgmma (sm_90a): kernels/gemm_wgmma.cuh (2026-12-05; the forwards and the conv data gradient, selected by
//   VANT_TF32_TILE=wgmma; not yet timed). Not tried: TMA loads; larger warp tiles for this mma.sync loop.
//
// Shared-memory layouts (conflict-free; 32 banks of 4 bytes):
//   K-major operand (contiguous in k in global memory, e.g. x rows of a linear layer, the NHWC gathers of a
//   conv forward): tile[row][16] floats, 4 chunks of 16 bytes per row, chunk c stored at c ^ ((row >> 1) & 3)
//   (XOR swizzle). An ldmatrix phase reads 8 consecutive rows at one chunk: the swizzle puts them on 8
//   distinct 4-bank groups; a quarter-warp of cp.async writes fills 2 rows x 4 chunks: also 8 groups.
//   Fragments come from ldmatrix .x4 (a 8x8 b16 matrix = an 8x4 float block; PTX fragment layout in ptx.cuh).
//   MN-major operand (contiguous in m or n, e.g. dy^T of a weight gradient): tile[k][BM + 8] floats; a
//   fragment element (k = t, m = g) is a 4-byte load at t * (BM + 8) + g: stride = 8 mod 32 banks, so the
//   32 lanes (g = 0..7, t = 0..3) hit 32 banks. (ldmatrix .trans cannot transpose 32-bit elements.)
// Loads: one cp.async per 16-byte chunk (.cg, zero-filled outside [0, M) x [kBegin, kEnd) or where the
// problem has an implicit zero) when the operand allows vectors, else one 4-byte cp.async (.ca, zfill) per
// element — the scalar gathers of a convolution with C % 4 != 0 (the stem's C = 3) stay asynchronous too.
#pragma once
#include <type_traits>
#include <utility>
#include "ptx.cuh"
#include "gemm_grid.cuh"
#include "philox.cuh"

namespace vant {
namespace tf32 {

constexpr int BM = 128, BN = 64, THREADS = 256;
constexpr int WARPS_M = 4, WARPS_N = 2, WM = BM / WARPS_M, WN = BN / WARPS_N;  // warp tile 32 x 32
constexpr int MT = WM / 16, NT = WN / 8;                                          // 2 x 4 mma tiles per warp
constexpr int LDA_MN = BM + 8, LDB_MN = BN + 8;  // MN-major row strides, = 8 mod 32
constexpr int LDC = BN + 8;                      // epilogue staging row stride (= 8 mod 32: float2 stores of a
                                                 // half-warp, rows g = 0..3, cols 2t, hit 32 banks)
static_assert(WARPS_M * WARPS_N * 32 == THREADS, "8 warps");

// The k-depth of a stage and the pipeline depth. K16 (BK 16, 3 stages, 39 KiB of static shared memory) is the
// default; K32 (BK 32, 3 stages, 78 KiB: dynamic shared memory, raised with cuFuncSetAttribute) halves the
// barriers and cp.async groups per k and gives each warp 4 k-steps (32 mma) between barriers. The first H200 run
// measured the K16 mainloop at ~1400 SM cycles per 128 x 64 x 16 k-tile of a conv, several times the tensor
// cores' own time: K32 is the experiment (the *_tf32k32 kernels; VANT_TF32_TILE=k32 selects them).
template <int BK_, int STAGES_>
struct Config {
  static constexpr int BK = BK_, STAGES = STAGES_;
  static constexpr int CPR = BK / 4;                  // 16-byte chunks per K-major row
  static constexpr int A_STAGE = BK * LDA_MN;         // floats; >= BM * BK, the K-major tile
  static constexpr int B_STAGE = BK * LDB_MN;         // floats; >= BN * BK
  static_assert(BK == 16 || BK == 32, "the swizzles below are for 4 or 8 chunks per row");
  static_assert(A_STAGE >= BM * BK && B_STAGE >= BN * BK, "stage sizes");
  static_assert(BM * LDC <= STAGES * (A_STAGE + B_STAGE), "the epilogue tile reuses the pipeline's memory");

  struct __align__(16) Smem {
    union {
      struct {
        float a[STAGES][A_STAGE];
        float b[STAGES][B_STAGE];
      } pipe;
      float c[BM * LDC];  // the accumulator tile, staged for the noise epilogue (noisy forwards only)
    };
  };

  // Index of element (row, k) in a swizzled K-major tile of BK floats per row. BK 16: a row is 64 bytes, two rows
  // share the 32 banks, chunk c of row r sits at c ^ ((r >> 1) & 3). BK 32: a row is 128 bytes (all 32 banks),
  // chunk c at c ^ (r & 7). Either way the 8 rows an ldmatrix phase reads at one chunk land on 8 distinct
  // 4-bank groups.
  static __device__ __forceinline__ int kidx(int row, int k) {
    const int sw = BK == 16 ? (row >> 1) & 3 : row & 7;
    return row * BK + ((((k >> 2) ^ sw) & (CPR - 1)) << 2) + (k & 3);
  }
};
using K16 = Config<16, 3>;
using K32 = Config<32, 3>;

__device__ __forceinline__ bool aligned16(const void* p) { return ((uintptr_t)p & 15) == 0; }

// Row hoisting (optional in a problem): a_row(m) computes once, before the k loop, what a_ptr(m, k) needs of m
// alone (a row pointer; a conv output pixel's image and corner), and a_at(row, k) finishes the address at each
// k-tile (nullptr = an implicit zero); b_row(n) / b_at(row, k) the same for B. A problem without them is served
// by a_ptr(m, k) / b_ptr(k, n) at every k-tile. Only the 16-byte copy path keeps rows (2 A + 1 B per thread at
// BK 16); the 4-byte path (8 + 4 elements per thread) would need too many registers.
template <class P>
struct APtr {  // no hoisting
  using Row = int;
  __device__ __forceinline__ static Row row(const P&, int m) { return m; }
  __device__ __forceinline__ static const float* at(const P& p, const Row& m, long long k) { return p.a_ptr(m, k); }
};
template <class P>
struct BPtr {
  using Row = int;
  __device__ __forceinline__ static Row row(const P&, int n) { return n; }
  __device__ __forceinline__ static const float* at(const P& p, const Row& n, long long k) { return p.b_ptr(k, n); }
};
template <class P, class = void>
struct ARows : APtr<P> {};
template <class P>
struct ARows<P, std::void_t<decltype(std::declval<const P&>().a_row(0))>> {
  using Row = decltype(std::declval<const P&>().a_row(0));
  __device__ __forceinline__ static Row row(const P& p, int m) { return p.a_row(m); }
  __device__ __forceinline__ static const float* at(const P& p, const Row& r, long long k) { return p.a_at(r, k); }
};
template <class P, class = void>
struct BRows : BPtr<P> {};
template <class P>
struct BRows<P, std::void_t<decltype(std::declval<const P&>().b_row(0))>> {
  using Row = decltype(std::declval<const P&>().b_row(0));
  __device__ __forceinline__ static Row row(const P& p, int n) { return p.b_row(n); }
  __device__ __forceinline__ static const float* at(const P& p, const Row& r, long long k) { return p.b_at(r, k); }
};

// Where copy slot i (of ROWS x BK tile, THREADS threads) of this thread goes: tile row r (m or n, relative to the
// tile), k offset kk, and its float offset in a stage. VEC: slot = one 16-byte chunk — K-major: BK / 4 chunks per
// row, consecutive threads along k (one row = 4 BK contiguous bytes in global memory); MN-major: ROWS / 4 chunks
// per k, consecutive threads along m (n). Else slot = one element.
template <class C, int ROWS, bool K_MAJOR, bool VEC>
struct Slots {
  static constexpr int N = VEC ? ROWS * C::BK / 4 / THREADS : ROWS * C::BK / THREADS;  // 2/1 chunks, 8/4 elements
  __device__ __forceinline__ static void at(int i, int& r, int& kk, int& dst) {
    const int c = (int)threadIdx.x + i * THREADS;
    if (VEC) {
      r = K_MAJOR ? c / C::CPR : (c % (ROWS / 4)) * 4;
      kk = K_MAJOR ? (c % C::CPR) * 4 : c / (ROWS / 4);
    } else {
      r = K_MAJOR ? c / C::BK : c % ROWS;
      kk = K_MAJOR ? c % C::BK : c / ROWS;
    }
    dst = K_MAJOR ? C::kidx(r, kk) : kk * (ROWS + 8) + r;
  }
};

// The 16-byte copies of one operand. HOIST: per slot the problem's hoisted row, the k offset and the stage offset,
// fixed for the whole k loop, in registers; else (Rows = APtr / BPtr) the slots are recomputed at every k-tile from
// the thread index, as cheap as holding them. `in`: the slot's row lies in the problem (for an MN-major chunk, all
// 4: the vector condition makes the extent a multiple of 4).
template <class C, int ROWS, bool K_MAJOR, class Rows, class P, bool HOIST>
struct VecCopies {
  using S = Slots<C, ROWS, K_MAJOR, true>;
  static constexpr int H = HOIST ? S::N : 1;  // held slots
  typename Rows::Row row[H];
  int kk[H], dst[H];
  bool in[H];
  int base, rows;
  __device__ __forceinline__ VecCopies(const P& p, int base_, int rows_) : base(base_), rows(rows_) {
    if constexpr (HOIST) {
#pragma unroll
      for (int i = 0; i < S::N; ++i) slot(p, i, row[i], kk[i], dst[i], in[i]);
    }
  }
  __device__ __forceinline__ void slot(const P& p, int i, typename Rows::Row& rw, int& k, int& d, bool& ok) const {
    int r;
    S::at(i, r, k, d);
    ok = r < rows;
    rw = Rows::row(p, base + (ok ? r : 0));
  }
  __device__ __forceinline__ void load(float* s, const P& p, long long k0, long long kEnd, const float* any) const {
#pragma unroll
    for (int i = 0; i < S::N; ++i) {
      typename Rows::Row rw;
      int k_, d;
      bool ok;
      if constexpr (HOIST) { rw = row[i]; k_ = kk[i]; d = dst[i]; ok = in[i]; } else { slot(p, i, rw, k_, d, ok); }
      const long long k = k0 + k_;
      const float* src = (ok && k < kEnd) ? Rows::at(p, rw, k) : nullptr;
      ptx::cp_async_cg16_zfill(s + d, src ? src : any, src ? 16u : 0u);
    }
  }
  // Rounds this thread's chunks of a landed stage to TF32 in place (the fragments are then used as they are).
  __device__ __forceinline__ void round(float* s) const {
#pragma unroll
    for (int i = 0; i < S::N; ++i) {
      int d;
      if constexpr (HOIST) { d = dst[i]; } else { int r, k_; S::at(i, r, k_, d); }
      float4* q = reinterpret_cast<float4*>(s + d);
      float4 v = *q;
      v.x = __uint_as_float(ptx::tf32_operand(v.x));
      v.y = __uint_as_float(ptx::tf32_operand(v.y));
      v.z = __uint_as_float(ptx::tf32_operand(v.z));
      v.w = __uint_as_float(ptx::tf32_operand(v.w));
      *q = v;
    }
  }
};

// The 4-byte copies of one operand (its contiguous extent is not a multiple of 4, or the base is misaligned: e.g.
// the gathers of a convolution with C % 4 != 0): addresses from a_ptr / b_ptr at every k-tile, one .ca cp.async per
// element, zero-filled outside the problem. `at(r, k)` gives the address of tile row r at k, or nullptr.
template <class C, int ROWS, bool K_MAJOR>
struct ScalarCopies {
  using S = Slots<C, ROWS, K_MAJOR, false>;
  template <class At>
  __device__ __forceinline__ static void load(float* s, int rows, long long k0, long long kEnd, const float* any, At at) {
#pragma unroll
    for (int i = 0; i < S::N; ++i) {
      int r, kk, dst;
      S::at(i, r, kk, dst);
      const long long k = k0 + kk;
      const float* src = (r < rows && k < kEnd) ? at(r, k) : nullptr;
      ptx::cp_async_ca_zfill<4>(s + dst, src ? src : any, src ? 4u : 0u);
    }
  }
};

// Fragment registers of a stage element: as stored (the 16-byte path rounds its stage to TF32 in place), or rounded
// here (ROUND: the 4-byte path, whose extra pass over the stage spilled registers) unless `round` is off (--math
// tf32rz: every operand goes to the tensor cores as it is, and they read its top 19 bits: truncation).
template <bool ROUND>
__device__ __forceinline__ uint32_t tf32_bits(float v, bool round) {
  return ROUND && round ? ptx::tf32_operand(v) : __float_as_uint(v);
}

// The warp's A fragments (MT m16 tiles) at k-step ks of a stage.
template <class C, bool K_MAJOR, bool ROUND>
__device__ __forceinline__ void frag_a(const float* s, int wm0, int ks, uint32_t (&a)[MT][4], bool round) {
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
    const int r0 = wm0 + mt * 16;
    if (K_MAJOR) {
      // matrix j = lane / 8: rows r0 + 8 (j & 1) .. +7, k ks + 4 (j >> 1) .. +3 -> a0, a1, a2, a3
      ptx::ldmatrix_x4(a[mt], s + C::kidx(r0 + (lane & 15), ks + ((lane >> 4) << 2)));
#pragma unroll
      for (int i = 0; i < 4; ++i) a[mt][i] = tf32_bits<ROUND>(__uint_as_float(a[mt][i]), round);
    } else {
      const float* p = s + (ks + t) * LDA_MN + r0 + g;
      a[mt][0] = tf32_bits<ROUND>(p[0], round);
      a[mt][1] = tf32_bits<ROUND>(p[8], round);
      a[mt][2] = tf32_bits<ROUND>(p[4 * LDA_MN], round);
      a[mt][3] = tf32_bits<ROUND>(p[4 * LDA_MN + 8], round);
    }
  }
}

// The warp's B fragments (NT n8 tiles) at k-step ks of a stage.
template <class C, bool K_MAJOR, bool ROUND>
__device__ __forceinline__ void frag_b(const float* s, int wn0, int ks, uint32_t (&b)[NT][2], bool round) {
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  if (K_MAJOR) {
#pragma unroll
    for (int np = 0; np < NT / 2; ++np) {
      // matrix j = lane / 8: n rows wn0 + 16 np + 8 (j >> 1) .. +7, k ks + 4 (j & 1) .. +3
      // -> b[2np][0], b[2np][1], b[2np+1][0], b[2np+1][1]
      uint32_t r[4];
      ptx::ldmatrix_x4(r, s + C::kidx(wn0 + np * 16 + ((lane >> 4) << 3) + (lane & 7), ks + (((lane >> 3) & 1) << 2)));
      b[2 * np][0] = tf32_bits<ROUND>(__uint_as_float(r[0]), round);
      b[2 * np][1] = tf32_bits<ROUND>(__uint_as_float(r[1]), round);
      b[2 * np + 1][0] = tf32_bits<ROUND>(__uint_as_float(r[2]), round);
      b[2 * np + 1][1] = tf32_bits<ROUND>(__uint_as_float(r[3]), round);
    }
  } else {
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
      const float* p = s + (ks + t) * LDB_MN + wn0 + nt * 8 + g;
      b[nt][0] = tf32_bits<ROUND>(p[0], round);
      b[nt][1] = tf32_bits<ROUND>(p[4 * LDB_MN], round);
    }
  }
}

// The warp's position in the block tile.
__device__ __forceinline__ int warp_m0() { return ((int)threadIdx.x >> 5) % WARPS_M * WM; }
__device__ __forceinline__ int warp_n0() { return ((int)threadIdx.x >> 5) / WARPS_M * WN; }

// The k loop for one choice of copy widths (VA, VB: 16-byte copies of A, B), so that the loop body holds one copy
// path and what the rows alone decide is computed before it (v1 had both paths and every address in the loop:
// ~490-1190 static SASS instructions per 16 HMMA on sm_90, both paths counted; it was issue-bound).
template <class C, class P, bool VA, bool VB, Round R>
__device__ __forceinline__ void kloop(const P& p, typename C::Smem& sm, int M, int N, long long kBegin, long long kEnd,
                                      int m0, int n0, float (&acc)[MT][NT][4], bool tf32Round) {
  const bool round = rounds<R>(tf32Round);
  constexpr int BK = C::BK, STAGES = C::STAGES;
  // Rows are hoisted where a thread has at most 2 chunks of the operand (BK 16, and B at BK 32); at BK 32 A has 4
  // chunks per thread, whose hoisted rows spilled, so K32 computes A's addresses at every k-tile.
  constexpr bool HOIST_A = Slots<C, BM, P::A_K, true>::N <= 2, HOIST_B = Slots<C, BN, P::B_K, true>::N <= 2;
  using AV = VecCopies<C, BM, P::A_K, std::conditional_t<HOIST_A, ARows<P>, APtr<P>>, P, HOIST_A>;
  using BV = VecCopies<C, BN, P::B_K, std::conditional_t<HOIST_B, BRows<P>, BPtr<P>>, P, HOIST_B>;
  using AS = ScalarCopies<C, BM, P::A_K>;
  using BS = ScalarCopies<C, BN, P::B_K>;
  const int rowsA = M - m0, rowsB = N - n0;
  const float* anyA = p.a_any();
  const float* anyB = p.b_any();
  // The hoisted rows of the 16-byte paths (unused by the 4-byte ones: the compiler drops them).
  const AV av(p, m0, VA ? rowsA : 0);
  const BV bv(p, n0, VB ? rowsB : 0);
  const int tiles = kEnd > kBegin ? (int)((kEnd - kBegin + BK - 1) / BK) : 0;
  auto load = [&](int stage, int kt) {
    const long long k0 = kBegin + (long long)kt * BK;
    if (VA) av.load(sm.pipe.a[stage], p, k0, kEnd, anyA);
    else AS::load(sm.pipe.a[stage], rowsA, k0, kEnd, anyA, [&](int r, long long k) { return p.a_ptr(m0 + r, k); });
    if (VB) bv.load(sm.pipe.b[stage], p, k0, kEnd, anyB);
    else BS::load(sm.pipe.b[stage], rowsB, k0, kEnd, anyB, [&](int r, long long k) { return p.b_ptr(k, n0 + r); });
  };
  // Prologue: STAGES - 1 tiles in flight. One commit per tile slot, empty or not, so that wait<STAGES-2>
  // below always means "tile kt has landed".
#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (s < tiles) load(s, s);
    ptx::cp_async_commit();
  }
  const int wm0 = warp_m0(), wn0 = warp_n0();
  int s = 0, sNext = STAGES - 1;  // the stage of tile kt, and the stage tile kt + STAGES - 1 goes to
  for (int kt = 0; kt < tiles; ++kt) {
    ptx::cp_async_wait<STAGES - 2>();  // this thread's copies of tile kt have landed
    // 16-byte path: round them to TF32 in place, once per element (v1 rounded every fragment: each A element
    // twice, each B element four times, two instructions each); the barrier below publishes the rounded values.
    // Not with round off (--math tf32rz): the tensor cores then truncate the FP32 bits as cuBLAS / cuDNN feed them.
    if (VA && round) av.round(sm.pipe.a[s]);
    if (VB && round) bv.round(sm.pipe.b[s]);
    __syncthreads();                   // everyone's have; and everyone is done reading tile kt - 1's stage
    if (kt + STAGES - 1 < tiles) load(sNext, kt + STAGES - 1);  // refills the stage tile kt - 1 used
    ptx::cp_async_commit();
#pragma unroll
    for (int ks = 0; ks < BK; ks += 8) {
      uint32_t a[MT][4], b[NT][2];
      frag_a<C, P::A_K, !VA>(sm.pipe.a[s], wm0, ks, a, round);
      frag_b<C, P::B_K, !VB>(sm.pipe.b[s], wn0, ks, b, round);
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) ptx::mma_m16n8k8_tf32(acc[mt][nt], a[mt], b[nt], acc[mt][nt]);
    }
    s = s + 1 == STAGES ? 0 : s + 1;
    sNext = sNext + 1 == STAGES ? 0 : sNext + 1;
  }
  ptx::cp_async_wait<0>();
  __syncthreads();  // the pipeline's memory is free for the epilogue
}

// acc[mt][nt][i]: row = m0 + warp_m0() + 16 mt + g + 8 (i >> 1), col = n0 + warp_n0() + 8 nt + 2 t + (i & 1)
// (g = lane / 4, t = lane % 4; the mma C fragment layout).
template <class C, class P>
__device__ __forceinline__ void mainloop(const P& p, typename C::Smem& sm, int M, int N, long long kBegin, long long kEnd,
                                         int m0, int n0, float (&acc)[MT][NT][4], bool round) {
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < NT; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i) acc[mt][nt][i] = 0.0f;
  const bool vecA = p.a_vec(), vecB = p.b_vec();
  if (vecA && vecB) {
    if (round) kloop<C, P, true, true, Round::ALWAYS>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, true);
    else kloop<C, P, true, true, Round::NEVER>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, false);
  } else if (vecA) kloop<C, P, true, false, Round::RUNTIME>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, round);
  else if (vecB) kloop<C, P, false, true, Round::RUNTIME>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, round);
  else kloop<C, P, false, false, Round::RUNTIME>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, round);
}

// Guarded scalar stores of the accumulators to out[m * ld + n] (the backward kernels; no noise), each plus
// add[m * ld + n] where add is not null (another tensor: the hosts refuse add == out).
__device__ __forceinline__ void store(float* out, long long ld, int M, int N, int m0, int n0,
                                      const float (&acc)[MT][NT][4], const float* add = nullptr) {
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int wm0 = warp_m0(), wn0 = warp_n0();
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < NT; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int m = m0 + wm0 + mt * 16 + g + 8 * (i >> 1), n = n0 + wn0 + nt * 8 + 2 * t + (i & 1);
        if (m < M && n < N) {
          const long long e = (long long)m * ld + n;
          out[e] = add ? acc[mt][nt][i] + add[e] : acc[mt][nt][i];
        }
      }
}

// Writes acc (+ bias[n]) into the staging tile sm.c [BM][LDC] for the noise epilogue (after mainloop).
template <class SmemT>
__device__ __forceinline__ void stage(SmemT& sm, int N, int n0, const float* __restrict__ dBias,
                                      const float (&acc)[MT][NT][4]) {
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int wm0 = warp_m0(), wn0 = warp_n0();
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
      const int c = wn0 + nt * 8 + 2 * t;
      // No bias: acc unchanged (no +0 rounding of -0), as epilogue_store does.
      const float b0 = (dBias && n0 + c < N) ? dBias[n0 + c] : 0.0f;
      const float b1 = (dBias && n0 + c + 1 < N) ? dBias[n0 + c + 1] : 0.0f;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int r = wm0 + mt * 16 + g + 8 * h;
        float2 v;
        v.x = dBias ? acc[mt][nt][2 * h] + b0 : acc[mt][nt][2 * h];
        v.y = dBias ? acc[mt][nt][2 * h + 1] + b1 : acc[mt][nt][2 * h + 1];
        *reinterpret_cast<float2*>(&sm.c[r * LDC + c]) = v;
      }
    }
  __syncthreads();
}

__device__ __forceinline__ void tile_of(int M, int N, int& m0, int& n0, int& split) {
  grid_tile<BM, BN>(M, N, m0, n0, split);
}

}  // namespace tf32
}  // namespace vant

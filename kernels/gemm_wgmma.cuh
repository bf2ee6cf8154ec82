// kernels/gemm_wgmma.cuh — the Hopper TF32 GEMM mainloop: wgmma.mma_async m64nNk8 .tf32 (sm_90a), operands read by
// the tensor cores straight from shared memory. The third mainloop beside gemm_fp32.cuh (FFMA) and gemm_tf32.cuh
// (mma.sync), for GEMMs whose operands are both contiguous in k (K-major: the only layout wgmma has for tf32):
// noisy_matmul_forward_tf32wg[128], noisy_conv2d_forward_tf32wg[128] and the data gradients
// conv2d_backward_data[_s1]_tf32wg[128], matmul_backward_data_tf32wg[128] (from transposed weights). The weight
// gradients, whose operands are contiguous in m / n, have their own loop: gemm_wgmma_mn.cuh. Same problem
// interface as gemm_tf32.cuh (a_ptr / b_ptr, a_vec / b_vec, optional hoisted rows), same numerics: every operand
// rounded to TF32 once (in shared memory by ptx::tf32_operand, or already in memory by cvt.rna: B_TF32), products
// exact, FP32 sums, deterministic run to run; with `round` off (--math tf32rz) no rounding pass: the tensor cores
// truncate the FP32 operands (gemm_tf32.cuh).
//
// Why (bench/results/2026-11-28-gpu-speed.md): the mma.sync mainloop is issue-bound on the H200 — per HMMA (16 x 8 x 8)
// a warp also issues its fragment loads (ldmatrix), address and copy work: 145-241 SASS instructions per 16 HMMA after
// the 2026-12-05 diet. One wgmma m64n64k8 is the work of 32 HMMA (m64n128k8: 64) for one instruction per warp, and
// no fragment loads at all: what remains per k-tile is the copies, the in-place TF32 rounding and one barrier.
//
// v1 (this one, 2026-12-05, not yet run on a GPU): block tile 128 x BN x 32 (BN = 64 or 128), 256 threads = 2
// warpgroups, warpgroup w computes rows 64 w .. 64 w + 63 with 4 wgmma per k-tile (accumulators: BN / 2 per thread).
// cp.async copies (16 bytes, or 4 where the operand does not allow vectors) into a STAGES-deep ring; loads run
// STAGES - 2 tiles ahead and one wgmma group stays in flight (wait_group 1), so the stage a copy refills was last
// read by the group two tiles back, which every warpgroup has waited for before the barrier of this tile.
// Shared memory: BN 64: 4 stages x 24 KiB = 96 KiB (2 blocks per SM); BN 128: 4 x 32 KiB = 128 KiB (1 block per SM);
// the noisy forwards' configurations with a Gaussian tile (EarlyNoise): N64Z, N128Z below.
//
// Shared-memory layout of an operand stage (ROWS x 32 floats, no swizzle; ptx.cuh has the wgmma view of it): the
// 8 x 4 core matrix of rows 8 g .. 8 g + 7 and k 4 c .. 4 c + 3 is 128 contiguous bytes at (8 g) * 32 + 32 c floats,
// i.e. SBO = 1024 bytes between 8-row groups, LBO = 128 bytes between the two k-halves of a wgmma's k8 step. Copy
// slot q (16 bytes) is row 8 (q / 64) + q % 8, k 4 ((q / 8) % 8), stored at float 4 q: 8 consecutive threads fill one
// core matrix (128 contiguous bytes: no bank conflict) from 8 rows of global memory (16 bytes each; the 4 chunks of a
// row are read by 4 neighbouring groups of 8 threads: 64 contiguous bytes per row per warp).
#pragma once
#include "gemm_epilogue.cuh"
#include "gemm_tf32.cuh"

// The *_tf32wg kernels exist in every build of the fatbin, but only the sm_90a code computes: built for a target
// without wgmma (sm_80-89, the compute_90 PTX) their bodies trap. The host launches them only on a compute
// capability 9.0 GPU from a fatbin that has sm_90a code (dev.vant.backend.cuda.CudaBackend.gemm()).
#if defined(__CUDA_ARCH__) && !defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define VANT_WGMMA 0
#else
#define VANT_WGMMA 1
#endif

namespace vant {
namespace wg {

constexpr int BM = 128, BK = 32, THREADS = 256;
constexpr int SBO = 8 * BK * 4, LBO = 4 * 4 * 8;  // bytes: next 8-row group, next 4-k core matrix

// ZT: the forwards' configuration with a tile of first-stream Gaussians beside the pipeline (EarlyNoise below).
template <int BN_, int STAGES_, bool ZT_ = false>
struct Config {
  static constexpr int BN = BN_, STAGES = STAGES_;
  static constexpr bool ZT = ZT_;
  static constexpr int A_STAGE = BM * BK, B_STAGE = BN * BK;  // floats
  static constexpr int LDC = BN + 8;  // epilogue staging row stride (= 8 mod 32, as gemm_tf32.cuh's)
  static_assert(BN == 64 || BN == 128 || BN == 256, "wgmma m64n64k8, m64n128k8 or m64n256k8");
  static_assert(STAGES >= 3, "loads run STAGES - 2 tiles ahead");
  struct __align__(128) Plain {
    union {
      struct {
        float a[STAGES][A_STAGE];
        float b[STAGES][B_STAGE];
      } pipe;
      float c[BM * LDC];  // the accumulator tile, staged for the noise epilogue
    };
  };
  struct __align__(128) WithZ : Plain {
    float4 z[BM * BN / 4];  // item i of store_noisy_rows: its 4 Gaussians
  };
  using Smem = std::conditional_t<ZT, WithZ, Plain>;
  static_assert(BM * LDC <= STAGES * (A_STAGE + B_STAGE), "the epilogue tile reuses the pipeline's memory");
};
using N64 = Config<64, 4>;
using N128 = Config<128, 4>;
// 128 x 256 (the large matmul's forward, VANT_TF32_TILE=wgmma256): 4 stages x 48 KiB = 192 KiB, one block per SM, 128
// accumulators per thread. Per k-tile a warp issues about the copies and rounding of 48 floats, a barrier and 4 wgmma
// against 1,024 cycles of tensor work per SM (128 x 256 x 32 at ~1,024 TF32 FMA per cycle): twice the tensor work of
// the 128 x 128 tile for ~1.3x its issue (k loop 254 vs 194 SASS instructions: ~510 vs ~390 issue cycles per k-tile
// per SM, against 1,024 vs 512 of tensor work).
using N256 = Config<256, 4>;
// The noisy forwards' configurations (the *_tf32wgz / *_tf32wg128z kernels, EarlyNoise): 128 x 128 keeps its 4
// stages and adds the 64 KiB Gaussian tile (192 KiB: one block per SM, as N128); 128 x 64 gives up a stage for its
// 32 KiB tile so that two blocks still fit an SM (3 x 24 + 32 = 104 KiB; 4 stages + 32 would be 128 KiB, one block:
// layer1's 256 tiles would then take two waves of 132 instead of one of 264 slots). With 3 stages the loads run one
// tile ahead instead of two; the drawing between a tile's wgmma and its wait gives them that much longer to land.
using N64Z = Config<64, 3, true>;
using N128Z = Config<128, 4, true>;
// dev.vant.backend.cuda.Gemm asks for exactly these many bytes of dynamic shared memory at launch.
static_assert(sizeof(N64::Smem) == 98304 && sizeof(N128::Smem) == 131072 && sizeof(N64Z::Smem) == 106496 &&
                  sizeof(N128Z::Smem) == 196608 && sizeof(N256::Smem) == 196608,
              "Gemm.WG64 / WG128 / WG64Z / WG128Z / WG256 sharedBytes");

// Float offset of element (r, k) in an operand stage (the core-matrix layout above).
__device__ __forceinline__ int idx(int r, int k) { return (r >> 3) * (8 * BK) + (k >> 2) * 32 + (r & 7) * 4 + (k & 3); }

// Per-operand traits of a problem (all optional; B_TF32 below): A_DENSE / B_DENSE = true when a_at / b_at never
// return nullptr (no implicit zeros: a linear layer's operands, a convolution's weights; its input has padding
// taps); a_tap(k) / a_at_tap(row, tap) split a_at in two: what depends on k alone (a convolution's tap: two FastDiv
// splits), computed once per k-tile since all slots of a thread share k, and the per-row rest.
template <class P, class = void>
struct ADense : std::false_type {};
template <class P>
struct ADense<P, std::void_t<decltype(P::A_DENSE)>> : std::bool_constant<P::A_DENSE> {};
template <class P, class = void>
struct BDense : std::false_type {};
template <class P>
struct BDense<P, std::void_t<decltype(P::B_DENSE)>> : std::bool_constant<P::B_DENSE> {};
// B_TF32 = true: B is stored already rounded to TF32 (the transposed weights of the data gradient), so its stages
// skip the in-place rounding (rounding is idempotent: the same bits either way).
template <class P, class = void>
struct BTf32 : std::false_type {};
template <class P>
struct BTf32<P, std::void_t<decltype(P::B_TF32)>> : std::bool_constant<P::B_TF32> {};
template <class P, class = void>
struct ATaps : std::false_type {};
template <class P>
struct ATaps<P, std::void_t<decltype(std::declval<const P&>().a_tap(0LL))>> : std::true_type {};

// The 16-byte copies of one operand (ROWS x BK per stage; IS_A: A, else B): slot i of this thread is
// q = threadIdx.x + i * THREADS, stored at float 4 q. All slots of a thread share one k offset, 4 ((tid / 8) % 8), so
// whether a slot's k lies in the problem is one test per k-tile. Rows past the problem's edge copy the last row
// instead of zeros: they only meet output rows (A) or columns (B) that are never stored, so no per-slot test is
// needed. The rows' hoisted addresses (a_row / b_row) are computed once and pinned in registers (ptx::pin).
template <int ROWS, bool IS_A, class P>
struct VecCopies {
  using Rows = std::conditional_t<IS_A, tf32::ARows<P>, tf32::BRows<P>>;
  static constexpr bool DENSE = IS_A ? ADense<P>::value : BDense<P>::value;
  static constexpr bool TAPS = IS_A && ATaps<P>::value;
  static constexpr int N = ROWS * BK / 4 / THREADS;  // 4 (A), 2 or 4 (B)
  typename Rows::Row row[N];
  int kk;
  __device__ __forceinline__ VecCopies(const P& p, int base, int rows) {
    kk = (((int)threadIdx.x >> 3) & 7) * 4;
#pragma unroll
    for (int i = 0; i < N; ++i) {
      const int r = rowOf(i);
      row[i] = Rows::row(p, base + (r < rows ? r : (rows > 0 ? rows - 1 : 0)));
      ptx::pin(row[i]);
    }
  }
  __device__ __forceinline__ static int rowOf(int i) {
    const int q = (int)threadIdx.x + i * THREADS;
    return ((q >> 6) << 3) + (q & 7);
  }
  // DENSE: past kEnd a slot copies 0 bytes from its row itself (zero-filled): one select per k-tile instead of two
  // null tests per slot. Else a slot whose address is nullptr (an implicit zero) or past kEnd copies 0 bytes from
  // `any`.
  __device__ __forceinline__ void load(float* s, const P& p, long long k0, long long kEnd, const float* any) const {
    const long long k = k0 + kk;
    const bool kin = k < kEnd;
    if constexpr (DENSE) {
      const long long kc = kin ? k : 0;
      const unsigned bytes = kin ? 16u : 0u;
#pragma unroll
      for (int i = 0; i < N; ++i) ptx::cp_async_cg16_zfill(s + 4 * ((int)threadIdx.x + i * THREADS), Rows::at(p, row[i], kc), bytes);
    } else if constexpr (TAPS) {
      const auto tap = p.a_tap(kin ? k : 0);
#pragma unroll
      for (int i = 0; i < N; ++i) {
        const float* src = p.a_at_tap(row[i], tap);
        const bool ok = kin && src != nullptr;
        ptx::cp_async_cg16_zfill(s + 4 * ((int)threadIdx.x + i * THREADS), ok ? src : any, ok ? 16u : 0u);
      }
    } else {
#pragma unroll
      for (int i = 0; i < N; ++i) {
        const float* src = kin ? Rows::at(p, row[i], k) : nullptr;
        ptx::cp_async_cg16_zfill(s + 4 * ((int)threadIdx.x + i * THREADS), src ? src : any, src ? 16u : 0u);
      }
    }
  }
  // Rounds this thread's landed chunks to TF32 in place (what the tensor cores then read as they are).
  __device__ __forceinline__ void round(float* s) const {
#pragma unroll
    for (int i = 0; i < N; ++i) {
      float4* q = reinterpret_cast<float4*>(s + 4 * ((int)threadIdx.x + i * THREADS));
      float4 v = *q;
      v.x = __uint_as_float(ptx::tf32_operand(v.x));
      v.y = __uint_as_float(ptx::tf32_operand(v.y));
      v.z = __uint_as_float(ptx::tf32_operand(v.z));
      v.w = __uint_as_float(ptx::tf32_operand(v.w));
      *q = v;
    }
  }
};

// The 4-byte copies of one operand (its contiguous extent is not a multiple of 4, or its base is misaligned): element
// e = threadIdx.x + i * THREADS is row 8 (e / 256) + e % 8, k (e / 8) % 32 — a quarter-warp writes 8 rows of one k
// (distinct banks), a warp 8 rows x 4 k. `at(r, k)`: the address of tile row r at k, or nullptr (a zero).
template <int ROWS>
struct ScalarCopies {
  static constexpr int N = ROWS * BK / THREADS;  // 16 (A), 8 or 16 (B)
  __device__ __forceinline__ static void place(int i, int& r, int& k) {
    const int e = (int)threadIdx.x + i * THREADS;
    r = ((e >> 8) << 3) + (e & 7);
    k = (e >> 3) & (BK - 1);
  }
  template <class At>
  __device__ __forceinline__ static void load(float* s, int rows, long long k0, long long kEnd, const float* any, At at) {
#pragma unroll
    for (int i = 0; i < N; ++i) {
      int r, k;
      place(i, r, k);
      const float* src = (r < rows && k0 + k < kEnd) ? at(r, k0 + k) : nullptr;
      ptx::cp_async_ca_zfill<4>(s + idx(r, k), src ? src : any, src ? 4u : 0u);
    }
  }
  __device__ __forceinline__ static void round(float* s) {
#pragma unroll
    for (int i = 0; i < N; ++i) {
      int r, k;
      place(i, r, k);
      s[idx(r, k)] = __uint_as_float(ptx::tf32_operand(s[idx(r, k)]));
    }
  }
};

// acc[j] of this thread: row m0 + acc_row(j), column n0 + acc_col(j) (the wgmma D fragment, ptx.cuh).
__device__ __forceinline__ int acc_row(int j) {
  const int tid = (int)threadIdx.x, lane = tid & 31;
  return 64 * (tid >> 7) + 16 * ((tid >> 5) & 3) + (lane >> 2) + 8 * ((j >> 1) & 1);
}
__device__ __forceinline__ int acc_col(int j) { return 8 * (j >> 2) + 2 * ((int)threadIdx.x & 3) + (j & 1); }

// The pipeline's prologue: load(s, s) for the first N k-tiles, one cp.async commit per tile slot, empty or not, so
// that in the loop cp_async_wait<N - 1> always means "tile kt has landed" (one commit per iteration follows).
template <int N, class Load>
__device__ __forceinline__ void prefetch(int tiles, Load& load) {
#pragma unroll
  for (int s = 0; s < N; ++s) {
    if (s < tiles) load(s, s);
    ptx::cp_async_commit();
  }
}

// The k loop for one choice of copy widths (VA, VB). acc must be zero on entry (every wgmma accumulates).
template <class C, class P, bool VA, bool VB, Round R, class Side>
__device__ __forceinline__ void kloop(const P& p, typename C::Smem& sm, int M, int N, long long kBegin, long long kEnd,
                                      int m0, int n0, float (&acc)[C::BN / 2], bool tf32Round, Side& side) {
  const bool round = rounds<R>(tf32Round);
  static_assert(P::A_K && P::B_K, "wgmma .tf32 reads both operands K-major");
  constexpr int STAGES = C::STAGES, AHEAD = STAGES - 2;
  using AV = VecCopies<BM, true, P>;
  using BV = VecCopies<C::BN, false, P>;
  const int rowsA = M - m0, rowsB = N - n0;
  const float* anyA = p.a_any();
  const float* anyB = p.b_any();
  const AV av(p, m0, VA ? rowsA : 0);
  const BV bv(p, n0, VB ? rowsB : 0);
  const int tiles = kEnd > kBegin ? (int)((kEnd - kBegin + BK - 1) / BK) : 0;
  auto load = [&](int stage, int kt) {
    const long long k0 = kBegin + (long long)kt * BK;
    if (VA) av.load(sm.pipe.a[stage], p, k0, kEnd, anyA);
    else ScalarCopies<BM>::load(sm.pipe.a[stage], rowsA, k0, kEnd, anyA, [&](int r, long long k) { return p.a_ptr(m0 + r, k); });
    if (VB) bv.load(sm.pipe.b[stage], p, k0, kEnd, anyB);
    else ScalarCopies<C::BN>::load(sm.pipe.b[stage], rowsB, k0, kEnd, anyB, [&](int r, long long k) { return p.b_ptr(k, n0 + r); });
  };
  prefetch<AHEAD>(tiles, load);  // wait<AHEAD - 1> below then means "tile kt has landed"
  const int w = (int)threadIdx.x >> 7;  // this thread's warpgroup: rows 64 w .. 64 w + 63 of the tile
  const void* base = &sm;
  // The descriptors of stage 0, k-step 0; a stage and a k-step only move the start address (bits 0-13, in 16-byte
  // units, which never carry: shared addresses are below 256 KiB): stage s adds s * STAGE / 4, k-step ks adds 16 ks.
  const uint64_t da0 = ptx::wgmma_desc(base, sm.pipe.a[0] + idx(64 * w, 0), LBO, SBO);
  const uint64_t db0 = ptx::wgmma_desc(base, sm.pipe.b[0], LBO, SBO);
  int s = 0, sNext = AHEAD;  // the stage of tile kt, and the stage tile kt + AHEAD goes to
  for (int kt = 0; kt < tiles; ++kt) {
    ptx::cp_async_wait<AHEAD - 1>();  // this thread's copies of tile kt have landed
    if (round) {  // off (--math tf32rz): the tensor cores truncate the operands as they are
      if (VA) av.round(sm.pipe.a[s]); else ScalarCopies<BM>::round(sm.pipe.a[s]);
      if constexpr (!BTf32<P>::value) {
        if (VB) bv.round(sm.pipe.b[s]); else ScalarCopies<C::BN>::round(sm.pipe.b[s]);
      }
    }
    ptx::fence_proxy_async();  // this thread's stores (copies, rounding) visible to the tensor cores' reads ...
    __syncthreads();           // ... once everyone's are; and every group of tile kt - 2 has completed
    if (kt + AHEAD < tiles) load(sNext, kt + AHEAD);  // refills the stage tile kt - 2 used
    ptx::cp_async_commit();
    ptx::wgmma_fence();
#pragma unroll
    for (int ks = 0; ks < BK / 8; ++ks) {
      // k 8 ks .. 8 ks + 7: core matrices 2 ks and 2 ks + 1 of every 8-row group (idx(0, 8 ks) = 64 ks floats = 16 units)
      const uint64_t da = da0 + (uint64_t)(s * (C::A_STAGE / 4) + 16 * ks);
      const uint64_t db = db0 + (uint64_t)(s * (C::B_STAGE / 4) + 16 * ks);
      ptx::wgmma_m64k8_tf32<C::BN>(acc, base, da, db);
    }
    ptx::wgmma_commit();
    side(kt, tiles);       // work of the thread's own while the tensor cores run this tile (EarlyNoise)
    ptx::wgmma_wait<1>();  // the group of tile kt - 1 has completed (this warpgroup's)
    s = s + 1 == STAGES ? 0 : s + 1;
    sNext = sNext + 1 == STAGES ? 0 : sNext + 1;
  }
  ptx::wgmma_wait<0>();
#pragma unroll
  for (int j = 0; j < C::BN / 2; ++j) ptx::reg_fence(acc[j]);
  ptx::cp_async_wait<0>();
  __syncthreads();  // the pipeline's memory is free for the epilogue
}

// No side work.
struct NoSide {
  __device__ __forceinline__ void operator()(int, int) const {}
};

// side(kt, tiles) runs in every k-tile between issuing its wgmma and waiting for the previous group: per-thread work
// that needs no shared memory the loop uses (EarlyNoise).
template <class C, class P, class Side = NoSide>
__device__ __forceinline__ void mainloop(const P& p, typename C::Smem& sm, int M, int N, long long kBegin, long long kEnd,
                                         int m0, int n0, float (&acc)[C::BN / 2], bool round, Side side = Side{}) {
#pragma unroll
  for (int j = 0; j < C::BN / 2; ++j) acc[j] = 0.0f;
#pragma unroll
  for (int j = 0; j < C::BN / 2; ++j) ptx::reg_fence(acc[j]);
  const bool vecA = p.a_vec(), vecB = p.b_vec();
  if (vecA && vecB) {
    if (round) kloop<C, P, true, true, Round::ALWAYS>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, true, side);
    else kloop<C, P, true, true, Round::NEVER>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, false, side);
  } else if (vecA) kloop<C, P, true, false, Round::RUNTIME>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, round, side);
  else if (vecB) kloop<C, P, false, true, Round::RUNTIME>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, round, side);
  else kloop<C, P, false, false, Round::RUNTIME>(p, sm, M, N, kBegin, kEnd, m0, n0, acc, round, side);
}

// The noise of the fused epilogue drawn under the k loop (configurations with a Gaussian tile, C::ZT): the epilogue's
// Philox + Box-Muller chains, ~190 instructions per group, ran at a quarter to a third of the SM's issue rate after
// the mainloop (one wave of blocks reaches it together; run 3, bench/results/2026-11-28-gpu-speed.md). Here each
// thread draws the first-stream Gaussians of its own epilogue items (store_noisy_rows), a share per k-tile, while
// the tensor cores run the tile's wgmma, and the epilogue reads them back (same calls, same bits). Only where the
// epilogue takes store_noisy_rows (rows_path) and the whole k range is this block's (splits == 1: with split-K the
// noise belongs to the reduction) and not empty (no k-tile, no draw: `whole` says both).
template <class C>
struct EarlyNoise {
  // Philox chains drawn at once: 4 where the 128 x 128 kernels have the registers (245 of 255, 1 block per SM); 2 in
  // the 128 x 64 ones, capped at 128 registers for 2 blocks per SM (with 4 the conv forward spilled 26 bytes).
  static constexpr int CHAINS = C::BN == 128 ? 4 : 2;
  float4* zs;
  RowsTile<C::BN> tile;
  const NoiseArgs* a;
  int per;  // items per thread (the last may be partial)
  bool on;
  __device__ __forceinline__ EarlyNoise(typename C::Smem& sm, int M, int N, int m0, int n0, const NoiseArgs& na, bool whole)
      : zs(nullptr), tile(N, m0, n0, M - m0 < BM ? M - m0 : BM, N - n0 < C::BN ? N - n0 : C::BN, C::LDC), a(&na), per(0),
        on(false) {
    if constexpr (C::ZT) {
      zs = sm.z;
      on = whole && na.type != NOISE_NONE && rows_path(N, na);
      per = (tile.items + THREADS - 1) / THREADS;
    }
  }
  // The thread's items in units of CHAINS (the last may be partial), units [kt u / tiles, (kt + 1) u / tiles) in
  // k-tile kt: every item once, all by the last k-tile. Whole units, not per / tiles items per k-tile: with fewer
  // items than k-tiles (layer2: 16 over 36) that share is 0 or 1, and one Philox + Box-Muller chain alone is
  // latency-bound (~210 dependent instructions, 2-4 warps per scheduler): the draw would stretch its k-tile
  // instead of filling issue slots.
  __device__ __forceinline__ void operator()(int kt, int tiles) const {
    if (!on) return;
    const int units = (per + CHAINS - 1) / CHAINS;
    const int v0 = kt * units / tiles * CHAINS, v1 = (kt + 1) * units / tiles * CHAINS;
    draw_rows_noise<C::BN, CHAINS>(zs, tile, *a, v0 < per ? v0 : per, v1 < per ? v1 : per);
  }
  __device__ __forceinline__ const float4* drawn() const { return on ? zs : nullptr; }
};

// Guarded scalar stores of the accumulators to out[m * ld + n] (data gradients, split-K partials), each plus
// add[m * ld + n] where add is not null (another tensor: the hosts refuse add == out).
template <class C>
__device__ __forceinline__ void store(float* out, long long ld, int M, int N, int m0, int n0,
                                      const float (&acc)[C::BN / 2], const float* add = nullptr) {
#pragma unroll
  for (int j = 0; j < C::BN / 2; ++j) {
    const int m = m0 + acc_row(j), n = n0 + acc_col(j);
    if (m < M && n < N) {
      const long long e = (long long)m * ld + n;
      out[e] = add ? acc[j] + add[e] : acc[j];
    }
  }
}

// Writes acc (+ bias[n]) into the staging tile sm.c [BM][LDC] for the noise epilogue (after mainloop). No bias: acc
// unchanged (no +0 rounding of -0), as gemm_tf32.cuh's stage.
template <class C>
__device__ __forceinline__ void stage(typename C::Smem& sm, int N, int n0, const float* __restrict__ dBias,
                                      const float (&acc)[C::BN / 2]) {
#pragma unroll
  for (int j = 0; j < C::BN / 2; j += 2) {
    const int r = acc_row(j), c = acc_col(j);
    const float b0 = (dBias && n0 + c < N) ? dBias[n0 + c] : 0.0f;
    const float b1 = (dBias && n0 + c + 1 < N) ? dBias[n0 + c + 1] : 0.0f;
    float2 v;
    v.x = dBias ? acc[j] + b0 : acc[j];
    v.y = dBias ? acc[j + 1] + b1 : acc[j + 1];
    *reinterpret_cast<float2*>(&sm.c[r * C::LDC + c]) = v;
  }
  __syncthreads();
}

template <class C>
__device__ __forceinline__ void tile_of(int M, int N, int& m0, int& n0, int& split) {
  grid_tile<BM, C::BN>(M, N, m0, n0, split);
}

}  // namespace wg
}  // namespace vant

// kernels/gemm_wgmma_mn.cuh — the Hopper wgmma mainloop for GEMMs whose operands are both contiguous in m / n
// (MN-major) instead of k: the weight gradients, conv2d_backward_weight_tf32wg[128] and
// matmul_backward_weight_tf32wg[128] (sm_90a). wgmma's .tf32 reads only K-major shared memory, so gemm_wgmma.cuh cannot run them; here each k-tile is
// copied raw (cp.async, MN-major as in global memory) and then transposed into wgmma's K-major core-matrix layout
// (wg::idx) by the threads, rounding to TF32 on the way — the in-place rounding pass that the K-major loop makes
// anyway, now with a transpose folded in. Same numerics as every vant TF32 GEMM: each operand rounded once (as cvt.rna),
// products exact, FP32 sums, deterministic run to run.
//
// Why (bench/results/2026-11-28-gpu-speed.md): the weight gradients were the largest kernel family of the ResNet-18
// VANT step after run 3 (1.19 ms of 6.2) on the issue-bound mma.sync loop (223 SASS instructions per 16 HMMA).
//
// v1 (this one, 2026-12-05, not yet run on a GPU): block tile 128 (m) x BN (n = 64 or 128) x 32 (k), 256 threads =
// 2 warpgroups (rows 64 w .. 64 w + 63 each, 4 wgmma m64nBNk8 per k-tile), accumulators as gemm_wgmma.cuh's.
//   Copies: a thread owns 4 x 4 blocks — 4 consecutive k (rows of the reduction: pixels, samples) of one 16-byte
//   chunk of 4 consecutive m (n) — and copies them into a raw stage in a thread-private order (its t-th chunk at float
//   4 (t * ACTIVE + tid): a warp's copies and reads are 512 contiguous bytes). After its own copies land it reads them
//   back, rounds, transposes in registers and writes 4 16-byte rows of the operand buffer. Reading only its own copies
//   needs no barrier between landing and transposing, and a raw stage is refilled only by the thread that read it.
//   Row permutation: chunk q, element i goes to tile row 32 (q / 8) + 8 i + q % 8 (and back: perm() below). In
//   wg::idx a row's 16 bytes sit in bank group row % 8, so the 8 lanes of one 16-byte store phase (chunks q .. q + 7
//   of one i) hit 8 different bank groups; rows 4 q + i would put them all in two. The epilogue undoes it.
//   Pipeline: RAW = 2 raw stages, loads 2 tiles ahead; OPS = 2 operand buffers with one wgmma group in flight
//   (wait_group 1), so a buffer is rewritten while the group before the last may still read the other: a barrier
//   before the transpose (every warpgroup has completed the group two tiles back) and one after it (all rows written
//   and fenced for the async proxy).
//   Shared memory: 2 raw stages + 2 operand buffers: 96 KiB for BN 64 (two blocks per SM), 128 KiB for BN 128 (one).
// Needs every chunk whole: M % 4 == 0, N % 4 == 0, 16-byte aligned operands and output (the host launches these
// kernels only then: C % 4 == 0 and K % 4 == 0 for a convolution; device buffers are 256-byte aligned).
#pragma once
#include "gemm_wgmma.cuh"

namespace vant {
namespace wgmn {

using wg::BM;
using wg::BK;
using wg::THREADS;

// BN = 64: 2 raw stages + 2 operand buffers of (128 + 64) x 32 floats = 96 KiB, two blocks per SM; BN = 128: 128 KiB,
// one block per SM (the host picks it where the output has more than 64 columns, as for the forwards).
template <int BN_>
struct Config {
  static constexpr int BN = BN_, RAW = 2, OPS = 2;
  static constexpr int A_TILE = BM * BK, B_TILE = BN * BK;  // floats
  static constexpr int LDT = BM + 4;  // row stride of the transposed staging tile [BN][LDT] (16-byte rows for the stores)
  static_assert(BN == 64 || BN == 128, "wgmma m64n64k8 or m64n128k8");
  struct __align__(128) Smem {
    union {
      struct {
        float a[OPS][A_TILE];  // operand buffers, wg::idx layout (what the tensor cores read)
        float b[OPS][B_TILE];
        float ra[RAW][A_TILE];  // raw copies, thread-private order
        float rb[RAW][B_TILE];
      } pipe;
      float c[BN * LDT];  // the accumulator tile, transposed, for the coalesced store (after the mainloop)
    };
  };
  static_assert(BN * LDT <= (OPS + RAW) * (A_TILE + B_TILE), "the staging tile reuses the pipeline");
};
using N64 = Config<64>;
using N128 = Config<128>;
// dev.vant.backend.cuda.Gemm asks for exactly these many bytes of dynamic shared memory at launch.
static_assert(sizeof(N64::Smem) == 98304 && sizeof(N128::Smem) == 131072, "Gemm.WG_WEIGHT64 / WG_WEIGHT128 sharedBytes");

// Tile row of chunk q's element i, and the inverse: the m (n) offset, within the tile, of tile row r.
__device__ __forceinline__ int row_of(int q, int i) { return 32 * (q >> 3) + 8 * i + (q & 7); }
__device__ __forceinline__ int perm(int r) { return 32 * (r >> 5) + 4 * (r & 7) + ((r >> 3) & 3); }

// A dense MN-major operand: element (j, n) at base[j * ld + n] (a linear layer's x and dy, a convolution's dy).
// The operand interface of this loop: col(n) — what depends on the chunk's m (n) alone, computed once; pix(j) — what
// depends on the reduction index alone, and (operands that are not DENSE) step(pix), from row j to row j + 1;
// at(pix, col) — the chunk's address, or nullptr for an implicit zero.
struct Dense {
  static constexpr bool DENSE = true;
  const float* base;
  long long ld;
  __device__ __forceinline__ int col(int n) const { return n; }
  __device__ __forceinline__ const float* pix(long long j) const { return base + j * ld; }
  __device__ __forceinline__ const float* at(const float* px, int n) const { return px + n; }
  __device__ __forceinline__ const float* any() const { return base; }
};

// Dense operands (Dense, or anything with `static constexpr bool DENSE = true` and members base, ld) never have
// implicit zeros: their loads keep a running row pointer instead of computing an address per row.
template <class Op, class = void>
struct IsDense : std::false_type {};
template <class Op>
struct IsDense<Op, std::void_t<decltype(Op::DENSE)>> : std::bool_constant<Op::DENSE> {};

// One operand's copies and transposes (ROWS = BM or BN tile rows; CH = ROWS / 4 chunks per k, times BK / 4 blocks of 4
// k: ACTIVE threads own one 4 x 4 block each). `rows` = M - m0 (>= 4, a multiple of 4): a chunk past the edge copies
// the last chunk instead (its rows only meet outputs that are never stored). load() must be called for k-tiles 0, 1,
// 2, ... in order (the dense running pointer advances one tile per call).
template <int ROWS, class Op>
struct Blocks {
  static constexpr int CH = ROWS / 4, ACTIVE = CH * (BK / 4);
  static constexpr bool DENSE = IsDense<Op>::value;
  static_assert(ACTIVE <= THREADS, "one block per thread");
  using Col = decltype(std::declval<const Op&>().col(0));
  Col col;
  const float* next;  // DENSE: the chunk's address in the first row of this thread's block of the next tile
  int q, kb;  // this thread's chunk and k block (k 4 kb .. 4 kb + 3 of each tile)
  bool active;
  __device__ __forceinline__ Blocks(const Op& op, int base, int rows, long long kBegin) {
    const int tid = (int)threadIdx.x;
    q = tid % CH;
    kb = tid / CH;
    active = tid < ACTIVE;
    col = op.col(base + (4 * q < rows ? 4 * q : rows - 4));
    ptx::pin(col);
    next = DENSE ? op.at(op.pix(kBegin + 4 * kb), col) : nullptr;
  }
  // Rows j0 .. j0 + 3 (j0 = k0 + 4 kb) of this thread's chunk; rows at or past kEnd are zero-filled.
  __device__ __forceinline__ void load(float* raw, const Op& op, long long k0, long long kEnd) {
    if (!active) return;
    const long long j0 = k0 + 4 * kb, left = kEnd - j0;  // rows t < left are in the problem
    float* dst = raw + 4 * (int)threadIdx.x;
    if constexpr (DENSE) {
#pragma unroll
      for (int t = 0; t < 4; ++t) {
        const bool in = t < left;
        ptx::cp_async_cg16_zfill(dst + 4 * t * ACTIVE, in ? next + t * op.ld : op.any(), in ? 16u : 0u);
      }
      next += BK * op.ld;
    } else {
      auto px = op.pix(j0);  // then step() to the next 3 rows (a convolution: the next pixels, no divisions)
#pragma unroll
      for (int t = 0; t < 4; ++t) {
        if (t > 0) op.step(px);
        const float* src = t < left ? op.at(px, col) : nullptr;
        ptx::cp_async_cg16_zfill(dst + 4 * t * ACTIVE, src ? src : op.any(), src ? 16u : 0u);
      }
    }
  }
  // After this thread's copies of the tile have landed: its block, rounded and transposed, into the operand buffer.
  // With round off (--math tf32rz) the values go as they are: the tensor cores truncate them.
  __device__ __forceinline__ void transpose(const float* raw, float* opnd, bool round) const {
    if (!active) return;
    float v[4][4];
#pragma unroll
    for (int t = 0; t < 4; ++t) {
      const float4 x = *reinterpret_cast<const float4*>(raw + 4 * (t * ACTIVE + (int)threadIdx.x));
      v[t][0] = round ? __uint_as_float(ptx::tf32_operand(x.x)) : x.x;
      v[t][1] = round ? __uint_as_float(ptx::tf32_operand(x.y)) : x.y;
      v[t][2] = round ? __uint_as_float(ptx::tf32_operand(x.z)) : x.z;
      v[t][3] = round ? __uint_as_float(ptx::tf32_operand(x.w)) : x.w;
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      *reinterpret_cast<float4*>(opnd + wg::idx(row_of(q, i), 4 * kb)) = make_float4(v[0][i], v[1][i], v[2][i], v[3][i]);
    }
  }
};

// The k loop, rounding the operands to TF32 (ROUND: --math tf32) or not (tf32rz); mainloop below picks one.
template <class C, bool ROUND, class OpA, class OpB>
__device__ __forceinline__ void kloop(const OpA& opA, const OpB& opB, typename C::Smem& sm, int M, int N,
                                      long long kBegin, long long kEnd, int m0, int n0, float (&acc)[C::BN / 2]) {
  constexpr bool round = ROUND;
  constexpr int BN = C::BN, RAW = C::RAW, OPS = C::OPS;
#pragma unroll
  for (int j = 0; j < BN / 2; ++j) acc[j] = 0.0f;
#pragma unroll
  for (int j = 0; j < BN / 2; ++j) ptx::reg_fence(acc[j]);
  Blocks<BM, OpA> ba(opA, m0, M - m0, kBegin);
  Blocks<BN, OpB> bb(opB, n0, N - n0, kBegin);
  const int tiles = kEnd > kBegin ? (int)((kEnd - kBegin + BK - 1) / BK) : 0;
  auto load = [&](int stage, int kt) {
    const long long k0 = kBegin + (long long)kt * BK;
    ba.load(sm.pipe.ra[stage], opA, k0, kEnd);
    bb.load(sm.pipe.rb[stage], opB, k0, kEnd);
  };
  wg::prefetch<RAW>(tiles, load);  // wait<RAW - 1> below then means "tile kt has landed"
  const int w = (int)threadIdx.x >> 7;  // this thread's warpgroup: rows 64 w .. 64 w + 63 of the tile
  const void* base = &sm;
  // Descriptors of buffer 0, k-step 0; buffer o adds o * TILE / 4 and k-step ks 16 ks (16-byte units), as wg::kloop.
  const uint64_t da0 = ptx::wgmma_desc(base, sm.pipe.a[0] + wg::idx(64 * w, 0), wg::LBO, wg::SBO);
  const uint64_t db0 = ptx::wgmma_desc(base, sm.pipe.b[0], wg::LBO, wg::SBO);
  for (int kt = 0; kt < tiles; ++kt) {
    const int r = kt % RAW, o = kt % OPS;
    ptx::cp_async_wait<RAW - 1>();  // this thread's copies of tile kt have landed
    __syncthreads();                // every warpgroup has completed the group of tile kt - 2: buffer o is free
    ba.transpose(sm.pipe.ra[r], sm.pipe.a[o], round);
    bb.transpose(sm.pipe.rb[r], sm.pipe.b[o], round);
    // This thread's operand rows visible to the tensor cores' reads (once everyone's are: the barrier below). Before
    // the refill, not after it: sm_90a lowers the fence to MEMBAR.ALL.CTA + FENCE.VIEW.ASYNC.S, and a MEMBAR behind
    // fresh cp.async copies might wait for them (review of 2026-12-05; not measurable without a GPU).
    ptx::fence_proxy_async();
    if (kt + RAW < tiles) load(r, kt + RAW);  // this thread has just read raw stage r: refill it
    ptx::cp_async_commit();
    __syncthreads();
    ptx::wgmma_fence();
#pragma unroll
    for (int ks = 0; ks < BK / 8; ++ks) {
      const uint64_t da = da0 + (uint64_t)(o * (C::A_TILE / 4) + 16 * ks);
      const uint64_t db = db0 + (uint64_t)(o * (C::B_TILE / 4) + 16 * ks);
      ptx::wgmma_m64k8_tf32<BN>(acc, base, da, db);
    }
    ptx::wgmma_commit();
    ptx::wgmma_wait<1>();  // this warpgroup's group of tile kt - 1 has completed
  }
  ptx::wgmma_wait<0>();
#pragma unroll
  for (int j = 0; j < BN / 2; ++j) ptx::reg_fence(acc[j]);
  ptx::cp_async_wait<0>();
  __syncthreads();  // the pipeline's memory is free for the epilogue
}

// acc (zeroed here) = the tile (m0, n0) of sum over k in [kBegin, kEnd) of A(m, k) B(k, n); tile row r of the
// accumulators is m0 + perm(r), column c is n0 + perm(c) (store() maps them back). round: the kernel's tf32Round (a
// compile-time choice inside: with a runtime select in the transposition the loop grew by 13-14 SASS instructions).
template <class C, class OpA, class OpB>
__device__ __forceinline__ void mainloop(const OpA& opA, const OpB& opB, typename C::Smem& sm, int M, int N,
                                         long long kBegin, long long kEnd, int m0, int n0, float (&acc)[C::BN / 2],
                                         bool round) {
  if (round) kloop<C, true>(opA, opB, sm, M, N, kBegin, kEnd, m0, n0, acc);
  else kloop<C, false>(opA, opB, sm, M, N, kBegin, kEnd, m0, n0, acc);
}

// out[n * ld + m] = the tile's sums for m < M, n < N (the transposed output: dw [N = K or OUT][M = R*S*C or IN], or a
// split's partials of it), staged through shared memory so that each warp stores whole 512-byte rows.
template <class C>
__device__ __forceinline__ void store(typename C::Smem& sm, float* __restrict__ out, long long ld, int M, int N, int m0,
                                      int n0, const float (&acc)[C::BN / 2]) {
  constexpr int BN = C::BN, LDT = C::LDT;
#pragma unroll
  for (int j = 0; j < BN / 2; ++j) sm.c[perm(wg::acc_col(j)) * LDT + perm(wg::acc_row(j))] = acc[j];
  __syncthreads();
  constexpr int PER_ROW = BM / 4;  // 16-byte chunks per output row
  for (int i = (int)threadIdx.x; i < BN * PER_ROW; i += THREADS) {
    const int n = i / PER_ROW, m = 4 * (i % PER_ROW);
    if (n0 + n < N && m0 + m < M) {
      *reinterpret_cast<float4*>(out + (long long)(n0 + n) * ld + m0 + m) = *reinterpret_cast<const float4*>(&sm.c[n * LDT + m]);
    }
  }
}

template <class C>
__device__ __forceinline__ void tile_of(int M, int N, int& m0, int& n0, int& split) {
  grid_tile<BM, C::BN>(M, N, m0, n0, split);
}

}  // namespace wgmn
}  // namespace vant

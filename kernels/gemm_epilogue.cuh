// kernels/gemm_epilogue.cuh — the noise epilogue of the GEMM forwards (conv and matmul, FP32 and TF32),
// staged per Philox group (DESIGN.md §2).
//
// After the mainloop the block's output tile of pre-noise values v = acc (+ bias[n]) sits in shared memory:
// sC[r * ldc + c] for output (m0 + r, n0 + c), r < rows = min(TM, M - m0), c < W = min(TN, N - n0). The output
// y [M, N] is row-major; its flat index e = m * N + n is the element index of the noise contract: the Gaussian
// of element e is lane e & 3 of Philox group g = e >> 2. Each thread takes whole groups: ONE Philox call (two
// for COMBINED, whose second stream has its own groups) gives the noise of four consecutive elements, and a
// group that lies wholly in the tile is written with one 16-byte store (dY + 4g is 16-byte aligned when dY is).
//
// The tile as flat ranges ("segments"): when the tile spans whole rows (n0 == 0, W == N, i.e. N <= TN) its
// elements are the single range [m0 N, (m0 + rows) N), and groups that straddle two rows (N % 4 != 0) are
// still whole groups of the tile. Otherwise each row r is its own range [(m0 + r) N + n0, ... + W): a group
// cut by the range's ends (N % 4 != 0, or the tile's edge) stores only its elements in the range, one by one;
// the neighbouring range (next row, or the block next door) computes the same group's Philox again for its
// own elements. Every element is written exactly once, and its noise is the contract's, bit for bit the same
// as noise_apply() of noise_epilogue.cuh computes for it alone (same noise_group, same noise_formula).
#pragma once
#include <type_traits>
#include "noise_epilogue.cuh"

namespace vant {

// Whether store_noisy_tile takes store_noisy_rows (below) for an output of N columns.
__device__ __forceinline__ bool rows_path(int N, const NoiseArgs& a) {
  return (N & 3) == 0 && (!a.dSigma || (a.perSample & 3) == 0);
}

// The items of store_noisy_rows: item i of a tile with `rows` rows of W = 4 gpr columns is row i / gpr, group i % gpr of it,
// i.e. elements e0 .. e0 + 3 of y with e0 = (m0 + row) N + n0 + 4 (i % gpr), at offset off of the staged tile sC.
template <int TN>
struct RowsTile {
  int N, m0, n0, ldc, gpr, items;
  bool full;  // W == TN: the split of i is a shift
  FastDiv fr;
  // W < 4 (an output narrower than 4 columns, off this path: EarlyNoise builds a tile before asking rows_path) has no
  // items; its divisor is then 1, not 0.
  __device__ __forceinline__ RowsTile(int N_, int m0_, int n0_, int rows, int W, int ldc_)
      : N(N_), m0(m0_), n0(n0_), ldc(ldc_), gpr(W >> 2), items(rows * (W >> 2)), full(W == TN),
        fr(FastDiv::of(W == TN || W < 4 ? 1u : (uint32_t)(W >> 2))) {}
  __device__ __forceinline__ void place(int i, long long& e0, int& off) const {
    int r, c4;
    if (full) { r = i / (TN / 4); c4 = i % (TN / 4); } else { fr.divmod(i, r, c4); }
    e0 = (long long)(m0 + r) * N + n0 + 4 * c4;
    off = r * ldc + 4 * c4;
  }
};

// The first-stream Gaussians of this thread's items tid + v * blockDim.x, v in [vBegin, vEnd), into zs[item]: drawn
// early, e.g. while a wgmma k loop's tensor cores run (gemm_wgmma.cuh EarlyNoise), for store_noisy_rows(zPre = zs).
// Four groups at a time where the range allows (independent Philox and Box-Muller chains the scheduler interleaves,
// as the epilogue's U; CHAINS of them where registers are scarcer), then one by one.
template <int TN, int CHAINS = 4>
__device__ __forceinline__ void draw_rows_noise(float4* zs, const RowsTile<TN>& t, const NoiseArgs& a, int vBegin, int vEnd) {
  const int stride = (int)blockDim.x;
  auto draw = [&](auto u_count, int v) {
    constexpr int U = decltype(u_count)::value;
    Gauss4 z[U];
#pragma unroll
    for (int u = 0; u < U; ++u) {
      long long e0;
      int off;
      t.place(min((int)threadIdx.x + (v + u) * stride, t.items - 1), e0, off);  // past the end: computed, not stored
      z[u] = noise_group(a.seed, a.site, a.step, (uint64_t)(e0 >> 2));
    }
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int i = (int)threadIdx.x + (v + u) * stride;
      if (i < t.items) zs[i] = make_float4(z[u].z0, z[u].z1, z[u].z2, z[u].z3);
    }
  };
  int v = vBegin;
  for (; v + CHAINS <= vEnd; v += CHAINS) draw(std::integral_constant<int, CHAINS>{}, v);
  for (; v < vEnd; ++v) draw(std::integral_constant<int, 1>{}, v);
}

// The common case of store_noisy_tile: N % 4 == 0 (then n0 and W are multiples of 4 too) and, with per-sample
// levels, perSample % 4 == 0: every group is 4 aligned columns of one tile row and of one sample — no group is cut,
// none straddles rows or samples, so there are no per-lane guards, one level per group, one 16-byte read of sC
// and (dY aligned) one 16-byte store. Item i of the tile is row i / (W / 4), group i % (W / 4) of that row. Per
// group the general loop below adds to the ~200 SASS instructions of Philox and Box-Muller (sm_90) per-lane guards
// and levels, two run-time divisions and, with per-sample levels, a call to an 89-instruction 64-bit division
// (bench/results/2026-12-05-sass-mainloop.md); this path has none of them.
// zPre (optional): every item's first-stream Gaussians already drawn by draw_rows_noise (this thread's own items:
// no barrier needed); the second stream of COMBINED is still drawn here.
// keep: also write the final (noisy) values back into sC, each thread its own items, for a pass over the tile after
// a barrier (the BatchNorm statistics of a conv's output, batchnorm.cuh tile_stats).
template <int TM, int TN>
__device__ __forceinline__ void store_noisy_rows(float* sC, int ldc, float* __restrict__ dY, int N, int m0, int n0,
                                                 int rows, int W, const NoiseArgs& a, const float4* zPre = nullptr,
                                                 bool keep = false) {
  const RowsTile<TN> t(N, m0, n0, rows, W, ldc);
  const int items = t.items;
  const bool vec = ((uintptr_t)dY & 15) == 0;
  constexpr int U = 4;  // groups in flight per thread, as below
  const int stride = (int)blockDim.x;
  // Item i -> its first element e0 and its offset in sC (recomputed in the second phase rather than held: holding
  // them spilled registers in the K32 forward).
  auto place = [&](int i, long long& e0, int& off) { t.place(i, e0, off); };
  for (int base = threadIdx.x; base < items; base += U * stride) {
    Gauss4 z[U], z2[U];
#pragma unroll
    for (int u = 0; u < U; ++u) { z[u] = Gauss4{0.0f, 0.0f, 0.0f, 0.0f}; z2[u] = z[u]; }
    if (a.type != NOISE_NONE) {
#pragma unroll
      for (int u = 0; u < U; ++u) {
        long long e0;
        int off;
        const int i = min(base + u * stride, items - 1);  // past the end: a valid group, computed, never stored
        place(i, e0, off);
        if (zPre) {  // this thread's items only (another thread's past the end may not be drawn yet)
          if (base + u * stride < items) { const float4 q = zPre[i]; z[u] = Gauss4{q.x, q.y, q.z, q.w}; }
        } else {
          z[u] = noise_group(a.seed, a.site, a.step, (uint64_t)(e0 >> 2));
        }
        if (a.type == NOISE_COMBINED) z2[u] = noise_group(a.seed, a.site | SECOND_STREAM, a.step, (uint64_t)(e0 >> 2));
      }
    }
#pragma unroll
    for (int u = 0; u < U; ++u) {
      if (base + u * stride >= items) break;
      long long e0;
      int off;
      place(base + u * stride, e0, off);
      const float4 q = *reinterpret_cast<const float4*>(&sC[off]);
      float v[4] = {q.x, q.y, q.z, q.w};
      if (a.type != NOISE_NONE) {
        const float sg = a.dSigma ? a.dSigma[noise_sample(a, e0)] : a.sigmaScalar;
        v[0] = noise_formula(a.type, sg, v[0], z[u].z0, z2[u].z0);
        v[1] = noise_formula(a.type, sg, v[1], z[u].z1, z2[u].z1);
        v[2] = noise_formula(a.type, sg, v[2], z[u].z2, z2[u].z2);
        v[3] = noise_formula(a.type, sg, v[3], z[u].z3, z2[u].z3);
        if (keep) *reinterpret_cast<float4*>(&sC[off]) = make_float4(v[0], v[1], v[2], v[3]);
      }
      if (vec) {
        *reinterpret_cast<float4*>(dY + e0) = make_float4(v[0], v[1], v[2], v[3]);
      } else {
#pragma unroll
        for (int l = 0; l < 4; ++l) dY[e0 + l] = v[l];
      }
    }
  }
}

// Device only (threadIdx). sC 16-byte aligned, ldc (its row stride in floats) a multiple of 4. Ends without a
// barrier: the caller may not reuse sC before another __syncthreads().
// zPre: as store_noisy_rows's; only where rows_path(N, a) (the caller drew them for that path's items).
// keep: as store_noisy_rows's: afterwards (and a barrier) sC holds the tile of y as stored. Every element belongs to
// exactly one item, which reads it from sC and writes it back: no thread touches another's elements.
template <int TM, int TN>
__device__ __forceinline__ void store_noisy_tile(float* sC, int ldc, float* __restrict__ dY, int M, int N, int m0,
                                                 int n0, const NoiseArgs& a, const float4* zPre = nullptr,
                                                 bool keep = false) {
  const int rows = M - m0 < TM ? M - m0 : TM;
  const int W = N - n0 < TN ? N - n0 : TN;
  if (rows_path(N, a)) {
    store_noisy_rows<TM, TN>(sC, ldc, dY, N, m0, n0, rows, W, a, zPre, keep);
    return;
  }
  const bool whole = n0 == 0 && W == N;
  const int segs = whole ? 1 : rows;
  const long long len = whole ? (long long)rows * N : W;
  // Groups that meet a range of `len` elements: all of them when the tile is whole (one range), else at most
  // ceil(W / 4) for ranges starting at a multiple of 4 (always, when N % 4 == 0) and (W + 2) / 4 + 1 otherwise.
  const long long wholeFirst = ((long long)m0 * N) >> 2;
  const int slots = whole ? (int)(((((long long)m0 * N + len - 1) >> 2) - wholeFirst) + 1)
                          : ((N & 3) ? ((W + 2) >> 2) + 1 : (W + 3) >> 2);
  const bool vec = ((uintptr_t)dY & 15) == 0;
  const int items = segs * slots;
  // U groups per thread in flight: their Philox and Box-Muller chains are independent, so the scheduler can
  // interleave them. One group at a time left this epilogue latency-bound at the GEMMs' 16 warps per SM (the
  // first H200 run: the stem conv, whose mainloop is 2 k-tiles, took 2.4x as long with noise as without, while
  // the standalone noise kernel, at 4x the warps per SM, did the same work in a third of that extra time).
  constexpr int U = 4;
  const int stride = (int)blockDim.x;
  for (int base = threadIdx.x; base < items; base += U * stride) {
    long long gs[U];
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int i = base + u * stride;  // may be >= items on the last pass: its group is computed, never stored
      const int seg = i / slots, slot = i - seg * slots;
      const long long s0 = whole ? (long long)m0 * N : (long long)(m0 + seg) * N + n0;
      gs[u] = (s0 >> 2) + slot;
    }
    Gauss4 z[U], z2[U];
#pragma unroll
    for (int u = 0; u < U; ++u) { z[u] = Gauss4{0.0f, 0.0f, 0.0f, 0.0f}; z2[u] = z[u]; }
    if (a.type != NOISE_NONE) {  // uniform: straight-line chains below
#pragma unroll
      for (int u = 0; u < U; ++u) z[u] = noise_group(a.seed, a.site, a.step, (uint64_t)gs[u]);
      if (a.type == NOISE_COMBINED) {
#pragma unroll
        for (int u = 0; u < U; ++u) z2[u] = noise_group(a.seed, a.site | SECOND_STREAM, a.step, (uint64_t)gs[u]);
      }
    }
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int i = base + u * stride;
      if (i >= items) break;
      const int seg = i / slots;
      const long long s0 = whole ? (long long)m0 * N : (long long)(m0 + seg) * N + n0;  // first element of the range
      const long long g = gs[u];
      const long long e0 = g << 2;
      const long long s1 = s0 + len;
      if (e0 >= s1) continue;
      const int lo = e0 >= s0 ? 0 : (int)(s0 - e0);  // lanes [lo, hi) of the group lie in this range
      const int hi = s1 - e0 >= 4 ? 4 : (int)(s1 - e0);
      float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      const int o0 = (int)(e0 - s0);  // offset of lane 0 in the range (negative when the group starts before it)
      const int r0 = whole ? o0 / W : seg, c0 = whole ? o0 - r0 * W : o0;
      if (lo == 0 && hi == 4 && (c0 & 3) == 0 && c0 + 4 <= W) {
        // The group is 4 aligned columns of one tile row (always so when N % 4 == 0): one 16-byte read; the 8
        // lanes of a quarter-warp read 128 consecutive bytes, no bank conflict (scalar reads would be 4-way).
        const float4 q = *reinterpret_cast<const float4*>(&sC[r0 * ldc + c0]);
        v[0] = q.x; v[1] = q.y; v[2] = q.z; v[3] = q.w;
      } else {
#pragma unroll
        for (int l = 0; l < 4; ++l) {
          if (l >= lo && l < hi) {
            const int o = o0 + l;
            const int r = whole ? o / W : seg, c = whole ? o - (o / W) * W : o;
            v[l] = sC[r * ldc + c];
          }
        }
      }
      if (a.type != NOISE_NONE) {
        const float zl[4] = {z[u].z0, z[u].z1, z[u].z2, z[u].z3}, z2l[4] = {z2[u].z0, z2[u].z1, z2[u].z2, z2[u].z3};
        // The level of each lane: sample = e / perSample, one division per group.
        long long q = 0, rem = 0;
        if (a.dSigma) { q = noise_sample(a, e0 + lo); rem = (e0 + lo) - q * a.perSample; }
#pragma unroll
        for (int l = 0; l < 4; ++l) {
          if (l >= lo && l < hi) {
            const float sg = a.dSigma ? a.dSigma[q] : a.sigmaScalar;
            v[l] = noise_formula(a.type, sg, v[l], zl[l], z2l[l]);
            if (++rem == a.perSample) { rem = 0; ++q; }
          }
        }
        if (keep) {
#pragma unroll
          for (int l = 0; l < 4; ++l) {
            if (l >= lo && l < hi) {
              const int o = o0 + l;
              const int r = whole ? o / W : seg, c = whole ? o - (o / W) * W : o;
              sC[r * ldc + c] = v[l];
            }
          }
        }
      }
      if (lo == 0 && hi == 4 && vec) {
        *reinterpret_cast<float4*>(dY + e0) = make_float4(v[0], v[1], v[2], v[3]);
      } else {
#pragma unroll
        for (int l = 0; l < 4; ++l)
          if (l >= lo && l < hi) dY[e0 + l] = v[l];
      }
    }
  }
}

}  // namespace vant

// kernels/noisy_conv2d.cu — 2-D convolution as implicit GEMM: noisy forward with the shared epilogue (one
// write of y), backward data, backward weight (split-K, reduced in fixed order by matmul_splitk_reduce; the
// bias gradient is bias_grad.cu's column sum of dy), each in two math modes: exact FP32 on the FFMA mainloop
// (gemm_fp32.cuh; the plain names) and TF32 tensor cores (gemm_tf32.cuh; the *_tf32 names).
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90a + compute_90 PTX).
// Versions tried: FP32 v1 64x64x16 tiles, 256 threads, 4x4 FFMA per thread, gathers with guards (this one);
//   TF32 v1 128x64x16 tiles, 8 warps of mma.m16n8k8, 3-stage cp.async pipeline: 16-byte copies of 4 channels
//   when C (resp. K) % 4 == 0, else 4-byte gathers (this one; see gemm_tf32.cuh); index splits by FastDiv and
//   split-K in forward and backward data since the first H200 run (layer4 forward 500 -> 63 µs).
//   Noise epilogue v1 per element from registers; v2 (this one) staged through shared memory, one Philox
//   call per group of 4 outputs and 16-byte stores (gemm_epilogue.cuh); v3 (this one) 4 groups in flight per
//   thread (2.42x -> 1.80x noise cost at the stem on an H200). Measured: bench/results/2026-11-28-gpu-speed.md.
// Binding: dev.vant.backend.cuda.NoisyConv2d. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes: x [N, H, W, C] (NHWC), w [K, R, S, C] (KRSC), bias [K], y / dy [N, P, Q, K],
//         P = (H + 2 pad - R) / stride + 1, Q = (W + 2 pad - S) / stride + 1, zero padding.
//   forward      y[(n,p,q), k] = sum_{(r,s,c)} x[n, p*st-pad+r, q*st-pad+s, c] w[k, r, s, c]
//                GEMM M = N*P*Q, N = K, K = R*S*C; A gathers x (0 outside the image), B = w rows.
//   back. data   dx[(n,h,w), c] = sum_{(r,s,k)} dy[n, p, q, k] w[k, r, s, c] where h = p*st - pad + r,
//                w = q*st - pad + s: GEMM M = N*H*W, N = C, K = R*S*K; A gathers dy (0 where (h+pad-r)
//                is not a multiple of the stride or p, q fall outside the output), B(k', c) = w[k, r, s, c].
//   back. weight dw[k, (r,s,c)] = sum_{(n,p,q)} dy[(n,p,q), k] x[n, p*st-pad+r, q*st-pad+s, c]
//                GEMM M = K, N = R*S*C, K = N*P*Q (split-K over the batch-spatial axis).
// Grid: 1-D, tilesM * tilesN (* splits) blocks (64 x 64 tiles for FP32, 128 x 64 for TF32).
// __launch_bounds__(256, 2): without the 2, ptxas capped the GEMM kernels at 64 registers on sm_86/89/90 and
// spilled; 2 blocks per SM allow 128.
#include "batchnorm.cuh"
#include "fastdiv.cuh"
#include "gemm_fp32.cuh"
#include "gemm_tf32.cuh"
#include "gemm_wgmma.cuh"
#include "gemm_wgmma_mn.cuh"
#include "gemm_epilogue.cuh"

namespace vant {
namespace conv {

// After store_noisy_tile(..., keep = dStats != null): the BatchNorm statistics' partials of the output tile (its
// TM = 64 or 128 rows start at a multiple of 64: whole chunks of batchnorm.cuh). A no-op without dStats (uniform).
template <int TM, int TN>
__device__ __forceinline__ void epilogue_stats(const float* sC, int ldc, int M, int N, int m0, int n0,
                                               double* __restrict__ dStats) {
  static_assert(TM % bn::STAT_ROWS == 0, "a tile must be whole statistics chunks");
  if (!dStats) return;
  __syncthreads();  // sC holds every element as stored
  bn::tile_stats(sC, ldc, M - m0 < TM ? M - m0 : TM, N - n0 < TN ? N - n0 : TN, M, N, m0, n0, dStats);
}

// The convolution's sizes plus a FastDiv (fastdiv.cuh) for each one the gathers divide by: the index splits
// below run at every k-tile of every copy, where a hardware-free division costs ~20 instructions. Every index
// divided is < 2^31 (M, K of the GEMMs are int). Built once per thread at kernel start.
struct Geometry {
  int n, h, w, c, k, r, s, stride, pad, p, q;
  FastDiv dc, dk, ds, dp, dq, dh, dw, dstride;

  __device__ __forceinline__ static Geometry of(int n, int h, int w, int c, int k, int r, int s, int stride, int pad,
                                                int p, int q) {
    return Geometry{n, h, w, c, k, r, s, stride, pad, p, q,
                    FastDiv::of(c), FastDiv::of(k), FastDiv::of(s), FastDiv::of(p > 0 ? p : 1),
                    FastDiv::of(q > 0 ? q : 1), FastDiv::of(h), FastDiv::of(w), FastDiv::of(stride)};
  }
};

// Problems: a_ptr / b_ptr give the address of A(m, k) / B(k, n), or nullptr where the implicit GEMM has a
// zero (padding, stride holes); a / b the value. A_K / B_K: contiguous in k. a_vec / b_vec: 4 consecutive
// elements along the contiguous axis starting at a multiple of 4 are 16 contiguous, 16-byte aligned bytes
// with one validity (they are 4 channels of one pixel and tap: needs that channel count % 4 == 0).
struct Forward {  // A(m = (n,p,q), j = (r,s,c)) = x[...], B(j, k) = w[k][j]
  const float* x; const float* wt; Geometry g;
  static constexpr bool A_K = true, B_K = true;
  static constexpr bool B_DENSE = true;  // b_at never returns nullptr; a_at does (padding taps) (gemm_wgmma.cuh)
  // Row hoisting (gemm_tf32.cuh): output pixel m's image and the top-left corner of its window.
  // off: the element offset of the corner within the image (negative where the window starts in the padding).
  struct Pixel { const float* img; int ih0, iw0, off; };
  __device__ __forceinline__ Pixel a_row(int m) const {
    int t, q, n, p;
    g.dq.divmod(m, t, q); g.dp.divmod(t, n, p);
    const int ih0 = p * g.stride - g.pad, iw0 = q * g.stride - g.pad;
    return Pixel{x + (long long)n * g.h * g.w * g.c, ih0, iw0, (ih0 * g.w + iw0) * g.c};
  }
  // a_at split in two (gemm_wgmma.cuh computes the tap once per k-tile): tap j = (r, s, c), then the pixel's part.
  // Offsets are int: a padded image has < 2^31 elements (NoisyConv2d.checkIndexRange).
  struct Tap { int r, s, off; };
  __device__ __forceinline__ Tap a_tap(long long j) const {
    int rs, c, r, s;
    g.dc.divmod((int)j, rs, c); g.ds.divmod(rs, r, s);
    return Tap{r, s, (r * g.w + s) * g.c + c};
  }
  __device__ __forceinline__ const float* a_at_tap(const Pixel& px, const Tap& t) const {
    const int ih = px.ih0 + t.r, iw = px.iw0 + t.s;
    if ((unsigned)ih >= (unsigned)g.h || (unsigned)iw >= (unsigned)g.w) return nullptr;
    return px.img + (px.off + t.off);
  }
  __device__ __forceinline__ const float* a_at(const Pixel& px, long long j) const { return a_at_tap(px, a_tap(j)); }
  __device__ __forceinline__ const float* a_ptr(int m, long long j) const { return a_at(a_row(m), j); }
  __device__ __forceinline__ const float* b_row(int k) const { return wt + (long long)k * g.r * g.s * g.c; }
  __device__ __forceinline__ const float* b_at(const float* row, long long j) const { return row + j; }
  __device__ __forceinline__ const float* b_ptr(long long j, int k) const { return b_at(b_row(k), j); }
  __device__ __forceinline__ float a(int m, long long j) const { const float* v = a_ptr(m, j); return v ? *v : 0.0f; }
  __device__ __forceinline__ float b(long long j, int k) const { return *b_ptr(j, k); }
  __device__ __forceinline__ bool a_vec() const { return g.c % 4 == 0 && tf32::aligned16(x); }
  __device__ __forceinline__ bool b_vec() const { return (g.r * g.s * g.c) % 4 == 0 && tf32::aligned16(wt); }
  __device__ __forceinline__ const float* a_any() const { return x; }
  __device__ __forceinline__ const float* b_any() const { return wt; }
};

// UNIT: stride 1 (every 3x3 convolution of a ResNet outside its downsampling), where p = h + pad - r needs no
// division by the stride and has no holes: sm_90 SASS of the TF32 k loop 272 -> 241 instructions per 16 HMMA
// (bench/results/2026-12-05-sass-mainloop.md). The *_s1 kernels instantiate it; the host picks them for stride 1.
template <bool UNIT>
struct BackDataT {  // A(m = (n,h,w), j = (r,s,k)) = dy[n,p,q,k] or 0, B(j, c) = w[k, r, s, c]
  const float* dy; const float* wt; Geometry g;
  static constexpr bool A_K = true, B_K = false;
  // Row hoisting (gemm_tf32.cuh): input pixel m's image of dy and its padded position.
  // off (stride 1 only): the element offset in dy's image of output pixel (hp, wp), were it inside.
  struct Pixel { const float* img; int hp, wp, off; };
  __device__ __forceinline__ Pixel a_row(int m) const {
    int t, iw, n, ih;
    g.dw.divmod(m, t, iw); g.dh.divmod(t, n, ih);
    const int hp = ih + g.pad, wp = iw + g.pad;
    return Pixel{dy + (long long)n * g.p * g.q * g.k, hp, wp, UNIT ? (hp * g.q + wp) * g.k : 0};
  }
  // a_at split in two (gemm_wgmma.cuh computes the tap once per k-tile): tap j = (r, s, k), then the pixel's part.
  // Stride 1: dy[p = hp - r, q = wp - s, k] is at px.off - t.off (32-bit offsets within one image: a padded image
  // has < 2^31 elements, NoisyConv2d.checkIndexRange).
  struct Tap { int r, s, k, off; };
  __device__ __forceinline__ Tap a_tap(long long j) const {
    int rs, k, r, s;
    g.dk.divmod((int)j, rs, k); g.ds.divmod(rs, r, s);
    return Tap{r, s, k, UNIT ? (r * g.q + s) * g.k - k : 0};
  }
  __device__ __forceinline__ const float* a_at_tap(const Pixel& px, const Tap& t) const {
    const int ph = px.hp - t.r, qw = px.wp - t.s;
    if constexpr (UNIT) {
      if ((unsigned)ph >= (unsigned)g.p || (unsigned)qw >= (unsigned)g.q) return nullptr;
      return px.img + (px.off - t.off);
    }
    if (ph < 0 || qw < 0) return nullptr;
    int p = ph, q = qw;
    if constexpr (!UNIT) {
      int ph_rem, qw_rem;
      g.dstride.divmod(ph, p, ph_rem); g.dstride.divmod(qw, q, qw_rem);
      if (ph_rem != 0 || qw_rem != 0) return nullptr;
    }
    if (p >= g.p || q >= g.q) return nullptr;
    return px.img + ((long long)p * g.q + q) * g.k + t.k;
  }
  __device__ __forceinline__ const float* a_at(const Pixel& px, long long j) const { return a_at_tap(px, a_tap(j)); }
  __device__ __forceinline__ const float* a_ptr(int m, long long j) const { return a_at(a_row(m), j); }
  __device__ __forceinline__ const float* b_row(int c) const { return wt + c; }
  __device__ __forceinline__ const float* b_at(const float* row, long long j) const {
    int rs, k;
    g.dk.divmod((int)j, rs, k);
    return row + ((long long)k * g.r * g.s + rs) * g.c;
  }
  __device__ __forceinline__ const float* b_ptr(long long j, int c) const { return b_at(b_row(c), j); }
  __device__ __forceinline__ float a(int m, long long j) const { const float* v = a_ptr(m, j); return v ? *v : 0.0f; }
  __device__ __forceinline__ float b(long long j, int c) const { return *b_ptr(j, c); }
  __device__ __forceinline__ bool a_vec() const { return g.k % 4 == 0 && tf32::aligned16(dy); }
  __device__ __forceinline__ bool b_vec() const { return g.c % 4 == 0 && tf32::aligned16(wt); }
  __device__ __forceinline__ const float* a_any() const { return dy; }
  __device__ __forceinline__ const float* b_any() const { return wt; }
};

// The data gradient of the wgmma kernels (gemm_wgmma.cuh), whose tf32 operands must both be contiguous in k: B from
// the transposed weights wT [C][R][S][K] (matmul_transpose_tf32), B(j, c) = wT[c][j] with j = (r, s, k) — a
// K-major, dense operand like a linear layer's weights; A is BackDataT's gather of dy. `wt` points to wT here.
template <bool UNIT>
struct BackDataW : BackDataT<UNIT> {
  static constexpr bool B_K = true, B_DENSE = true;
  static constexpr bool B_TF32 = true;  // matmul_transpose_tf32 stores wT rounded to TF32 (as it is under tf32rz): no pass
  __device__ __forceinline__ const float* b_row(int c) const {
    return this->wt + (long long)c * this->g.r * this->g.s * this->g.k;
  }
  __device__ __forceinline__ const float* b_at(const float* row, long long j) const { return row + j; }
  __device__ __forceinline__ const float* b_ptr(long long j, int c) const { return b_at(b_row(c), j); }
  __device__ __forceinline__ float b(long long j, int c) const { return *b_ptr(j, c); }
  __device__ __forceinline__ bool b_vec() const {
    return (this->g.r * this->g.s * this->g.k) % 4 == 0 && tf32::aligned16(this->wt);
  }
};

struct BackWeight {  // A(k, j = (n,p,q)) = dy[j][k], B(j, (r,s,c)) = x[n, p*st-pad+r, q*st-pad+s, c] or 0
  const float* dy; const float* x; Geometry g;
  static constexpr bool A_K = false, B_K = false;
  __device__ __forceinline__ const float* a_row(int k) const { return dy + k; }  // row hoisting (gemm_tf32.cuh)
  __device__ __forceinline__ const float* a_at(const float* row, long long j) const { return row + j * g.k; }
  __device__ __forceinline__ const float* a_ptr(int k, long long j) const { return a_at(a_row(k), j); }
  // Row hoisting: tap (r, s, c) of the weight column, as offsets from an output pixel's window corner.
  struct Tap { int dh, dw, c; };
  __device__ __forceinline__ Tap b_row(int rsc) const {
    int rs, c, r, s;
    g.dc.divmod(rsc, rs, c); g.ds.divmod(rs, r, s);
    return Tap{r - g.pad, s - g.pad, c};
  }
  __device__ __forceinline__ const float* b_at(const Tap& tap, long long j) const {
    int t, q, n, p;
    g.dq.divmod((int)j, t, q); g.dp.divmod(t, n, p);
    const int ih = p * g.stride + tap.dh, iw = q * g.stride + tap.dw;
    if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return nullptr;
    return x + (((long long)n * g.h + ih) * g.w + iw) * g.c + tap.c;
  }
  __device__ __forceinline__ const float* b_ptr(long long j, int rsc) const { return b_at(b_row(rsc), j); }
  __device__ __forceinline__ float a(int k, long long j) const { return *a_ptr(k, j); }
  __device__ __forceinline__ float b(long long j, int rsc) const { const float* v = b_ptr(j, rsc); return v ? *v : 0.0f; }
  __device__ __forceinline__ bool a_vec() const { return g.k % 4 == 0 && tf32::aligned16(dy); }
  __device__ __forceinline__ bool b_vec() const { return g.c % 4 == 0 && tf32::aligned16(x); }
  __device__ __forceinline__ const float* a_any() const { return dy; }
  __device__ __forceinline__ const float* b_any() const { return x; }
};

}  // namespace conv
}  // namespace vant

// The geometry from a kernel's parameters (every conv entry point has the same ones). tf32Round, the last parameter of
// every GEMM entry point: 1 = the TF32 kernels round each operand to TF32 (cvt.rna; --math tf32), 0 = they hand the
// FP32 bits to the tensor cores, which truncate them (--math tf32rz); the FP32 kernels ignore it.
#define VANT_CONV_GEOMETRY vant::conv::Geometry::of(n, h, w, c, k, r, s, stride, pad, p, q)
// The parameter list of every conv forward entry point (the host passes the same arguments to each). dStats: null, or
// the BatchNorm statistics' partials of y [2][ceil(M / 64)][K] (batchnorm.cuh tile_stats; only when splits == 1): the
// epilogue makes them from the tile it holds, so the BatchNorm after the conv does not read y for them.
#define VANT_CONV_FORWARD_PARAMS                                                                                   \
  const float* __restrict__ dX, const float* __restrict__ dW, const float* __restrict__ dBias, float* __restrict__ dY, \
      int n, int h, int w, int c, int k, int r, int s, int stride, int pad, int p, int q, int splits, long long kChunk,  \
      int noiseType, float sigmaScalar, const float* __restrict__ dSigma, long long perSample, unsigned long long seed, \
      unsigned int site, unsigned int step, const vant::StepState* dState, int tf32Round, double* __restrict__ dStats

// The parameters of every data-gradient entry point (FP32 / TF32 / wgmma, any stride / stride 1). dAdd: null, or a
// tensor shaped like dx added to it in the epilogue (a residual block's other input gradient; never dDx, the host
// refuses that); the host passes it only when splits == 1 (matmul_splitk_reduce adds it after a split).
#define VANT_CONV_BACKWARD_DATA_PARAMS                                                                  \
  const float* __restrict__ dDy, const float* __restrict__ dW, float* dDx, const float* dAdd, int n, int h, int w,  \
      int c, int k, int r, int s, int stride, int pad, int p, int q, int splits, long long kChunk, int tf32Round

// The parameters of every weight-gradient entry point (FP32 / TF32 / wgmma). dOut: dw [K, R, S, C] when splits == 1,
// else the partials [splits][K][R*S*C] (reduced by matmul_splitk_reduce).
#define VANT_CONV_BACKWARD_WEIGHT_PARAMS                                                                            \
  const float* __restrict__ dX, const float* __restrict__ dDy, float* __restrict__ dOut, int n, int h, int w, int c, \
      int k, int r, int s, int stride, int pad, int p, int q, int splits, long long kChunk, int tf32Round

extern "C" __global__ void __launch_bounds__(256, 2)
noisy_conv2d_forward(VANT_CONV_FORWARD_PARAMS) {
  using namespace vant::gemm;
  (void)tf32Round;  // exact FP32: no TF32 operands
  __shared__ EpiSmem sm;
  const vant::conv::Geometry g = vant::conv::Geometry::of(n, h, w, c, k, r, s, stride, pad, p, q);
  const int M = n * p * q;
  const long long RSC = (long long)r * s * c;
  int m0, n0, split;
  vant::gemm::tile_of(M, k, m0, n0, split);
  const long long k0 = split * kChunk, k1 = k0 + kChunk < RSC ? k0 + kChunk : RSC;
  float acc[TM][TN];
  mainloop<true, true>(vant::conv::Forward{dX, dW, g}, sm.pipe, M, k, k0, k1, m0, n0, acc);
  if (splits > 1) {  // dY is the partials [splits][M][K]; matmul_splitk_reduce_noisy finishes
    float* dst = dY + (long long)split * M * k;
#pragma unroll
    for (int i = 0; i < TM; ++i)
#pragma unroll
      for (int j = 0; j < TN; ++j) {
        const int m = row_of(m0, i), kk = col_of(n0, j);
        if (m < M && kk < k) dst[(long long)m * k + kk] = acc[i][j];
      }
    return;
  }
  stage(sm.c, k, n0, dBias, acc);
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  vant::store_noisy_tile<BM, BN>(sm.c, LDC, dY, M, k, m0, n0, na, nullptr, dStats != nullptr);
  vant::conv::epilogue_stats<BM, BN>(sm.c, LDC, M, k, m0, n0, dStats);
}

// dDx: dx [N, H, W, C] when splits == 1, else the partials [splits][N*H*W][C] (reduced by matmul_splitk_reduce).
namespace vant {
namespace conv {
template <bool UNIT>
__device__ __forceinline__ void backward_data_fp32(gemm::Smem& sm, const float* __restrict__ dDy, const float* __restrict__ dW,
                                                   float* dDx, const float* dAdd, const Geometry& g, int splits,
                                                   long long kChunk) {
  using namespace vant::gemm;
  const int M = g.n * g.h * g.w;
  const long long RSK = (long long)g.r * g.s * g.k;
  int m0, n0, split;
  vant::gemm::tile_of(M, g.c, m0, n0, split);
  const long long k0 = split * kChunk, k1 = k0 + kChunk < RSK ? k0 + kChunk : RSK;
  float acc[TM][TN];
  mainloop<true, false>(BackDataT<UNIT>{dDy, dW, g}, sm, M, g.c, k0, k1, m0, n0, acc);
  float* dst = dDx + (long long)split * M * g.c;
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) {
      const int m = row_of(m0, i), cc = col_of(n0, j);
      if (m < M && cc < g.c) {
        const long long e = (long long)m * g.c + cc;
        dst[e] = dAdd ? acc[i][j] + dAdd[e] : acc[i][j];
      }
    }
}
}  // namespace conv
}  // namespace vant

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data(VANT_CONV_BACKWARD_DATA_PARAMS) {
  __shared__ vant::gemm::Smem sm;
  (void)tf32Round;
  vant::conv::backward_data_fp32<false>(sm, dDy, dW, dDx, dAdd, VANT_CONV_GEOMETRY, splits, kChunk);
}

// The same for stride 1 (the host launches it only then).
extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data_s1(VANT_CONV_BACKWARD_DATA_PARAMS) {
  __shared__ vant::gemm::Smem sm;
  (void)tf32Round;
  vant::conv::backward_data_fp32<true>(sm, dDy, dW, dDx, dAdd, VANT_CONV_GEOMETRY, splits, kChunk);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_weight(VANT_CONV_BACKWARD_WEIGHT_PARAMS) {
  using namespace vant::gemm;
  (void)tf32Round;
  __shared__ Smem sm;
  const vant::conv::Geometry g = vant::conv::Geometry::of(n, h, w, c, k, r, s, stride, pad, p, q);
  const int RSC = r * s * c;
  const long long NPQ = (long long)n * p * q;
  int m0, n0, split;
  vant::gemm::tile_of(k, RSC, m0, n0, split);
  const long long k0 = split * kChunk;
  const long long k1 = k0 + kChunk < NPQ ? k0 + kChunk : NPQ;
  float acc[TM][TN];
  mainloop<false, false>(vant::conv::BackWeight{dDy, dX, g}, sm, k, RSC, k0, k1, m0, n0, acc);
  float* dst = dOut + (long long)split * k * RSC;
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) {
      const int m = row_of(m0, i), cc = col_of(n0, j);
      if (m < k && cc < RSC) dst[(long long)m * RSC + cc] = acc[i][j];
    }
}

// ---- TF32 tensor cores (same parameters and semantics; tiles 128 x 64, so a different grid) -------------------
// Each body is a template over the pipeline configuration (gemm_tf32.cuh): *_tf32 = K16 in static shared memory,
// *_tf32k32 = K32 in dynamic shared memory (sizeof(K32::Smem) bytes at launch), for the forward only: with an
// MN-major operand (the data and weight gradients) K32's four k-steps of scalar fragment loads spilled 44-324
// bytes under the 128-register cap (ptxas, sm_90), so the backward kernels stay K16.

namespace vant {
namespace conv {

template <class C>
__device__ __forceinline__ void forward_tf32(typename C::Smem& sm, const float* __restrict__ dX, const float* __restrict__ dW,
                                             const float* __restrict__ dBias, float* __restrict__ dY, const Geometry& g,
                                             int splits, long long kChunk, const NoiseArgs& na, bool round,
                                             double* __restrict__ dStats) {
  using namespace vant::tf32;
  const int M = g.n * g.p * g.q;
  const long long RSC = (long long)g.r * g.s * g.c;
  int m0, n0, split;
  tile_of(M, g.k, m0, n0, split);
  const long long k0 = split * kChunk, k1 = k0 + kChunk < RSC ? k0 + kChunk : RSC;
  float acc[MT][NT][4];
  mainloop<C>(Forward{dX, dW, g}, sm, M, g.k, k0, k1, m0, n0, acc, round);
  if (splits > 1) {  // dY is the partials [splits][M][K]; matmul_splitk_reduce_noisy finishes
    store(dY + (long long)split * M * g.k, g.k, M, g.k, m0, n0, acc);
    return;
  }
  stage(sm, g.k, n0, dBias, acc);
  store_noisy_tile<BM, BN>(sm.c, LDC, dY, M, g.k, m0, n0, na, nullptr, dStats != nullptr);
  epilogue_stats<BM, BN>(sm.c, LDC, M, g.k, m0, n0, dStats);
}

// The forward on the wgmma mainloop (gemm_wgmma.cuh; sm_90a): tiles 128 x C::BN; split-K as forward_tf32.
template <class C>
__device__ __forceinline__ void forward_wg(typename C::Smem& sm, const float* __restrict__ dX, const float* __restrict__ dW,
                                           const float* __restrict__ dBias, float* __restrict__ dY, const Geometry& g,
                                           int splits, long long kChunk, const NoiseArgs& na, bool round,
                                           double* __restrict__ dStats) {
  const int M = g.n * g.p * g.q;
  const long long RSC = (long long)g.r * g.s * g.c;
  int m0, n0, split;
  wg::tile_of<C>(M, g.k, m0, n0, split);
  const long long k0 = split * kChunk, k1 = k0 + kChunk < RSC ? k0 + kChunk : RSC;
  float acc[C::BN / 2];
  // The noise drawn under the k loop (C::ZT); an empty k range has no loop to draw in.
  const wg::EarlyNoise<C> early(sm, M, g.k, m0, n0, na, splits == 1 && k1 > k0);
  wg::mainloop<C>(Forward{dX, dW, g}, sm, M, g.k, k0, k1, m0, n0, acc, round, early);
  if (splits > 1) {  // dY is the partials [splits][M][K]; matmul_splitk_reduce_noisy finishes
    wg::store<C>(dY + (long long)split * M * g.k, g.k, M, g.k, m0, n0, acc);
    return;
  }
  wg::stage<C>(sm, g.k, n0, dBias, acc);
  store_noisy_tile<wg::BM, C::BN>(sm.c, C::LDC, dY, M, g.k, m0, n0, na, early.drawn(), dStats != nullptr);
  epilogue_stats<wg::BM, C::BN>(sm.c, C::LDC, M, g.k, m0, n0, dStats);
}

// The data gradient on the wgmma mainloop (sm_90a), from the transposed weights dWt [C][R][S][K]; dDx as
// backward_data_tf32's.
template <class C, bool UNIT>
__device__ __forceinline__ void backward_data_wg(typename C::Smem& sm, const float* __restrict__ dDy,
                                                 const float* __restrict__ dWt, float* dDx, const float* dAdd,
                                                 const Geometry& g, int splits, long long kChunk, bool round) {
  const int M = g.n * g.h * g.w;
  const long long RSK = (long long)g.r * g.s * g.k;
  int m0, n0, split;
  wg::tile_of<C>(M, g.c, m0, n0, split);
  const long long k0 = split * kChunk, k1 = k0 + kChunk < RSK ? k0 + kChunk : RSK;
  float acc[C::BN / 2];
  wg::mainloop<C>(BackDataW<UNIT>{{dDy, dWt, g}}, sm, M, g.c, k0, k1, m0, n0, acc, round);
  wg::store<C>(dDx + (long long)split * M * g.c, g.c, M, g.c, m0, n0, acc, dAdd);
}

// dDx: dx [N, H, W, C] when splits == 1, else the partials [splits][N*H*W][C] (reduced by matmul_splitk_reduce).
template <class C, bool UNIT>
__device__ __forceinline__ void backward_data_tf32(typename C::Smem& sm, const float* __restrict__ dDy,
                                                   const float* __restrict__ dW, float* dDx, const float* dAdd,
                                                   const Geometry& g, int splits, long long kChunk, bool round) {
  using namespace vant::tf32;
  const int M = g.n * g.h * g.w;
  const long long RSK = (long long)g.r * g.s * g.k;
  int m0, n0, split;
  tile_of(M, g.c, m0, n0, split);
  const long long k0 = split * kChunk, k1 = k0 + kChunk < RSK ? k0 + kChunk : RSK;
  float acc[MT][NT][4];
  mainloop<C>(BackDataT<UNIT>{dDy, dW, g}, sm, M, g.c, k0, k1, m0, n0, acc, round);
  store(dDx + (long long)split * M * g.c, g.c, M, g.c, m0, n0, acc, dAdd);
}

// dOut: dw [K, R, S, C] when splits == 1, else the partials [splits][K][R*S*C].
template <class C>
__device__ __forceinline__ void backward_weight_tf32(typename C::Smem& sm, const float* __restrict__ dX,
                                                     const float* __restrict__ dDy, float* __restrict__ dOut,
                                                     const Geometry& g, int splits, long long kChunk, bool round) {
  using namespace vant::tf32;
  const int RSC = g.r * g.s * g.c;
  const long long NPQ = (long long)g.n * g.p * g.q;
  int m0, n0, split;
  tile_of(g.k, RSC, m0, n0, split);
  const long long k0 = split * kChunk;
  const long long k1 = k0 + kChunk < NPQ ? k0 + kChunk : NPQ;
  float acc[MT][NT][4];
  mainloop<C>(BackWeight{dDy, dX, g}, sm, g.k, RSC, k0, k1, m0, n0, acc, round);
  store(dOut + (long long)split * g.k * RSC, RSC, g.k, RSC, m0, n0, acc);
}

// The x operand of the wgmma weight gradient (gemm_wgmma_mn.cuh): element (j = (n,p,q), m = (r,s,c)) =
// x[n, p*st-pad+r, q*st-pad+s, c] or 0 in the padding — Forward's gather with the roles of its GEMM's m and k
// swapped: a thread's chunk of 4 channels keeps its tap for the whole loop, each reduction row is an output pixel.
// A thread copies 4 consecutive pixels per k-tile: pix() splits the first (two FastDiv), step() walks to the next.
struct XGather {
  Forward f;
  struct Px { Forward::Pixel at; int p, q; };
  __device__ __forceinline__ Forward::Tap col(int m) const { return f.a_tap(m); }
  __device__ __forceinline__ Px pix(long long j) const {
    int t, q, n, p;
    f.g.dq.divmod((int)j, t, q); f.g.dp.divmod(t, n, p);
    const int ih0 = p * f.g.stride - f.g.pad, iw0 = q * f.g.stride - f.g.pad;
    return Px{{f.x + (long long)n * f.g.h * f.g.w * f.g.c, ih0, iw0, (ih0 * f.g.w + iw0) * f.g.c}, p, q};
  }
  __device__ __forceinline__ void step(Px& x) const {
    const Geometry& g = f.g;
    ++x.q; x.at.iw0 += g.stride; x.at.off += g.stride * g.c;
    if (x.q == g.q) {  // the next row of output pixels
      x.q = 0; ++x.p; x.at.iw0 = -g.pad; x.at.ih0 += g.stride;
      if (x.p == g.p) { x.p = 0; x.at.ih0 = -g.pad; x.at.img += (long long)g.h * g.w * g.c; }  // the next image
      x.at.off = (x.at.ih0 * g.w + x.at.iw0) * g.c;
    }
  }
  __device__ __forceinline__ const float* at(const Px& px, const Forward::Tap& t) const { return f.a_at_tap(px.at, t); }
  __device__ __forceinline__ const float* any() const { return f.x; }
};

// The weight gradient on wgmma (sm_90a), transposed: GEMM M = R*S*C (the 128-row side: every ResNet K of 64 would
// waste half of it), N = K, reduction N*P*Q; A(m, j) = XGather, B(j, k) = dy[j][k]; dw [K][R*S*C] is the transpose of
// the tile, which wgmn::store writes. dOut as backward_weight_tf32's (partials over the wgmn tiling's splits).
template <class C>
__device__ __forceinline__ void backward_weight_wg(typename C::Smem& sm, const float* __restrict__ dX, const float* __restrict__ dDy,
                                                   float* __restrict__ dOut, const Geometry& g, long long kChunk,
                                                   bool round) {
  const int RSC = g.r * g.s * g.c;
  const long long NPQ = (long long)g.n * g.p * g.q;
  if (g.c % 4 != 0 || g.k % 4 != 0 || !tf32::aligned16(dX) || !tf32::aligned16(dDy) || !tf32::aligned16(dOut)) __trap();
  int m0, n0, split;
  wgmn::tile_of<C>(RSC, g.k, m0, n0, split);
  const long long k0 = split * kChunk, k1 = k0 + kChunk < NPQ ? k0 + kChunk : NPQ;
  float acc[C::BN / 2];
  wgmn::mainloop<C>(XGather{Forward{dX, nullptr, g}}, wgmn::Dense{dDy, g.k}, sm, RSC, g.k, k0, k1, m0, n0, acc, round);
  wgmn::store<C>(sm, dOut + (long long)split * g.k * RSC, RSC, RSC, g.k, m0, n0, acc);
}

// ---- direct convolution for a short reduction (the RGB stem: R*S*C = 27) --------------------------------------
//
// Where R*S*C is tiny the implicit GEMM is all overhead: 2 k-tiles of mainloop, scalar 4-byte gathers (C = 3),
// then the noise epilogue at the GEMM's 16 warps per SM. On the H200 (run 3) the stem took 93 µs without noise
// and 175 µs with it (cuDNN TF32: 68 µs), for 33.5 MB of output. Here one thread makes one Philox group of 4
// consecutive outputs (4 channels of one pixel when K % 4 == 0): 27 input loads (the 16 threads of a pixel read
// the same addresses: one transaction), 27 16-byte weight reads from shared memory, 108 FMAs, one Philox call,
// one 16-byte store; 64 registers (4 blocks, 32 warps per SM; the stem's weights take 6.9 KiB). Predicted (not
// yet measured on a GPU): ~10-15 µs without noise (the output's bytes), ~20-30 µs with (the Box-Muller work then
// dominates).
// Numerics, every math mode: FP32 FMAs in (r, s, c) order, padding taps multiplied in as zeros, then + bias —
// the FP32 implicit GEMM's exact order, so its outputs are the FP32 GEMM kernel's bits (tested), except that
// the GEMM's zero-filled k tail turns an all-zero sum of -0 into +0. TF32 mode does not round these operands:
// its GEMMs would only lose accuracy here, not time.
[[maybe_unused]] constexpr int DIRECT_MAX_RSC = 32;       // NoisyConv2d.DIRECT_MAX_RSC
[[maybe_unused]] constexpr int DIRECT_MAX_WEIGHTS = 8192; // K * R*S*C floats of shared memory (32 KiB); NoisyConv2d.DIRECT_MAX_WEIGHTS

// acc[l] = sum over taps j = (r, s, c) of x[n, p*st-pad+r, q*st-pad+s, c] * w[k0 + l, j], in j order. sw[j * k + kk]
// holds w[kk, j]; L = 4 reads the 4 channels as one float4 (k0 % 4 == 0, k % 4 == 0).
template <int L>
__device__ __forceinline__ void direct_taps(const float* __restrict__ x, const float* sw, int h, int w, int c, int k, int r,
                                            int s, int stride, int pad, int nn, int pp, int qq, int k0, float (&acc)[L]) {
#pragma unroll
  for (int l = 0; l < L; ++l) acc[l] = 0.0f;
  int j = 0;
  for (int rr = 0; rr < r; ++rr) {
    const int ih = pp * stride - pad + rr;
    for (int ss = 0; ss < s; ++ss) {
      const int iw = qq * stride - pad + ss;
      const bool in = ih >= 0 && ih < h && iw >= 0 && iw < w;
      const float* xp = x + (((long long)nn * h + (in ? ih : 0)) * w + (in ? iw : 0)) * c;
      for (int cc = 0; cc < c; ++cc, ++j) {
        const float xv = in ? xp[cc] : 0.0f;  // a padding tap is a zero product, as in the GEMM's gather
        if constexpr (L == 4) {
          const float4 wv = *reinterpret_cast<const float4*>(sw + (long long)j * k + k0);
          acc[0] = fmaf(xv, wv.x, acc[0]);
          acc[1] = fmaf(xv, wv.y, acc[1]);
          acc[2] = fmaf(xv, wv.z, acc[2]);
          acc[3] = fmaf(xv, wv.w, acc[3]);
        } else {
#pragma unroll
          for (int l = 0; l < L; ++l) acc[l] = fmaf(xv, sw[(long long)j * k + k0 + l], acc[l]);
        }
      }
    }
  }
}

}  // namespace conv
}  // namespace vant

#define VANT_K32_SMEM(sm)                     \
  extern __shared__ float4 vant_dyn_smem[]; \
  vant::tf32::K32::Smem& sm = *reinterpret_cast<vant::tf32::K32::Smem*>(vant_dyn_smem)

extern "C" __global__ void __launch_bounds__(256, 2)
noisy_conv2d_forward_tf32(VANT_CONV_FORWARD_PARAMS) {
  __shared__ vant::tf32::K16::Smem sm;
  vant::conv::forward_tf32<vant::tf32::K16>(sm, dX, dW, dBias, dY, VANT_CONV_GEOMETRY, splits, kChunk,
      vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState), tf32Round != 0, dStats);
}

extern "C" __global__ void __launch_bounds__(256, 2)
noisy_conv2d_forward_tf32k32(VANT_CONV_FORWARD_PARAMS) {
  VANT_K32_SMEM(sm);
  vant::conv::forward_tf32<vant::tf32::K32>(sm, dX, dW, dBias, dY, VANT_CONV_GEOMETRY, splits, kChunk,
      vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState), tf32Round != 0, dStats);
}

// wgmma forwards (sm_90a; dynamic shared memory: sizeof(C::Smem) bytes at launch): tiles 128 x 64 (2 blocks per SM)
// and 128 x 128 (1 block per SM); the *z twins carry the Gaussian tile of wg::EarlyNoise (N64Z 104 KiB, still 2
// blocks per SM; N128Z 192 KiB).
#if VANT_WGMMA
#define VANT_CONV_FORWARD_WG(C)                                                                                     \
  extern __shared__ float4 vant_dyn_smem[];                                                                       \
  vant::conv::forward_wg<C>(*reinterpret_cast<C::Smem*>(vant_dyn_smem), dX, dW, dBias, dY, VANT_CONV_GEOMETRY,     \
      splits, kChunk, vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState),        \
      tf32Round != 0, dStats)
#else
#define VANT_CONV_FORWARD_WG(C) __trap()
#endif

extern "C" __global__ void __launch_bounds__(256, 2)
noisy_conv2d_forward_tf32wg(VANT_CONV_FORWARD_PARAMS) {
  VANT_CONV_FORWARD_WG(vant::wg::N64);
}

extern "C" __global__ void __launch_bounds__(256, 1)
noisy_conv2d_forward_tf32wg128(VANT_CONV_FORWARD_PARAMS) {
  VANT_CONV_FORWARD_WG(vant::wg::N128);
}

// The noisy forwards whose epilogue noise is drawn under the k loop (wg::EarlyNoise; the host launches them where
// the noise is on and the k range is not split).
extern "C" __global__ void __launch_bounds__(256, 2)
noisy_conv2d_forward_tf32wgz(VANT_CONV_FORWARD_PARAMS) {
  VANT_CONV_FORWARD_WG(vant::wg::N64Z);
}

extern "C" __global__ void __launch_bounds__(256, 1)
noisy_conv2d_forward_tf32wg128z(VANT_CONV_FORWARD_PARAMS) {
  VANT_CONV_FORWARD_WG(vant::wg::N128Z);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data_tf32(VANT_CONV_BACKWARD_DATA_PARAMS) {
  __shared__ vant::tf32::K16::Smem sm;
  vant::conv::backward_data_tf32<vant::tf32::K16, false>(sm, dDy, dW, dDx, dAdd, VANT_CONV_GEOMETRY, splits, kChunk,
                                                         tf32Round != 0);
}

// The same for stride 1 (the host launches it only then).
extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data_s1_tf32(VANT_CONV_BACKWARD_DATA_PARAMS) {
  __shared__ vant::tf32::K16::Smem sm;
  vant::conv::backward_data_tf32<vant::tf32::K16, true>(sm, dDy, dW, dDx, dAdd, VANT_CONV_GEOMETRY, splits, kChunk,
                                                         tf32Round != 0);
}

// The data gradient on wgmma (sm_90a; dynamic shared memory sizeof(C::Smem)): dW here is the transposed weights
// [C][R][S][K] that matmul_transpose_tf32 writes. 128 x 64 tiles (2 blocks per SM) or 128 x 128 (1 per SM); _s1:
// stride 1.
#if VANT_WGMMA
#define VANT_CONV_BACKWARD_DATA_WG(C, UNIT)                                                                         \
  extern __shared__ float4 vant_dyn_smem[];                                                                       \
  vant::conv::backward_data_wg<C, UNIT>(*reinterpret_cast<C::Smem*>(vant_dyn_smem), dDy, dW, dDx, dAdd,           \
                                        VANT_CONV_GEOMETRY, splits, kChunk, tf32Round != 0)
#else
#define VANT_CONV_BACKWARD_DATA_WG(C, UNIT) __trap()
#endif
extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data_tf32wg(VANT_CONV_BACKWARD_DATA_PARAMS) { VANT_CONV_BACKWARD_DATA_WG(vant::wg::N64, false); }
extern "C" __global__ void __launch_bounds__(256, 1)
conv2d_backward_data_tf32wg128(VANT_CONV_BACKWARD_DATA_PARAMS) { VANT_CONV_BACKWARD_DATA_WG(vant::wg::N128, false); }
extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data_s1_tf32wg(VANT_CONV_BACKWARD_DATA_PARAMS) { VANT_CONV_BACKWARD_DATA_WG(vant::wg::N64, true); }
extern "C" __global__ void __launch_bounds__(256, 1)
conv2d_backward_data_s1_tf32wg128(VANT_CONV_BACKWARD_DATA_PARAMS) { VANT_CONV_BACKWARD_DATA_WG(vant::wg::N128, true); }

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_weight_tf32(VANT_CONV_BACKWARD_WEIGHT_PARAMS) {
  __shared__ vant::tf32::K16::Smem sm;
  vant::conv::backward_weight_tf32<vant::tf32::K16>(sm, dX, dDy, dOut, VANT_CONV_GEOMETRY, splits, kChunk, tf32Round != 0);
}

// The weight gradient on wgmma (sm_90a; dynamic shared memory sizeof(C::Smem)): tiles of the transposed GEMM, 128 (R*S*C)
// x 64 (K; two blocks per SM) or x 128 (one per SM). The host launches them only for C % 4 == 0 and K % 4 == 0.
#if VANT_WGMMA
#define VANT_CONV_BACKWARD_WEIGHT_WG(C)                                                                             \
  extern __shared__ float4 vant_dyn_smem[];                                                                       \
  (void)splits;                                                                                                   \
  vant::conv::backward_weight_wg<C>(*reinterpret_cast<C::Smem*>(vant_dyn_smem), dX, dDy, dOut, VANT_CONV_GEOMETRY, kChunk, \
                                    tf32Round != 0)
#else
#define VANT_CONV_BACKWARD_WEIGHT_WG(C) __trap()
#endif
extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_weight_tf32wg(VANT_CONV_BACKWARD_WEIGHT_PARAMS) { VANT_CONV_BACKWARD_WEIGHT_WG(vant::wgmn::N64); }
extern "C" __global__ void __launch_bounds__(256, 1)
conv2d_backward_weight_tf32wg128(VANT_CONV_BACKWARD_WEIGHT_PARAMS) { VANT_CONV_BACKWARD_WEIGHT_WG(vant::wgmn::N128); }

// The direct convolution above (R*S*C <= DIRECT_MAX_RSC, K * R*S*C <= DIRECT_MAX_WEIGHTS, N*P*Q*K < 2^31; checked by
// the host). Dynamic shared memory: K * R*S*C floats (+ STAT_ROWS * K with dStats). Grid-stride over Philox groups of
// y. (256, 4): with (256) alone ptxas held it to 40 registers and spilled.
// dStats (null, or the next BatchNorm's statistics partials as noisy_conv2d_forward's; the host passes it only where
// K % 4 == 0): the blocks then take whole 64-row chunks of y instead, stage each chunk's noisy values in shared memory
// and make its partials from them (batchnorm.cuh tile_stats, one thread per column).
extern "C" __global__ void __launch_bounds__(256, 4)
noisy_conv2d_forward_direct(const float* __restrict__ dX, const float* __restrict__ dW, const float* __restrict__ dBias,
                            float* __restrict__ dY, int n, int h, int w, int c, int k, int r, int s, int stride, int pad,
                            int p, int q, int noiseType, float sigmaScalar, const float* __restrict__ dSigma,
                            long long perSample, unsigned long long seed, unsigned int site, unsigned int step,
                            const vant::StepState* dState, double* __restrict__ dStats) {
  extern __shared__ float4 vant_dyn_smem[];
  float* sw = reinterpret_cast<float*>(vant_dyn_smem);  // sw[j * k + kk] = w[kk, j]: a group's 4 channels adjacent
  const int rsc = r * s * c;
  for (int i = threadIdx.x; i < rsc * k; i += blockDim.x) {
    const int kk = i / rsc, j = i - kk * rsc;
    sw[j * k + kk] = dW[i];
  }
  __syncthreads();
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  const long long total = (long long)n * p * q * k;
  const vant::FastDiv fk = vant::FastDiv::of(k), fq = vant::FastDiv::of(q), fp = vant::FastDiv::of(p);
  // The conv (+ bias) values of group grp, then its noise and store; v holds the stored values after.
  auto group = [&](long long grp, float (&v)[4]) {
    const int e0 = (int)(grp << 2);
    if ((k & 3) == 0) {  // one pixel, channels k0 .. k0 + 3
      int m, k0, t, qq, nn, pp;
      fk.divmod(e0, m, k0); fq.divmod(m, t, qq); fp.divmod(t, nn, pp);
      float acc[4];
      vant::conv::direct_taps<4>(dX, sw, h, w, c, k, r, s, stride, pad, nn, pp, qq, k0, acc);
#pragma unroll
      for (int l = 0; l < 4; ++l) v[l] = dBias ? acc[l] + dBias[k0 + l] : acc[l];
    } else {  // the group may straddle pixels: element by element
#pragma unroll
      for (int l = 0; l < 4; ++l) {
        v[l] = 0.0f;
        if (e0 + l >= total) continue;
        int m, kk, t, qq, nn, pp;
        fk.divmod(e0 + l, m, kk); fq.divmod(m, t, qq); fp.divmod(t, nn, pp);
        float acc[1];
        vant::conv::direct_taps<1>(dX, sw, h, w, c, k, r, s, stride, pad, nn, pp, qq, kk, acc);
        v[l] = dBias ? acc[0] + dBias[kk] : acc[0];
      }
    }
    vant::noise_store_values(na, grp, total, dY, v);
  };
  if (dStats) {
    float* st = sw + rsc * k;  // st[(row - r0) * k + channel]: the chunk's values as stored
    const long long M = (long long)n * p * q, chunks = (M + vant::bn::STAT_ROWS - 1) / vant::bn::STAT_ROWS;
    for (long long ch = blockIdx.x; ch < chunks; ch += gridDim.x) {
      const long long r0 = ch * vant::bn::STAT_ROWS;
      const int rows = (int)(M - r0 < vant::bn::STAT_ROWS ? M - r0 : vant::bn::STAT_ROWS);
      const int groups = rows * (k >> 2);  // k % 4 == 0: whole groups, none across a row
      for (int i = threadIdx.x; i < groups; i += blockDim.x) {
        float v[4];
        group(((r0 * k) >> 2) + i, v);
        *reinterpret_cast<float4*>(st + 4 * i) = make_float4(v[0], v[1], v[2], v[3]);
      }
      __syncthreads();
      vant::bn::tile_stats(st, k, rows, k, M, k, (int)r0, 0, dStats);
      __syncthreads();  // st is rewritten by the next chunk
    }
    return;
  }
  for (long long grp = (long long)blockIdx.x * blockDim.x + threadIdx.x; grp < (total + 3) >> 2;
       grp += (long long)gridDim.x * blockDim.x) {
    float v[4];
    group(grp, v);
  }
}

// kernels/noisy_matmul.cu — the linear layer: noisy forward with the shared epilogue, backward data,
// backward weight (split-K with a fixed-order reduction), each in two math modes: exact FP32 on the FFMA
// mainloop (gemm_fp32.cuh; the plain names) and TF32 tensor cores (gemm_tf32.cuh; the *_tf32 names).
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90a + compute_90 PTX).
// Versions tried: FP32 v1 64x64x16 tiles, 256 threads, 4x4 FFMA per thread, guarded loads (this one);
//   TF32 v1 128x64x16 tiles, 8 warps of mma.m16n8k8, 3-stage cp.async pipeline (this one; see gemm_tf32.cuh).
//   Noise epilogue v1 per element from registers; v2 (this one) staged through shared memory, one Philox
//   call per group of 4 outputs and 16-byte stores (gemm_epilogue.cuh); v3 (this one) 4 groups in flight per
//   thread (2.42x -> 1.80x noise cost at the stem on an H200). Measured: bench/results/2026-11-28-gpu-speed.md.
// Binding: dev.vant.backend.cuda.NoisyMatmul. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes (M, N, K of the GEMM in brackets):
//   forward      y [B, OUT] = noise(x [B, IN] w[OUT, IN]^T + bias [OUT])     [M = B,   N = OUT, K = IN]
//   back. data   dx [B, IN] = dy [B, OUT] w [OUT, IN]                         [M = B,   N = IN,  K = OUT]
//   back. weight dw [OUT, IN] = dy^T x                                        [M = OUT, N = IN,  K = B]
//     split-K: block t of `splits` sums k in [t * kChunk, (t+1) * kChunk) into dPart [splits][OUT][IN];
//     matmul_splitk_reduce adds the splits in order (also used by conv2d backward weight and backward data);
//     matmul_splitk_reduce_noisy adds them, the bias and the noise (conv2d forward's split-K).
// Grid: 1-D, tilesM * tilesN (* splits) blocks; tile index = blockIdx.x % (tilesM * tilesN), n fastest
// (tiles of 64 x 64 for FP32, 128 x 64 for TF32).
// __launch_bounds__(256, 2): with (256) alone ptxas capped the GEMMs at 64 registers on sm_86+ and spilled.
#include "batchnorm.cuh"
#include "gemm_fp32.cuh"
#include "gemm_tf32.cuh"
#include "gemm_wgmma.cuh"
#include "gemm_wgmma_mn.cuh"
#include "gemm_epilogue.cuh"

namespace vant {
namespace matmul {

// Problems: a_ptr / b_ptr give the address of A(m, k) / B(k, n) (gemm_tf32.cuh copies from there), a / b the
// value (gemm_fp32.cuh). A_K / B_K: contiguous in k. a_vec / b_vec: 16-byte copies of 4 consecutive elements
// along the contiguous axis are allowed (its extent is a multiple of 4 and the buffer 16-byte aligned).
struct Forward {  // A(m, k) = x[m][k], B(k, n) = w[n][k]
  const float* x; const float* w; int in;
  static constexpr bool A_K = true, B_K = true;
  static constexpr bool A_DENSE = true, B_DENSE = true;  // a_at / b_at never return nullptr (gemm_wgmma.cuh)
  __device__ __forceinline__ const float* a_ptr(int m, long long k) const { return x + (long long)m * in + k; }
  __device__ __forceinline__ const float* b_ptr(long long k, int n) const { return w + (long long)n * in + k; }
  __device__ __forceinline__ const float* a_row(int m) const { return x + (long long)m * in; }  // row hoisting
  __device__ __forceinline__ const float* a_at(const float* row, long long k) const { return row + k; }
  __device__ __forceinline__ const float* b_row(int n) const { return w + (long long)n * in; }
  __device__ __forceinline__ const float* b_at(const float* row, long long k) const { return row + k; }
  __device__ __forceinline__ float a(int m, long long k) const { return *a_ptr(m, k); }
  __device__ __forceinline__ float b(long long k, int n) const { return *b_ptr(k, n); }
  __device__ __forceinline__ bool a_vec() const { return in % 4 == 0 && tf32::aligned16(x); }
  __device__ __forceinline__ bool b_vec() const { return in % 4 == 0 && tf32::aligned16(w); }
  __device__ __forceinline__ const float* a_any() const { return x; }
  __device__ __forceinline__ const float* b_any() const { return w; }
};

struct BackData {  // A(m, k) = dy[m][k], B(k, n) = w[k][n]
  const float* dy; const float* w; int in, out;
  static constexpr bool A_K = true, B_K = false;
  __device__ __forceinline__ const float* a_ptr(int m, long long k) const { return dy + (long long)m * out + k; }
  __device__ __forceinline__ const float* b_ptr(long long k, int n) const { return w + k * in + n; }
  __device__ __forceinline__ const float* a_row(int m) const { return dy + (long long)m * out; }  // row hoisting
  __device__ __forceinline__ const float* a_at(const float* row, long long k) const { return row + k; }
  __device__ __forceinline__ const float* b_row(int n) const { return w + n; }
  __device__ __forceinline__ const float* b_at(const float* row, long long k) const { return row + k * in; }
  __device__ __forceinline__ float a(int m, long long k) const { return *a_ptr(m, k); }
  __device__ __forceinline__ float b(long long k, int n) const { return *b_ptr(k, n); }
  __device__ __forceinline__ bool a_vec() const { return out % 4 == 0 && tf32::aligned16(dy); }
  __device__ __forceinline__ bool b_vec() const { return in % 4 == 0 && tf32::aligned16(w); }
  __device__ __forceinline__ const float* a_any() const { return dy; }
  __device__ __forceinline__ const float* b_any() const { return w; }
};

struct BackWeight {  // A(m, k) = dy[k][m], B(k, n) = x[k][n]
  const float* dy; const float* x; int in, out;
  static constexpr bool A_K = false, B_K = false;
  __device__ __forceinline__ const float* a_ptr(int m, long long k) const { return dy + k * out + m; }
  __device__ __forceinline__ const float* b_ptr(long long k, int n) const { return x + k * in + n; }
  __device__ __forceinline__ const float* a_row(int m) const { return dy + m; }  // row hoisting
  __device__ __forceinline__ const float* a_at(const float* row, long long k) const { return row + k * out; }
  __device__ __forceinline__ const float* b_row(int n) const { return x + n; }
  __device__ __forceinline__ const float* b_at(const float* row, long long k) const { return row + k * in; }
  __device__ __forceinline__ float a(int m, long long k) const { return *a_ptr(m, k); }
  __device__ __forceinline__ float b(long long k, int n) const { return *b_ptr(k, n); }
  __device__ __forceinline__ bool a_vec() const { return out % 4 == 0 && tf32::aligned16(dy); }
  __device__ __forceinline__ bool b_vec() const { return in % 4 == 0 && tf32::aligned16(x); }
  __device__ __forceinline__ const float* a_any() const { return dy; }
  __device__ __forceinline__ const float* b_any() const { return x; }
};

// The data gradient of the wgmma kernels (gemm_wgmma.cuh), whose tf32 operands must both be contiguous in k: B from
// the transposed weights wT [IN][OUT] (matmul_transpose_tf32: TF32-rounded, or as they are under tf32rz), B(k, n) =
// wT[n][k]; A = dy as BackData's.
struct BackDataW {  // A(m, k) = dy[m][k], B(k, n) = wT[n][k]
  const float* dy; const float* wt; int in, out;
  static constexpr bool A_K = true, B_K = true, A_DENSE = true, B_DENSE = true, B_TF32 = true;
  __device__ __forceinline__ const float* a_ptr(int m, long long k) const { return dy + (long long)m * out + k; }
  __device__ __forceinline__ const float* b_ptr(long long k, int n) const { return wt + (long long)n * out + k; }
  __device__ __forceinline__ const float* a_row(int m) const { return dy + (long long)m * out; }
  __device__ __forceinline__ const float* a_at(const float* row, long long k) const { return row + k; }
  __device__ __forceinline__ const float* b_row(int n) const { return wt + (long long)n * out; }
  __device__ __forceinline__ const float* b_at(const float* row, long long k) const { return row + k; }
  __device__ __forceinline__ bool a_vec() const { return out % 4 == 0 && tf32::aligned16(dy); }
  __device__ __forceinline__ bool b_vec() const { return out % 4 == 0 && tf32::aligned16(wt); }
  __device__ __forceinline__ const float* a_any() const { return dy; }
  __device__ __forceinline__ const float* b_any() const { return wt; }
};

}  // namespace matmul
}  // namespace vant

// The parameter list of every linear forward entry point (the host passes the same arguments to each).
#define VANT_MATMUL_FORWARD_PARAMS                                                                                  \
  const float* __restrict__ dX, const float* __restrict__ dW, const float* __restrict__ dBias, float* __restrict__ dY, \
      int batch, int in, int out, int noiseType, float sigmaScalar, const float* __restrict__ dSigma,                  \
      long long perSample, unsigned long long seed, unsigned int site, unsigned int step, const vant::StepState* dState, \
      int tf32Round

// ---- exact FP32 ---------------------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(256, 2)
noisy_matmul_forward(VANT_MATMUL_FORWARD_PARAMS) {
  using namespace vant::gemm;
  (void)tf32Round;  // exact FP32: no TF32 operands
  __shared__ EpiSmem sm;
  int m0, n0, split;
  vant::gemm::tile_of(batch, out, m0, n0, split);
  float acc[TM][TN];
  mainloop<true, true>(vant::matmul::Forward{dX, dW, in}, sm.pipe, batch, out, 0, in, m0, n0, acc);
  stage(sm.c, out, n0, dBias, acc);
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  vant::store_noisy_tile<BM, BN>(sm.c, LDC, dY, batch, out, m0, n0, na);
}

extern "C" __global__ void __launch_bounds__(256, 2)
matmul_backward_data(const float* __restrict__ dDy, const float* __restrict__ dW, float* __restrict__ dDx,
                     int batch, int in, int out, int tf32Round) {
  using namespace vant::gemm;
  (void)tf32Round;
  __shared__ Smem sm;
  int m0, n0, split;
  vant::gemm::tile_of(batch, in, m0, n0, split);
  float acc[TM][TN];
  mainloop<true, false>(vant::matmul::BackData{dDy, dW, in, out}, sm, batch, in, 0, out, m0, n0, acc);
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) {
      const int m = row_of(m0, i), n = col_of(n0, j);
      if (m < batch && n < in) dDx[(long long)m * in + n] = acc[i][j];
    }
}

// dOut: dw [OUT, IN] when splits == 1, else the partials [splits][OUT][IN].
extern "C" __global__ void __launch_bounds__(256, 2)
matmul_backward_weight(const float* __restrict__ dX, const float* __restrict__ dDy, float* __restrict__ dOut,
                       int batch, int in, int out, int splits, long long kChunk, int tf32Round) {
  using namespace vant::gemm;
  (void)tf32Round;
  __shared__ Smem sm;
  int m0, n0, split;
  vant::gemm::tile_of(out, in, m0, n0, split);
  const long long k0 = split * kChunk;
  const long long k1 = k0 + kChunk < batch ? k0 + kChunk : batch;
  float acc[TM][TN];
  mainloop<false, false>(vant::matmul::BackWeight{dDy, dX, in, out}, sm, out, in, k0, k1, m0, n0, acc);
  float* dst = dOut + (long long)split * out * in;
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) {
      const int m = row_of(m0, i), n = col_of(n0, j);
      if (m < out && n < in) dst[(long long)m * in + n] = acc[i][j];
    }
}

// out [count] = sum over t of part [t][count], t = 0 .. splits-1 in order, + add [count] where dAdd is not null (the
// conv data gradient with a residual block's other input gradient folded in; never dOut).
extern "C" __global__ void __launch_bounds__(256)
matmul_splitk_reduce(const float* __restrict__ dPart, float* dOut, long long count, int splits, const float* dAdd) {
  vant::gemm::splitk_sum(dPart, dOut, count, splits, dAdd);
}

// y [count / n, n] = noise(sum over t of part [t][count], t = 0 .. splits-1 in order, + bias[e % n]): the end of
// a split-K noisy forward (noisy_conv2d_forward*, when its output tiles alone would leave the GPU half idle).
// The pre-noise value is the bias added to the partials' sum (no bias: the sum unchanged, as stage() does), and
// the noise is noise_store_values': one Philox call per group of 4, the contract's bits for every element.
// dStats (null, or the next BatchNorm's statistics partials as noisy_conv2d_forward's; the host passes it only where
// n % 4 == 0): the blocks then take pieces of y of 64 rows (a statistics chunk) x 64 columns instead, stage the
// stored values in shared memory and make the chunk's partials of those columns (batchnorm.cuh tile_stats).
extern "C" __global__ void __launch_bounds__(256)
matmul_splitk_reduce_noisy(const float* __restrict__ dPart, const float* __restrict__ dBias, float* __restrict__ dY,
                           long long count, int n, int splits, int noiseType, float sigmaScalar,
                           const float* __restrict__ dSigma, long long perSample, unsigned long long seed,
                           unsigned int site, unsigned int step, const vant::StepState* dState,
                           double* __restrict__ dStats) {
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  // Group g's values, then its noise and store; v holds the stored values after.
  auto group = [&](long long g, float (&v)[4]) {
    const long long e0 = g << 2;
    int col = (int)(e0 % n);  // one 64-bit division per group; the lanes step through the columns
#pragma unroll
    for (int l = 0; l < 4; ++l) {
      const long long e = e0 + l;
      if (e < count) {
        float sum = dPart[e];
        for (int t = 1; t < splits; ++t) sum += dPart[(long long)t * count + e];
        v[l] = dBias ? sum + dBias[col] : sum;
      } else {
        v[l] = 0.0f;
      }
      if (++col == n) col = 0;
    }
    vant::noise_store_values(na, g, count, dY, v);
  };
  if (dStats) {
    constexpr int TW = 64;  // columns per piece
    __shared__ __align__(16) float st[vant::bn::STAT_ROWS * TW];
    const long long M = count / n, chunks = (M + vant::bn::STAT_ROWS - 1) / vant::bn::STAT_ROWS;
    const int colTiles = (n + TW - 1) / TW;
    for (long long piece = blockIdx.x; piece < chunks * colTiles; piece += gridDim.x) {
      const long long r0 = piece / colTiles * vant::bn::STAT_ROWS;
      const int c0 = (int)(piece % colTiles) * TW;
      const int rows = (int)(M - r0 < vant::bn::STAT_ROWS ? M - r0 : vant::bn::STAT_ROWS);
      const int W = n - c0 < TW ? n - c0 : TW, gpr = W >> 2;  // n % 4 == 0: whole groups within a row
      for (int i = threadIdx.x; i < rows * gpr; i += blockDim.x) {
        const int rr = i / gpr, j = i - rr * gpr;
        float v[4];
        group((((r0 + rr) * n + c0) >> 2) + j, v);
        *reinterpret_cast<float4*>(&st[rr * TW + 4 * j]) = make_float4(v[0], v[1], v[2], v[3]);
      }
      __syncthreads();
      vant::bn::tile_stats(st, TW, rows, W, M, n, (int)r0, c0, dStats);
      __syncthreads();  // st is rewritten by the next piece
    }
    return;
  }
  const long long groups = (count + 3) >> 2;
  for (long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x; g < groups;
       g += (long long)gridDim.x * blockDim.x) {
    float v[4];
    group(g, v);
  }
}

// ---- TF32 tensor cores (same parameters and semantics; tiles 128 x 64, so a different grid) -------------------
// Each body is a template over the pipeline configuration (gemm_tf32.cuh): *_tf32 = K16 in static shared memory,
// *_tf32k32 = K32 in dynamic shared memory (sizeof(K32::Smem) bytes at launch), for the forward only: with an
// MN-major operand (the data and weight gradients) K32's four k-steps of scalar fragment loads spilled 44-324
// bytes under the 128-register cap (ptxas, sm_90), so the backward kernels stay K16.

namespace vant {
namespace matmul {

template <class C>
__device__ __forceinline__ void forward_tf32(typename C::Smem& sm, const float* __restrict__ dX, const float* __restrict__ dW,
                                             const float* __restrict__ dBias, float* __restrict__ dY, int batch, int in,
                                             int out, const NoiseArgs& na, bool round) {
  using namespace vant::tf32;
  int m0, n0, split;
  tile_of(batch, out, m0, n0, split);
  float acc[MT][NT][4];
  mainloop<C>(Forward{dX, dW, in}, sm, batch, out, 0, in, m0, n0, acc, round);
  stage(sm, out, n0, dBias, acc);
  store_noisy_tile<BM, BN>(sm.c, LDC, dY, batch, out, m0, n0, na);
}

// The forward on the wgmma mainloop (gemm_wgmma.cuh; sm_90a): tiles 128 x C::BN.
template <class C>
__device__ __forceinline__ void forward_wg(typename C::Smem& sm, const float* __restrict__ dX, const float* __restrict__ dW,
                                           const float* __restrict__ dBias, float* __restrict__ dY, int batch, int in,
                                           int out, const NoiseArgs& na, bool round) {
  int m0, n0, split;
  wg::tile_of<C>(batch, out, m0, n0, split);
  float acc[C::BN / 2];
  // The noise drawn under the k loop (C::ZT); with in == 0 there is no loop to draw in.
  const wg::EarlyNoise<C> early(sm, batch, out, m0, n0, na, in > 0);
  wg::mainloop<C>(Forward{dX, dW, in}, sm, batch, out, 0, in, m0, n0, acc, round, early);
  wg::stage<C>(sm, out, n0, dBias, acc);
  store_noisy_tile<wg::BM, C::BN>(sm.c, C::LDC, dY, batch, out, m0, n0, na, early.drawn());
}

// The data gradient on the wgmma mainloop (sm_90a), from the transposed weights dWt [IN][OUT].
template <class C>
__device__ __forceinline__ void backward_data_wg(typename C::Smem& sm, const float* __restrict__ dDy,
                                                 const float* __restrict__ dWt, float* __restrict__ dDx, int batch,
                                                 int in, int out, bool round) {
  int m0, n0, split;
  wg::tile_of<C>(batch, in, m0, n0, split);
  float acc[C::BN / 2];
  wg::mainloop<C>(BackDataW{dDy, dWt, in, out}, sm, batch, in, 0, out, m0, n0, acc, round);
  wg::store<C>(dDx, in, batch, in, m0, n0, acc);
}

template <class C>
__device__ __forceinline__ void backward_data_tf32(typename C::Smem& sm, const float* __restrict__ dDy,
                                                   const float* __restrict__ dW, float* __restrict__ dDx, int batch,
                                                   int in, int out, bool round) {
  using namespace vant::tf32;
  int m0, n0, split;
  tile_of(batch, in, m0, n0, split);
  float acc[MT][NT][4];
  mainloop<C>(BackData{dDy, dW, in, out}, sm, batch, in, 0, out, m0, n0, acc, round);
  store(dDx, in, batch, in, m0, n0, acc);
}

// dOut: dw [OUT, IN] when splits == 1, else the partials [splits][OUT][IN] (reduced by matmul_splitk_reduce).
template <class C>
__device__ __forceinline__ void backward_weight_tf32(typename C::Smem& sm, const float* __restrict__ dX,
                                                     const float* __restrict__ dDy, float* __restrict__ dOut, int batch,
                                                     int in, int out, int splits, long long kChunk, bool round) {
  using namespace vant::tf32;
  int m0, n0, split;
  tile_of(out, in, m0, n0, split);
  const long long k0 = split * kChunk;
  const long long k1 = k0 + kChunk < batch ? k0 + kChunk : batch;
  float acc[MT][NT][4];
  mainloop<C>(BackWeight{dDy, dX, in, out}, sm, out, in, k0, k1, m0, n0, acc, round);
  store(dOut + (long long)split * out * in, in, out, in, m0, n0, acc);
}

// The weight gradient on wgmma (gemm_wgmma_mn.cuh; sm_90a), transposed: GEMM M = IN, N = OUT, reduction B; A(m, j) =
// x[j][m], B(j, n) = dy[j][n]; dw [OUT][IN] is the tile's transpose (wgmn::store). dOut as backward_weight_tf32's.
template <class C>
__device__ __forceinline__ void backward_weight_wg(typename C::Smem& sm, const float* __restrict__ dX, const float* __restrict__ dDy,
                                                   float* __restrict__ dOut, int batch, int in, int out, long long kChunk,
                                                   bool round) {
  if (in % 4 != 0 || out % 4 != 0 || !tf32::aligned16(dX) || !tf32::aligned16(dDy) || !tf32::aligned16(dOut)) __trap();
  int m0, n0, split;
  wgmn::tile_of<C>(in, out, m0, n0, split);
  const long long k0 = split * kChunk, k1 = k0 + kChunk < batch ? k0 + kChunk : batch;
  float acc[C::BN / 2];
  wgmn::mainloop<C>(wgmn::Dense{dX, in}, wgmn::Dense{dDy, out}, sm, in, out, k0, k1, m0, n0, acc, round);
  wgmn::store<C>(sm, dOut + (long long)split * out * in, in, in, out, m0, n0, acc);
}

}  // namespace matmul
}  // namespace vant

extern "C" __global__ void __launch_bounds__(256, 2)
noisy_matmul_forward_tf32(VANT_MATMUL_FORWARD_PARAMS) {
  __shared__ vant::tf32::K16::Smem sm;
  vant::matmul::forward_tf32<vant::tf32::K16>(sm, dX, dW, dBias, dY, batch, in, out,
      vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState), tf32Round != 0);
}

extern "C" __global__ void __launch_bounds__(256, 2)
noisy_matmul_forward_tf32k32(VANT_MATMUL_FORWARD_PARAMS) {
  extern __shared__ float4 vant_dyn_smem[];
  vant::matmul::forward_tf32<vant::tf32::K32>(*reinterpret_cast<vant::tf32::K32::Smem*>(vant_dyn_smem), dX, dW, dBias, dY,
      batch, in, out, vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState),
      tf32Round != 0);
}

extern "C" __global__ void __launch_bounds__(256, 2)
matmul_backward_data_tf32(const float* __restrict__ dDy, const float* __restrict__ dW, float* __restrict__ dDx,
                          int batch, int in, int out, int tf32Round) {
  __shared__ vant::tf32::K16::Smem sm;
  vant::matmul::backward_data_tf32<vant::tf32::K16>(sm, dDy, dW, dDx, batch, in, out, tf32Round != 0);
}

extern "C" __global__ void __launch_bounds__(256, 2)
matmul_backward_weight_tf32(const float* __restrict__ dX, const float* __restrict__ dDy, float* __restrict__ dOut,
                            int batch, int in, int out, int splits, long long kChunk, int tf32Round) {
  __shared__ vant::tf32::K16::Smem sm;
  vant::matmul::backward_weight_tf32<vant::tf32::K16>(sm, dX, dDy, dOut, batch, in, out, splits, kChunk, tf32Round != 0);
}

// The weight gradient on wgmma (sm_90a; dynamic shared memory sizeof(C::Smem)): tiles of the transposed GEMM, 128 (IN) x
// 64 (OUT; two blocks per SM) or x 128 (one per SM). The host launches them only for IN % 4 == 0 and OUT % 4 == 0.
#if VANT_WGMMA
#define VANT_MATMUL_BACKWARD_WEIGHT_WG(C)                                                                           \
  extern __shared__ float4 vant_dyn_smem[];                                                                       \
  (void)splits;                                                                                                   \
  vant::matmul::backward_weight_wg<C>(*reinterpret_cast<C::Smem*>(vant_dyn_smem), dX, dDy, dOut, batch, in, out, kChunk, \
                                      tf32Round != 0)
#else
#define VANT_MATMUL_BACKWARD_WEIGHT_WG(C) __trap()
#endif
extern "C" __global__ void __launch_bounds__(256, 2)
matmul_backward_weight_tf32wg(const float* __restrict__ dX, const float* __restrict__ dDy, float* __restrict__ dOut,
                              int batch, int in, int out, int splits, long long kChunk, int tf32Round) {
  VANT_MATMUL_BACKWARD_WEIGHT_WG(vant::wgmn::N64);
}
extern "C" __global__ void __launch_bounds__(256, 1)
matmul_backward_weight_tf32wg128(const float* __restrict__ dX, const float* __restrict__ dDy, float* __restrict__ dOut,
                                 int batch, int in, int out, int splits, long long kChunk, int tf32Round) {
  VANT_MATMUL_BACKWARD_WEIGHT_WG(vant::wgmn::N128);
}

// wgmma forwards (sm_90a; dynamic shared memory: sizeof(C::Smem) bytes at launch): tiles 128 x 64 (2 blocks per SM)
// and 128 x 128 (1 block per SM); the *z twins carry the Gaussian tile of wg::EarlyNoise (N64Z 104 KiB, still 2
// blocks per SM; N128Z 192 KiB).
#if VANT_WGMMA
#define VANT_MATMUL_FORWARD_WG(C)                                                                                   \
  extern __shared__ float4 vant_dyn_smem[];                                                                       \
  vant::matmul::forward_wg<C>(*reinterpret_cast<C::Smem*>(vant_dyn_smem), dX, dW, dBias, dY, batch, in, out,       \
      vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState), tf32Round != 0)
#else
#define VANT_MATMUL_FORWARD_WG(C) __trap()
#endif

extern "C" __global__ void __launch_bounds__(256, 2)
noisy_matmul_forward_tf32wg(VANT_MATMUL_FORWARD_PARAMS) {
  VANT_MATMUL_FORWARD_WG(vant::wg::N64);
}

extern "C" __global__ void __launch_bounds__(256, 1)
noisy_matmul_forward_tf32wg128(VANT_MATMUL_FORWARD_PARAMS) {
  VANT_MATMUL_FORWARD_WG(vant::wg::N128);
}

// 128 x 256 (one block per SM; VANT_TF32_TILE=wgmma256, linear layers wider than 128 outputs): the epilogue draws the
// noise (no EarlyNoise twin: its 128 KiB Gaussian tile would not fit beside the 192 KiB pipeline).
extern "C" __global__ void __launch_bounds__(256, 1)
noisy_matmul_forward_tf32wg256(VANT_MATMUL_FORWARD_PARAMS) {
  VANT_MATMUL_FORWARD_WG(vant::wg::N256);
}

// The noisy forwards whose epilogue noise is drawn under the k loop (wg::EarlyNoise; the host launches them where
// the noise is on and the k range is not split).
extern "C" __global__ void __launch_bounds__(256, 2)
noisy_matmul_forward_tf32wgz(VANT_MATMUL_FORWARD_PARAMS) {
  VANT_MATMUL_FORWARD_WG(vant::wg::N64Z);
}

extern "C" __global__ void __launch_bounds__(256, 1)
noisy_matmul_forward_tf32wg128z(VANT_MATMUL_FORWARD_PARAMS) {
  VANT_MATMUL_FORWARD_WG(vant::wg::N128Z);
}

// The data gradient on wgmma (sm_90a; dynamic shared memory sizeof(C::Smem)): dW here is the transposed weights
// [IN][OUT] that matmul_transpose_tf32 writes.
#if VANT_WGMMA
#define VANT_MATMUL_BACKWARD_DATA_WG(C)                                                                             \
  extern __shared__ float4 vant_dyn_smem[];                                                                       \
  vant::matmul::backward_data_wg<C>(*reinterpret_cast<C::Smem*>(vant_dyn_smem), dDy, dW, dDx, batch, in, out, \
                                    tf32Round != 0)
#else
#define VANT_MATMUL_BACKWARD_DATA_WG(C) __trap()
#endif
extern "C" __global__ void __launch_bounds__(256, 2)
matmul_backward_data_tf32wg(const float* __restrict__ dDy, const float* __restrict__ dW, float* __restrict__ dDx,
                            int batch, int in, int out, int tf32Round) {
  VANT_MATMUL_BACKWARD_DATA_WG(vant::wg::N64);
}
extern "C" __global__ void __launch_bounds__(256, 1)
matmul_backward_data_tf32wg128(const float* __restrict__ dDy, const float* __restrict__ dW, float* __restrict__ dDx,
                               int batch, int in, int out, int tf32Round) {
  VANT_MATMUL_BACKWARD_DATA_WG(vant::wg::N128);
}

// dst[b][c][r] = tf32(src[b][r][c]) for r < rows, c < cols, b < batch (src: row stride srcLd, batch stride srcBatch;
// dst: row stride dstLd, batch stride dstBatch): the transposed, TF32-rounded weights the wgmma data gradients read
// (linear: w [OUT][IN] -> [IN][OUT]; conv: w [K][R*S][C] -> [C][R*S][K], one batch per tap). Rounded here once
// (cvt.rna, as the GEMMs round every operand) instead of in every block that reads them; copied as they are with
// tf32Round = 0 (--math tf32rz: the tensor cores truncate them, as every operand of that mode). 32 x 32 tiles through
// shared memory (a column padded by one word: no bank conflicts), coalesced loads and stores; block x = b * tiles +
// tile, 256 threads.
extern "C" __global__ void __launch_bounds__(256)
matmul_transpose_tf32(const float* __restrict__ src, float* __restrict__ dst, int rows, int cols, long long srcBatch,
                      long long srcLd, long long dstBatch, long long dstLd, int tf32Round) {
  __shared__ float tile[32][33];
  const int tilesC = (cols + 31) >> 5, tiles = ((rows + 31) >> 5) * tilesC;
  const int b = (int)(blockIdx.x / tiles), t = (int)(blockIdx.x % tiles);
  const int r0 = (t / tilesC) << 5, c0 = (t % tilesC) << 5;
  const float* s = src + b * srcBatch;
  float* d = dst + b * dstBatch;
  const int tx = (int)threadIdx.x & 31, ty = (int)threadIdx.x >> 5;
  for (int i = ty; i < 32; i += 8)
    if (r0 + i < rows && c0 + tx < cols) tile[i][tx] = s[(r0 + i) * srcLd + c0 + tx];
  __syncthreads();
  for (int i = ty; i < 32; i += 8)
    if (c0 + i < cols && r0 + tx < rows) d[(c0 + i) * dstLd + r0 + tx] =
          tf32Round ? __uint_as_float(vant::ptx::cvt_rna_tf32(tile[tx][i])) : tile[tx][i];
}

// kernels/noisy_matmul.cu — the linear layer: noisy forward with the shared epilogue, backward data,
// backward weight (split-K with a fixed-order reduction), all on the exact-FP32 mainloop (gemm_fp32.cuh).
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 64x64x16 tiles, 256 threads, 4x4 FFMA per thread, guarded loads (this one).
// Binding: dev.vant.backend.cuda.NoisyMatmul. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes (M, N, K of the GEMM in brackets):
//   forward      y [B, OUT] = noise(x [B, IN] w[OUT, IN]^T + bias [OUT])     [M = B,   N = OUT, K = IN]
//   back. data   dx [B, IN] = dy [B, OUT] w [OUT, IN]                         [M = B,   N = IN,  K = OUT]
//   back. weight dw [OUT, IN] = dy^T x                                        [M = OUT, N = IN,  K = B]
//     split-K: block t of `splits` sums k in [t * kChunk, (t+1) * kChunk) into dPart [splits][OUT][IN];
//     matmul_splitk_reduce adds the splits in order (also used by conv2d backward weight).
// Grid: 1-D, tilesM * tilesN (* splits) blocks; tile index = blockIdx.x % (tilesM * tilesN), n fastest.
// __launch_bounds__(256, 2): with (256) alone ptxas capped the GEMMs at 64 registers on sm_86+ and spilled.
#include "gemm_fp32.cuh"
#include "noise_epilogue.cuh"

namespace vant {
namespace matmul {

using namespace vant::gemm;

struct Forward {  // A(m, k) = x[m][k], B(k, n) = w[n][k]
  const float* x; const float* w; int in;
  __device__ __forceinline__ float a(int m, long long k) const { return x[(long long)m * in + k]; }
  __device__ __forceinline__ float b(long long k, int n) const { return w[(long long)n * in + k]; }
};

struct BackData {  // A(m, k) = dy[m][k], B(k, n) = w[k][n]
  const float* dy; const float* w; int in, out;
  __device__ __forceinline__ float a(int m, long long k) const { return dy[(long long)m * out + k]; }
  __device__ __forceinline__ float b(long long k, int n) const { return w[k * in + n]; }
};

struct BackWeight {  // A(m, k) = dy[k][m], B(k, n) = x[k][n]
  const float* dy; const float* x; int in, out;
  __device__ __forceinline__ float a(int m, long long k) const { return dy[k * out + m]; }
  __device__ __forceinline__ float b(long long k, int n) const { return x[k * in + n]; }
};

__device__ __forceinline__ void tile_of(int M, int N, int& m0, int& n0, int& split) {
  const int tilesN = (N + BN - 1) / BN, tilesM = (M + BM - 1) / BM;
  const int t = blockIdx.x % (tilesM * tilesN);
  split = blockIdx.x / (tilesM * tilesN);
  m0 = (t / tilesN) * BM;
  n0 = (t % tilesN) * BN;
}

}  // namespace matmul
}  // namespace vant

extern "C" __global__ void __launch_bounds__(256, 2)
noisy_matmul_forward(const float* __restrict__ dX, const float* __restrict__ dW, const float* __restrict__ dBias,
                     float* __restrict__ dY, int batch, int in, int out,
                     int noiseType, float sigmaScalar, const float* __restrict__ dSigma, long long perSample,
                     unsigned long long seed, unsigned int site, unsigned int step) {
  using namespace vant::gemm;
  __shared__ Smem sm;
  int m0, n0, split;
  vant::matmul::tile_of(batch, out, m0, n0, split);
  float acc[TM][TN];
  mainloop<true, true>(vant::matmul::Forward{dX, dW, in}, sm, batch, out, 0, in, m0, n0, acc);
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step);
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) {
      const int m = row_of(m0, i), n = col_of(n0, j);
      if (m < batch && n < out) vant::epilogue_store(dY, (long long)m * out + n, acc[i][j], dBias, n, false, na);
    }
}

extern "C" __global__ void __launch_bounds__(256, 2)
matmul_backward_data(const float* __restrict__ dDy, const float* __restrict__ dW, float* __restrict__ dDx,
                     int batch, int in, int out) {
  using namespace vant::gemm;
  __shared__ Smem sm;
  int m0, n0, split;
  vant::matmul::tile_of(batch, in, m0, n0, split);
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
                       int batch, int in, int out, int splits, long long kChunk) {
  using namespace vant::gemm;
  __shared__ Smem sm;
  int m0, n0, split;
  vant::matmul::tile_of(out, in, m0, n0, split);
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

// out [count] = sum over t of part [t][count], t = 0 .. splits-1 in order.
extern "C" __global__ void __launch_bounds__(256)
matmul_splitk_reduce(const float* __restrict__ dPart, float* __restrict__ dOut, long long count, int splits) {
  vant::gemm::splitk_sum(dPart, dOut, count, splits);
}

// kernels/gemm_grid.cuh — how the GEMM kernels (gemm_fp32.cuh, gemm_tf32.cuh) map a 1-D grid of
// tilesM * tilesN (* splits) blocks onto output tiles, n fastest; dev.vant.backend.cuda.Gemm sizes that grid.
#pragma once

namespace vant {

// The block's tile (m0, n0) of a BM x BN tiling of an M x N output, and its split-K index.
template <int BM, int BN>
__device__ __forceinline__ void grid_tile(int M, int N, int& m0, int& n0, int& split) {
  const int tilesN = (N + BN - 1) / BN, tilesM = (M + BM - 1) / BM;
  const int t = blockIdx.x % (tilesM * tilesN);
  split = blockIdx.x / (tilesM * tilesN);
  m0 = (t / tilesN) * BM;
  n0 = (t % tilesN) * BN;
}

// How a TF32 k loop treats its operands: ALWAYS rounds them to TF32 (--math tf32), NEVER hands them to the tensor cores
// as they are (tf32rz: truncation), RUNTIME decides by the kernel's tf32Round at every k-tile. The 16-byte loops, the hot
// ones, are instantiated for ALWAYS and NEVER: with one runtime branch around its rounding pass the tf32 loop grew by
// 2-14 SASS instructions (the shared-memory base recomputed inside the branch; nvcc 13.0, sm_90a); the others decide
// at run time.
enum class Round { ALWAYS, NEVER, RUNTIME };

template <Round R>
__device__ __forceinline__ bool rounds(bool tf32Round) {
  return R == Round::ALWAYS || (R == Round::RUNTIME && tf32Round);
}

}  // namespace vant

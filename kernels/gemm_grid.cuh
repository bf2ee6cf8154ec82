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

}  // namespace vant

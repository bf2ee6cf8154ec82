package dev.vant.backend.cuda;

/**
 * Launch geometry of the exact-FP32 GEMM kernels ({@code kernels/gemm_fp32.cuh}: 64 x 64 tiles, k-step 16,
 * 256 threads) and the split-K rule of the weight gradients. The rule depends on the shape only, never
 * on the device, so a given model computes its gradients in the same order on every GPU.
 */
final class Gemm {
  static final int TILE = 64;
  static final int BK = 16;
  static final int THREADS = 256;
  /** A split covers at least this many k (32 k-steps), so the mainloop dominates the extra reduction. */
  static final long MIN_K_PER_SPLIT = 512;
  static final int MAX_SPLITS = 32;
  /** Enough blocks to fill a large GPU; splitting beyond that only adds partials traffic. */
  static final long TARGET_BLOCKS = 512;
  /** Partials workspace cap, in floats (256 MiB). */
  static final long MAX_PARTIALS = 64L << 20;

  private Gemm() {}

  static long tiles(long m, long n) {
    return ((m + TILE - 1) / TILE) * ((n + TILE - 1) / TILE);
  }

  /** The k-chunk per split for an M x N output summed over kDim; splits = ceil(kDim / chunk). */
  static long kChunk(long m, long n, long kDim) {
    long tiles = tiles(m, n);
    long splits = Math.min(kDim / MIN_K_PER_SPLIT, Math.max(1, TARGET_BLOCKS / tiles));
    splits = Math.min(splits, Math.min(MAX_SPLITS, Math.max(1, MAX_PARTIALS / (m * n))));
    if (splits <= 1) return Math.max(kDim, 1);
    long chunk = (kDim + splits - 1) / splits;
    return (chunk + BK - 1) / BK * BK;
  }

  static int splits(long kDim, long kChunk) {
    return (int) Math.max(1, (kDim + kChunk - 1) / kChunk);
  }
}

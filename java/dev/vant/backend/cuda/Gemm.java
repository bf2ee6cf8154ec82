package dev.vant.backend.cuda;

import dev.vant.backend.MathMode;

/**
 * Launch geometry of the GEMM kernels of one math mode and the split-K rule (conv forward and data gradient,
 * conv and linear weight gradients):
 * {@link #FP32} ({@code kernels/gemm_fp32.cuh}: 64 x 64 tiles, k-step 16, 256 threads; the plain kernel
 * names) and {@link #TF32} ({@code kernels/gemm_tf32.cuh}: 128 x 64 tiles, k-step 16, 256 threads; the
 * {@code _tf32} kernels), and the TF32 configurations whose forwards (and, for wgmma, both gradients) run other
 * kernels ({@link #TF32_K32}, {@link #TF32_WG}: {@code VANT_TF32_TILE}; the noisy wgmma forwards' twins that draw
 * the noise under the k loop: {@link #forward(long, boolean)}, {@code VANT_EARLY_NOISE}). The split rule depends on
 * the shape and the tile only, never on the device, so a given model computes its gradients in the same order on
 * every GPU.
 */
final class Gemm {
  /**
   * One member of a GEMM kernel family: the suffix of its entry points (e.g. noisy_conv2d_forward + suffix,
   * conv2d_backward_data + suffix), its output tile width (the tile is {@link #tileM} x tileN), its dynamic shared
   * memory (0: static) and the k-depth of its stages (split-K chunks are multiples of it, so that no split ends in a
   * half-empty k-tile).
   */
  record Variant(String suffix, int tileN, int sharedBytes, int bk) {
    boolean wgmma() {
      return suffix.startsWith("_tf32wg");
    }
  }

  private static final Variant K16 = new Variant("_tf32", 64, 0, 16);
  private static final Variant WG64 = new Variant("_tf32wg", 64, 4 * (128 + 64) * 32 * 4, 32);
  private static final Variant WG128 = new Variant("_tf32wg128", 128, 4 * (128 + 128) * 32 * 4, 32);
  /**
   * The noisy wgmma forwards that draw their epilogue's Gaussians under the k loop (kernels/gemm_wgmma.cuh EarlyNoise)
   * into a tile of them beside the pipeline: 128 x 64 with 3 stages instead of 4 plus 32 KiB (106,496 bytes, still
   * two blocks per SM), 128 x 128 with its 4 stages plus 64 KiB (196,608 bytes, one block per SM as WG128).
   */
  private static final Variant WG64Z = new Variant("_tf32wgz", 64, 3 * (128 + 64) * 32 * 4 + 128 * 64 * 4, 32);
  private static final Variant WG128Z = new Variant("_tf32wg128z", 128, 4 * (128 + 128) * 32 * 4 + 128 * 128 * 4, 32);
  /**
   * The 128 x 256 matmul forward (noisy_matmul_forward_tf32wg256: 4 stages of (128 + 256) x 32 floats, 196,608 bytes,
   * one block per SM; the epilogue draws the noise): linear layers wider than 128 outputs in {@link #TF32_WG256}.
   */
  private static final Variant WG256 = new Variant("_tf32wg256", 256, 4 * (128 + 256) * 32 * 4, 32);
  /**
   * The wgmma weight gradients (kernels/gemm_wgmma_mn.cuh): the transposed GEMM (M = R*S*C or IN, N = K or OUT) in
   * 128 x 64 tiles (2 raw stages and 2 operand buffers of (128 + 64) x 32 floats: 98,304 bytes, two blocks per SM) or
   * 128 x 128 (131,072 bytes, one block per SM).
   */
  private static final Variant WG_WEIGHT64 = new Variant("_tf32wg", 64, (2 + 2) * (128 + 64) * 32 * 4, 32);
  private static final Variant WG_WEIGHT128 = new Variant("_tf32wg128", 128, (2 + 2) * (128 + 128) * 32 * 4, 32);

  static final Gemm FP32 = new Gemm(MathMode.FP32, 64, 64, "", new Variant("", 64, 0, 16), null);
  static final Gemm TF32 = new Gemm(MathMode.TF32, 128, 64, "_tf32", K16, null);
  /**
   * TF32 with the forward GEMMs on the K32 pipeline (gemm_tf32.cuh: k-depth 32 per stage, 3 stages, 79,872 bytes of
   * dynamic shared memory); the gradients stay K16. An experiment, selected by {@code VANT_TF32_TILE=k32} (or the
   * system property {@code vant.tf32.tile}) until a GPU run says which pays.
   */
  static final Gemm TF32_K32 = new Gemm(MathMode.TF32, 128, 64, "_tf32",
      new Variant("_tf32k32", 64, 3 * (32 * (128 + 8) + 32 * (64 + 8)) * 4, 32), null);
  /**
   * TF32 with the forward GEMMs and the data gradients on Hopper's wgmma (kernels/gemm_wgmma.cuh, sm_90a only;
   * k-depth 32, 4 stages), the tile chosen per problem: 128 x 128 (131,072 bytes of dynamic shared memory, one block
   * per SM) where the output has more than 64 columns, else 128 x 64 (98,304 bytes, two blocks per SM); noisy forwards
   * draw their noise under the k loop ({@link #forward(long, boolean)}). The weight
   * gradients (both operands contiguous in m or n, which wgmma's tf32 cannot read from memory) run the transposing
   * wgmma loop ({@link #weight}) where their operands come in whole 16-byte chunks, else the K16 mma.sync kernels.
   * Selected by {@code VANT_TF32_TILE=wgmma} ({@code wgmma64} / {@code wgmma128} force one tile); not the default
   * until a GPU run has checked and timed it.
   */
  static final Gemm TF32_WG = new Gemm(MathMode.TF32, 128, 64, "_tf32", WG64, WG128);
  static final Gemm TF32_WG64 = new Gemm(MathMode.TF32, 128, 64, "_tf32", WG64, null);
  static final Gemm TF32_WG128 = new Gemm(MathMode.TF32, 128, 64, "_tf32", WG128, null);
  /**
   * {@link #TF32_WG}, with the linear forwards wider than 128 outputs on 128 x 256 tiles ({@link #WG256}): an experiment
   * for the large matmul (issue 8's 4096^3 target), {@code VANT_TF32_TILE=wgmma256}. Convolutions and the gradients
   * choose as in TF32_WG (ResNet-18's convolutions at batch 128 have too few 128 x 256 tiles to fill the GPU).
   */
  static final Gemm TF32_WG256 = new Gemm(MathMode.TF32, 128, 64, "_tf32", WG64, WG128, WG256);
  /** The values of {@code VANT_TF32_TILE} / {@code vant.tf32.tile}. */
  static final java.util.List<String> TILES = java.util.List.of("k16", "k32", "wgmma", "wgmma64", "wgmma128", "wgmma256");
  /** The values of {@code VANT_EARLY_NOISE} / {@code vant.early.noise}. */
  static final java.util.List<String> EARLY_NOISE = java.util.List.of("on", "off");

  /**
   * k-step of the FP32 and K16 mainloops; their split-K chunks are multiples of it (the TF32 16-byte loads need multiples
   * of 4). The K32 and wgmma variants use 32 ({@link Variant#bk}).
   */
  static final int BK = 16;
  static final int THREADS = 256;
  /** A split covers at least this many k (16 k-steps), so the mainloop dominates the extra reduction. */
  static final long MIN_K_PER_SPLIT = 256;
  /**
   * At most this many splits (the reduction adds them in order, one thread per output). Was 32 until the third
   * H200 run: the weight gradients with a single output tile (the stem's 64 x 27, the 1x1 shortcuts) then ran on
   * 32 blocks, 82 µs per launch on average, 0.33 ms of the step; the stem's 131,072 rows now get 256 splits of 512.
   */
  static final int MAX_SPLITS = 256;
  /**
   * Enough blocks for two per multiprocessor on a 132-SM GPU (H100 / H200: two 256-thread GEMM blocks fit per SM);
   * splitting beyond that only adds partials traffic. A constant, not read from the device, so that a model sums
   * its gradients in the same order on every GPU. (Was 512 with 512 k per split, for the weight gradients alone,
   * before the first GPU run; the forward and data-gradient splits came with it: 2026-11-28 H200 report.)
   */
  static final long TARGET_BLOCKS = 256;
  /** Partials workspace cap, in floats (256 MiB). */
  static final long MAX_PARTIALS = 64L << 20;

  /** The kernel family: FP32, or TF32 (the tensor-core kernels, which serve TF32RZ too: its launches pass tf32Round 0). */
  final MathMode math;
  /**
   * Output tile of the mode's K16 / FP32 kernels; tileM (128) is every TF32 variant's too, whose widths are their own
   * ({@link #forward}, {@link #data}, {@link #weight}).
   */
  final int tileM, tileN;
  /** The forward kernel, and (non-null) the one for outputs wider than its tile. */
  private final Variant forward, wide;
  /** The other kernels' variant (the mode's K16 / FP32 kernels: suffix "_tf32" / "", tileM x tileN tiles). */
  private final Variant plain;
  /** The linear forward for outputs wider than {@link #wide}'s tile, or null (as {@link #forward}). */
  private final Variant linearWide;

  private Gemm(MathMode math, int tileM, int tileN, String suffix, Variant forward, Variant wide) {
    this(math, tileM, tileN, suffix, forward, wide, null);
  }

  private Gemm(MathMode math, int tileM, int tileN, String suffix, Variant forward, Variant wide, Variant linearWide) {
    this.math = math;
    this.tileM = tileM;
    this.tileN = tileN;
    this.forward = forward;
    this.wide = wide;
    this.plain = new Variant(suffix, tileN, 0, BK);
    this.linearWide = linearWide;
  }

  static Gemm of(MathMode m) {
    if (!m.tensorCores()) return FP32;  // TF32 and TF32RZ share the kernels: the launches pass MathMode.tf32RoundArg
    return switch (tf32Tile()) {
      case "k32" -> TF32_K32;
      case "wgmma" -> TF32_WG;
      case "wgmma64" -> TF32_WG64;
      case "wgmma128" -> TF32_WG128;
      case "wgmma256" -> TF32_WG256;
      default -> TF32;
    };
  }

  /** Whether the forwards of this configuration are the sm_90a wgmma kernels. */
  boolean wgmma() {
    return forward.wgmma();
  }

  /** The forward kernel for an output of n columns (the tile depends on the shape only, never on the device). */
  Variant forward(long n) {
    return wide != null && n > forward.tileN() ? wide : forward;
  }

  /**
   * The forward kernel for an output of n columns whose launch owns the whole k range and adds noise ({@code drawn}):
   * in the wgmma configurations the twin that draws the epilogue's Gaussians under the k loop (unless
   * {@link #earlyNoise()} is off). The tile, and so the split-K rule, is {@link #forward(long)}'s. The kernel itself
   * still checks that the epilogue takes its whole-group path and draws in the epilogue where not (same bits either way).
   */
  Variant forward(long n, boolean drawn) {
    Variant f = forward(n);
    if (!drawn || !earlyNoise()) return f;
    return f == WG64 ? WG64Z : f == WG128 ? WG128Z : f;
  }

  /**
   * The linear layer's forward kernel for an output of n columns ({@link #forward(long, boolean)}, but the 128 x 256
   * tile where this configuration has one and the output is wider than 128 columns).
   */
  Variant linearForward(long n, boolean drawn) {
    return linearWide != null && wide != null && n > wide.tileN() ? linearWide : forward(n, drawn);
  }

  /**
   * Whether the noisy wgmma forwards draw their noise under the k loop: {@code vant.early.noise}, else
   * {@code VANT_EARLY_NOISE}, else on. Off runs the plain kernels, whose epilogue draws it: a switch for measuring
   * the difference (same bits either way).
   */
  static boolean earlyNoise() {
    String v = System.getProperty("vant.early.noise", System.getenv().getOrDefault("VANT_EARLY_NOISE", "on"));
    if (!EARLY_NOISE.contains(v)) {
      throw new IllegalArgumentException("VANT_EARLY_NOISE / vant.early.noise must be one of " + EARLY_NOISE + ", got '" + v + "'");
    }
    return v.equals("on");
  }

  /**
   * The data-gradient kernel (conv2d_backward_data*, matmul_backward_data*) for an input of n channels / features: the
   * forward's choice in the wgmma configurations (they read transposed weights, matmul_transpose_tf32), else the
   * mode's K16 / FP32 kernel.
   */
  Variant data(long n) {
    return wgmma() ? forward(n) : plain;
  }

  /**
   * The weight-gradient kernel (conv2d_backward_weight*, matmul_backward_weight*) of dw [rows][cols] ([K][R*S*C],
   * [OUT][IN]). chunks: both operands come in whole, aligned 16-byte chunks of 4 along their contiguous axis (a
   * convolution: C % 4 == 0 and K % 4 == 0; a linear layer: IN % 4 == 0 and OUT % 4 == 0). In the wgmma configurations
   * that gives a transposed wgmma kernel (kernels/gemm_wgmma_mn.cuh: GEMM M = cols, N = rows, {@link #weightTiles}),
   * its tile width chosen by rows as the forward's by its output width; else the mode's K16 / FP32 kernel (M = rows).
   */
  Variant weight(boolean chunks, long rows) {
    if (!wgmma() || !chunks) return plain;
    return forward(rows).tileN() == 128 ? WG_WEIGHT128 : WG_WEIGHT64;
  }

  /** Blocks per split of weight-gradient kernel v for dw [rows][cols] (the wgmma kernel tiles the transpose). */
  long weightTiles(Variant v, long rows, long cols) {
    return v.wgmma() ? tiles(v, cols, rows) : tiles(v, rows, cols);
  }

  /** The k-chunk per split of weight-gradient kernel v for dw [rows][cols] summed over kDim. */
  long weightKChunk(Variant v, long rows, long cols, long kDim) {
    return v.wgmma() ? kChunk(v, cols, rows, kDim) : kChunk(v, rows, cols, kDim);
  }

  /** The TF32 forward pipeline: {@code vant.tf32.tile}, else {@code VANT_TF32_TILE}, else k16. */
  static String tf32Tile() {
    String t = System.getProperty("vant.tf32.tile", System.getenv().getOrDefault("VANT_TF32_TILE", "k16"));
    if (!TILES.contains(t)) {
      throw new IllegalArgumentException("VANT_TF32_TILE / vant.tf32.tile must be one of " + TILES + ", got '" + t + "'");
    }
    return t;
  }


  /** Output tiles (blocks per split) of an m x n output. */
  long tiles(long m, long n) {
    return ((m + tileM - 1) / tileM) * ((n + tileN - 1) / tileN);
  }

  /** Output tiles (blocks per split) of an m x n output of kernel variant v. */
  long tiles(Variant v, long m, long n) {
    return ((m + tileM - 1) / tileM) * ((n + v.tileN() - 1) / v.tileN());
  }

  /** Output tiles (blocks per split) of an m x n output of a forward kernel. */
  long forwardTiles(long m, long n) {
    return tiles(forward(n), m, n);
  }

  /** The k-chunk per split for an M x N output summed over kDim; splits = ceil(kDim / chunk). */
  long kChunk(long m, long n, long kDim) {
    return kChunk(m, n, kDim, tiles(m, n), BK);
  }

  /** As {@link #kChunk(long, long, long)} for kernel variant v (its tiles and k-depth). */
  long kChunk(Variant v, long m, long n, long kDim) {
    return kChunk(m, n, kDim, tiles(v, m, n), v.bk());
  }

  /** As {@link #kChunk(long, long, long)} for a forward kernel (its tiles). */
  long forwardKChunk(long m, long n, long kDim) {
    return kChunk(forward(n), m, n, kDim);
  }

  private long kChunk(long m, long n, long kDim, long tiles, int bk) {
    long splits = Math.min(kDim / MIN_K_PER_SPLIT, Math.max(1, TARGET_BLOCKS / tiles));
    splits = Math.min(splits, Math.min(MAX_SPLITS, Math.max(1, MAX_PARTIALS / (m * n))));
    if (splits <= 1) return Math.max(kDim, 1);
    long chunk = (kDim + splits - 1) / splits;
    return (chunk + bk - 1) / bk * bk;
  }

  static int splits(long kDim, long kChunk) {
    return (int) Math.max(1, (kDim + kChunk - 1) / kChunk);
  }
}
